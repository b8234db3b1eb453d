"""The orders of the demo: shoppers with carts and orders in every state,
made through the real services. Checkout reserves the stock and snapshots
the lines; the demo treasurer confirms transfers and pays refunds back;
card orders are paid by Stripe's webhook handler, given the event Stripe
would send, and Stripe's fee is posted (`card.py`: Stripe is not called);
members prepare, ship or hand over their parts (taking the cash of cash
orders) or cancel them; shoppers cancel unpaid orders; the expiry job
cancels overdue transfers. So the ledger holds the postings those services
make, and `flask ledger check` balances.

Every order is a `Story` (`stories.py`): who buys from which members, how
it is paid, how long ago it was placed, and how far each member's part
gets. The stories the demo logins need are written out (`written_stories`);
more orders, for busier shops and histories, are drawn from a random
stream of their own (`drawn_stories`). They are told with a `Cast`
(`cast.py`: the shoppers, and the members' shops set up for cash and
delivery): `placing.py` fills the carts and checks out, `telling.py` takes
each order through its states. Times are offsets back from `now`, over
about fourteen months, and the steps of all the orders are taken in time
order, so the ledger's postings are dated as they happened; then the demo
treasurer closes every month that has ended but the last (`books.py`).
Buyers review many of the lines they received (`reviews.py`). A
story whose shops have nothing left in stock is skipped, so a small demo
(`--products 5`) has fewer orders, never an error.

Emails: the services queue an email at each step (hundreds for the whole
demo). Nobody is there to read them, and `make run` would print every one
at the next delivery, so the seed deletes the outbox rows it queued
(`drop_queued_emails`) rather than marking them sent: they never went out.
The services' emails are tested with the services."""

import random
from datetime import datetime

from sqlalchemy import delete, func, select

from marketplace.accounts.models import OutboxEmail
from marketplace.demo.orders.books import close_ended_months
from marketplace.demo.orders.cast import gather_cast
from marketplace.demo.orders.placing import leave_carts
from marketplace.demo.orders.reviews import add_reviews
from marketplace.demo.orders.stories import drawn_stories, written_stories
from marketplace.demo.orders.telling import tell_in_time_order
from marketplace.demo.people import SHOPS
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.orders import payables
from marketplace.orders.checkout import CheckoutRules

__all__ = ["add_orders_demo"]


def add_orders_demo(
    *,
    members: list[Member],
    now: datetime,
    seed: int,
    rules: CheckoutRules,
    hold_days: int,
    password_hash: str,
) -> int:
    """Shoppers, their carts and orders in every state with `members` (the
    first is the demo member's shop); how many orders were placed. The
    shoppers besides the demo shopper get `password_hash`, of a password
    nobody knows."""
    rng = random.Random(seed)
    emails_before = last_email_id()
    cast = gather_cast(
        rng=rng,
        members=members,
        now=now,
        rules=rules,
        hold_days=hold_days,
        password_hash=password_hash,
    )
    # A demo with fewer members (the tests) sells less.
    stories = written_stories(cast) + drawn_stories(cast, scale=len(members) / len(SHOPS))
    placed = tell_in_time_order(cast, stories)
    add_reviews(cast, random.Random(f"{seed}-reviews"), now=now)
    payables.release_due(hold_days=hold_days, now=now)
    close_ended_months(treasurer=cast.treasurer, now=now)
    leave_carts(cast)
    drop_queued_emails(emails_before)
    db.session.flush()
    return placed


def last_email_id() -> int:
    return db.session.scalar(select(func.max(OutboxEmail.id))) or 0


def drop_queued_emails(after_id: int) -> None:
    """Forget the emails the services queued for the demo (they never went out)."""
    db.session.execute(
        delete(OutboxEmail)
        .where(OutboxEmail.id > after_id)
        .execution_options(synchronize_session=False)
    )
