"""Kecamatan chapters and their officers (pengurus kecamatan).

An admin appoints a user as officer of one or more kecamatan and removes
them; the appointment rows are the one source of truth of who is an officer
(no Role row: an officer is whoever holds an appointment not yet removed, so
removing the appointment ends every right at once, with nothing to keep in
step). An officer sees their chapter's dashboard and CSV files, and
recommends (or, with CHAPTER_CAN_APPROVE, decides) the membership
applications of their kecamatan through the admin's own member services.

Sits above orders, catalog, members and the ledger (it reads all of them)
and below the admin's pages, which show the recommendations."""
