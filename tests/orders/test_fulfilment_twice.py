"""Each of the member's order steps sent twice (a double tap without
JavaScript, a form sent again): the second changes nothing, records no
second event, sends no second email, posts nothing more, and says the step
was already recorded. The pages mark these forms busy (app.js) so a
browser does not send them twice in the first place."""

import re

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry, LedgerTransaction
from marketplace.orders import fulfilment
from marketplace.orders.events import OrderEvent
from marketplace.orders.models import OrderPart
from marketplace.orders.status import OrderPartStatus
from marketplace.payments.models import PaymentReceipt
from tests import factories
from tests.orders.helpers import count
from tests.orders.test_fulfilment_views import place

pytestmark = pytest.mark.usefixtures("app_context")


def written() -> tuple[int, ...]:
    db.session.expire_all()
    return (
        count(OrderEvent),
        count(OutboxEmail),
        count(LedgerTransaction),
        count(PaymentReceipt),
        int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)))),
    )


def flashed(response) -> list[str]:
    return re.findall(r'class="alert alert-(\w+)[^"]*" role="alert">([^<]*)<', response.text)


def status_of(part: OrderPart) -> str:
    db.session.expire_all()
    return db.session.get(OrderPart, part.id).status


@pytest.mark.parametrize(
    ("step", "ready", "data", "after", "label"),
    [
        ("proses", [], {}, OrderPartStatus.PROCESSING, "sedang disiapkan"),
        ("kirim", ["start_processing"], {}, OrderPartStatus.SHIPPED, "sedang diantar"),
        (
            "selesai",
            ["start_processing", "dispatch"],
            {"cash_received": "the part's total"},
            OrderPartStatus.COMPLETED,
            "selesai",
        ),
        (
            "batal",
            [],
            {"reason": "Tempe habis.", "restock": "y"},
            OrderPartStatus.CANCELLED,
            "dibatalkan",
        ),
    ],
)
def test_a_step_sent_twice_is_done_once(client, login_as, step, ready, data, after, label):
    member = factories.MemberFactory(accepts_cash=True)
    # Cash: "Selesai" is also the member marking the part paid.
    part = place(member, delivery=True, payment="cash" if step == "selesai" else "bank_transfer")
    for move in ready:
        getattr(fulfilment, move)(part=part, member=member)
    db.session.commit()
    login_as(member.user)
    if "cash_received" in data:
        data = {"cash_received": str(part.total)}
    url = f"/kelola/pesanan/{part.id}/{step}"

    first = client.post(url, data=data, follow_redirects=True)
    assert status_of(part) == after
    assert [kind for kind, _ in flashed(first)] == ["success"]
    once = written()

    again = client.post(url, data=data, follow_redirects=True)
    assert again.status_code == 200
    assert flashed(again) == [
        ("danger", f"Langkah ini sudah tercatat: pesanan ini {label}. Tidak ada yang diubah.")
    ]
    assert status_of(part) == after
    assert written() == once
    assert once[-1] == 0  # the ledger still balances


def test_the_step_forms_are_marked_busy(client, login_as):
    member = factories.MemberFactory()
    part = place(member)
    login_as(member.user)
    page = client.get(f"/kelola/pesanan/{part.id}").text
    forms = re.findall(r"<form[^>]*>", page.split("<main", 1)[1])
    steps = [form for form in forms if 'method="post"' in form]
    assert len(steps) == 2  # "Proses pesanan", and the cancel
    assert all("data-busy=" in form for form in steps)
