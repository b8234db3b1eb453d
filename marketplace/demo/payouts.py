"""Paying members in the demo, through the treasury's own services: a
batch paid last (one line transferred with the bank's reference, one
failed, its money available again), and a batch of the next members ready
waiting for the admin's approval; the members after those stay ready to
pay, so the treasurer can prepare one of their own."""

from flask import current_app
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.demo.orders import drop_queued_emails, last_email_id
from marketplace.demo.people import LOGINS
from marketplace.extensions import db
from marketplace.treasury import payouts
from marketplace.treasury.payout_queries import member_balances

# How many of the members ready to pay each demo batch takes.
PAID_BATCH, WAITING_BATCH = 2, 2


def _login(role: Role) -> User:
    email = next(login.email for login in LOGINS if login.role == role)
    return db.session.scalars(select(User).where(User.email == email)).one()


def add_payouts_demo() -> int:
    """The two demo batches; the number of lines they hold."""
    emails_before = last_email_id()
    treasurer, admin = _login(Role.TREASURER), _login(Role.ADMIN)
    rows = member_balances(minimum=current_app.config["PAYOUT_MINIMUM"], ready=True)
    ready = [row.member.id for row in rows if row.payable]
    paid_ids, waiting_ids = ready[:PAID_BATCH], ready[PAID_BATCH : PAID_BATCH + WAITING_BATCH]
    lines = 0
    if paid_ids:
        batch = payouts.prepare_batch(member_ids=paid_ids, by=treasurer)
        payouts.approve_batch(batch=batch, by=admin)
        for number, line in enumerate(sorted(batch.lines, key=lambda line: line.id)):
            if number == 0:
                payouts.record_transferred(line=line, reference=f"BRI-{line.id:06d}", by=treasurer)
            else:
                payouts.record_failed(
                    line=line, reason="Nama pemilik rekening tidak sesuai", by=treasurer
                )
        lines += len(batch.lines)
    if waiting_ids:
        lines += len(payouts.prepare_batch(member_ids=waiting_ids, by=treasurer).lines)
    drop_queued_emails(emails_before)
    db.session.flush()
    return lines
