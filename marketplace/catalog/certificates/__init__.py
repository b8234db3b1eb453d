"""Hygiene and food-safety certificates (P-IRT, Halal, BPOM MD/ML, Laik
Higiene): what a member records, what an admin decides, what shoppers see.

A module per role: `rules` (the state machine, where a certificate
stands and what it shows, the CertificateError), `services` (the writes:
keyword arguments, models in and out, a CertificateError when a rule
refuses, nothing written; flush and never commit; every status change goes
through `_move`, which checks TRANSITIONS) and `queries` (reads that return
a `Select`, except `badges_for`, which runs the one query that finds the
badges of a whole page of products).

A certificate is shown (as a badge, and to the `sertifikat` filter) while it
is verified and not past its expiry date; a shop-level one (no product)
counts for every product of the shop. Dates are those of Banyumas (WIB), so
a certificate stops showing at midnight there, with no job to run."""
