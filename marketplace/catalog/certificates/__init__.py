"""Hygiene and food-safety certificates (P-IRT, Halal, BPOM MD/ML, Laik
Higiene): what a member records, what an admin decides, what shoppers see.

A module per role: `rules` (the state machine, where a certificate
stands and what it shows, the CertificateError), `services` (the writes:
keyword arguments, models in and out, a CertificateError when a rule
refuses, nothing written; flush and never commit; every status change goes
through `_move`, which checks TRANSITIONS) and `queries` (reads that return
a `Select`, except `badges_for`, which runs the one query that finds the
badges of a whole page of products).

A certificate is shown while it is verified and not past its expiry date.
One that names a product is that product's badge (and counts for the
`sertifikat` filter). A shop-level one (no product) is the shop's badge
("Toko bersertifikat Laik Higiene", on the shop page and in the shop part of
a product page), never a claim about a product: it becomes a product's badge
only for the products its member ticked (`CertificateProduct`) and an admin
verified against the scan. Laik Higiene certifies the place of production:
it is only ever the shop's. Dates are those of Banyumas (WIB), so a
certificate stops showing at midnight there, with no job to run."""
