"""Postings racing each other, one session per thread, released together by a
barrier. PostgreSQL only: there writers really run at the same time."""

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.ledger.balances import balance, problems
from marketplace.ledger.errors import LedgerError
from marketplace.ledger.models import LedgerAccount, LedgerPeriodClose, LedgerTransaction
from marketplace.ledger.services import close_month, post
from tests.factories import UserFactory
from tests.ledger.helpers import SALE, rows

THREADS = 12
JANUARY = datetime(2024, 1, 20, tzinfo=UTC)
pytestmark = pytest.mark.postgres


def race(app, work: Callable[[int], object], threads: int = THREADS) -> list[object]:
    """Run `work(number)` in `threads` threads, each in its own app context
    (so its own session), released at once; commit each; return the outcomes."""
    barrier = threading.Barrier(threads)
    outcomes: list[object] = []

    def run(number: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                result = work(number)
                db.session.commit()
                outcomes.append(result)
            except LedgerError as error:
                db.session.rollback()
                outcomes.append(error)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(outcomes) == threads  # no thread died of anything but a LedgerError
    return outcomes


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_key_posted_at_once_by_many_is_recorded_once(make_app, attempt):
    app = make_app()

    ids = race(app, lambda number: post(key="order:17:sale", kind="sale", entries=SALE).id)

    assert len(set(ids)) == 1 and all(isinstance(i, int) for i in ids)
    with app.app_context():
        assert rows()["ledger_transactions"] == 1
        assert rows()["ledger_accounts"] == len(SALE)
        assert balance("cash:bank") == 115_000
        assert problems() == []


def test_the_same_key_with_different_bodies_at_once_keeps_one(make_app):
    app = make_app()

    def work(number: int) -> int:
        entries = [("cash:bank", 1_000 + number), ("income:transfer-code", -1_000 - number)]
        return post(key="transfer:5", kind="sale", entries=entries).id

    outcomes = race(app, work)

    assert len([o for o in outcomes if isinstance(o, int)]) == 1
    assert all("sudah dipakai" in o.message for o in outcomes if isinstance(o, LedgerError))
    with app.app_context():
        assert rows()["ledger_transactions"] == 1
        assert balance("cash:bank") == balance("income:transfer-code") >= 1_000


def test_new_accounts_opened_at_once_by_different_postings_are_opened_once(make_app):
    app = make_app()

    ids = race(
        app,
        lambda number: post(key=f"order:{number}:sale", kind="sale", entries=SALE).id,
    )

    assert len(set(ids)) == THREADS
    with app.app_context():
        assert db.session.scalar(select(func.count(LedgerAccount.id))) == len(SALE)
        assert balance("cash:bank") == 115_000 * THREADS
        assert problems() == []


def test_a_month_closing_while_postings_race_into_it_lets_none_in_after(make_app):
    """Each posting into January either commits before the close or is
    refused: while a posting's transaction is open, the month cannot close."""
    app = make_app()
    with app.app_context():
        treasurer_id = UserFactory(roles=[Role.TREASURER]).id
        db.session.commit()

    def work(number: int) -> tuple[str, int]:
        if number == 0:
            treasurer = db.session.get(User, treasurer_id)
            return ("closed", close_month(month=date(2024, 1, 1), closed_by=treasurer).id)
        entries = [("cash:bank", 100), ("income:transfer-code", -100)]
        post(key=f"t{number}", kind="sale", entries=entries, occurred_at=JANUARY)
        # Still inside this posting's transaction: no close may have committed.
        return ("posted", db.session.scalar(select(func.count(LedgerPeriodClose.id))))

    outcomes = race(app, work)

    assert [o for o in outcomes if not isinstance(o, LedgerError) and o[0] == "closed"]
    assert all(o[1] == 0 for o in outcomes if not isinstance(o, LedgerError) and o[0] == "posted")
    refused = [o for o in outcomes if isinstance(o, LedgerError)]
    assert all("sudah ditutup" in error.message for error in refused)
    with app.app_context():
        posted = db.session.scalar(select(func.count(LedgerTransaction.id)))
        assert posted + len(refused) == THREADS - 1
        assert rows()["ledger_period_closes"] == 1
