"""Who may open what of paying members: the treasurer everything; an admin
only the batches, to approve or reject them (the treasurer may open those
too, but the service refuses them the approval); everyone else gets the
login page or 403 and changes nothing. Every POST needs its CSRF token."""

from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.treasury.models import CommissionDeposit, PayoutBatch, PayoutLine
from tests import factories
from tests.members.helpers import routes_of
from tests.orders.helpers import count
from tests.treasury.helpers import money_written
from tests.treasury.payout_helpers import (
    approved_batch,
    banked_member,
    earn,
    owe_cash_commission,
    prepared_batch,
    treasurer,
)

PEOPLE = ("anonymous", "shopper", "member", "admin", "treasurer")
ROLES = {
    "shopper": [Role.SHOPPER],
    "member": [Role.MEMBER],
    "admin": [Role.ADMIN],
    "treasurer": [Role.TREASURER],
}
LOGIN = (302, "/akun/masuk", False)
CHANGES, SAME = True, False

# (rule, method) -> (URL, form data, {who: (status, path or None, writes?)})
PAYOUTS = {
    ("/bendahara/anggota", "GET"): (
        "/bendahara/anggota?q=toko&urut=nama&siap=1&page=1",
        {},
        {"treasurer": (200, None, SAME)},
    ),
    ("/bendahara/anggota/<int:member_id>/setoran", "GET"): (
        "/bendahara/anggota/{owing}/setoran",
        {},
        {"treasurer": (200, None, SAME)},
    ),
    ("/bendahara/anggota/<int:member_id>/setoran", "POST"): (
        "/bendahara/anggota/{owing}/setoran",
        {"amount": "1.000", "deposited_on": "{today}", "reference": "Kuitansi 1"},
        {"treasurer": (302, "/bendahara/anggota", CHANGES)},
    ),
    ("/bendahara/pembayaran-anggota/siapkan", "POST"): (
        "/bendahara/pembayaran-anggota/siapkan",
        {"anggota": "{free}", "chosen": "1"},
        {"treasurer": (302, None, CHANGES)},
    ),
    ("/bendahara/pembayaran-anggota", "GET"): (
        "/bendahara/pembayaran-anggota?page=1",
        {},
        {"treasurer": (200, None, SAME), "admin": (200, None, SAME)},
    ),
    ("/bendahara/pembayaran-anggota/<int:batch_id>", "GET"): (
        "/bendahara/pembayaran-anggota/{prepared}",
        {},
        {"treasurer": (200, None, SAME), "admin": (200, None, SAME)},
    ),
    ("/bendahara/pembayaran-anggota/<int:batch_id>/setujui", "POST"): (
        "/bendahara/pembayaran-anggota/{prepared}/setujui",
        {},
        {
            # The treasurer reaches the view; the service refuses: not an admin.
            "treasurer": (302, "/bendahara/pembayaran-anggota/{prepared}", SAME),
            "admin": (302, "/bendahara/pembayaran-anggota/{prepared}", CHANGES),
        },
    ),
    ("/bendahara/pembayaran-anggota/<int:batch_id>/tolak", "POST"): (
        "/bendahara/pembayaran-anggota/{prepared}/tolak",
        {"reason": "Rekening salah satu anggota belum dicek."},
        {
            "treasurer": (302, "/bendahara/pembayaran-anggota/{prepared}", SAME),
            "admin": (302, "/bendahara/pembayaran-anggota/{prepared}", CHANGES),
        },
    ),
    ("/bendahara/pembayaran-anggota/<int:batch_id>/transfer-massal.csv", "GET"): (
        "/bendahara/pembayaran-anggota/{approved}/transfer-massal.csv",
        {},
        {"treasurer": (200, None, SAME)},
    ),
    ("/bendahara/pembayaran-anggota/baris/<int:line_id>/transfer", "POST"): (
        "/bendahara/pembayaran-anggota/baris/{line}/transfer",
        {"transfer-{line}-reference": "BRI 123456"},
        {"treasurer": (302, "/bendahara/pembayaran-anggota/{approved}", CHANGES)},
    ),
    ("/bendahara/pembayaran-anggota/baris/<int:line_id>/gagal", "POST"): (
        "/bendahara/pembayaran-anggota/baris/{line}/gagal",
        {"gagal-{line}-reason": "Rekening tidak aktif"},
        {"treasurer": (302, "/bendahara/pembayaran-anggota/{approved}", CHANGES)},
    ),
}


@pytest.fixture
def world(app_context):
    """A prepared batch, an approved one, and a member with money not in a batch."""
    waiting, paying, free = banked_member(), banked_member(), banked_member()
    for member in (waiting, paying, free):
        earn(member, 50_000)
    prepared = prepared_batch(waiting)
    approved = approved_batch(paying)
    owing = banked_member()
    owe_cash_commission(owing, 100_000)
    db.session.commit()
    return {
        "owing": owing.id,
        "today": date.today().isoformat(),
        "prepared": prepared.id,
        "approved": approved.id,
        "line": approved.lines[0].id,
        "free": free.id,
    }


def fill(text: str, world: dict) -> str:
    return text.format(**world)


def state() -> tuple:
    return (
        money_written(),
        db.session.execute(
            select(PayoutBatch.id, PayoutBatch.status).order_by(PayoutBatch.id)
        ).all(),
        db.session.execute(select(PayoutLine.id, PayoutLine.status).order_by(PayoutLine.id)).all(),
        count(AuditEvent),
        count(CommissionDeposit),
    )


def test_the_matrix_covers_every_payout_route(app):
    payout_rules = {
        (rule, method)
        for rule, method in routes_of(app, "treasury")
        if rule.startswith(("/bendahara/anggota", "/bendahara/pembayaran-anggota"))
        and "/laporan" not in rule  # a member's statement: in test_access's TREASURY
    }
    assert payout_rules == set(PAYOUTS)


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize(("rule", "method"), list(PAYOUTS))
def test_payout_access(client, world, rule, method, who):
    url, data, allowed = PAYOUTS[(rule, method)]
    if who != "anonymous":
        factories.log_in(client, factories.UserFactory(roles=ROLES[who]))
    data = {fill(key, world): fill(value, world) for key, value in data.items()}
    db.session.expire_all()
    before = state()

    response = client.open(fill(url, world), method=method, data=data)

    status, path, writes = LOGIN if who == "anonymous" else allowed.get(who, (403, None, SAME))
    assert response.status_code == status
    if path:
        assert urlsplit(response.headers["Location"]).path == fill(path, world)
    if status == 403:
        assert "Anda tidak memiliki akses ke halaman ini." in response.text
    db.session.expire_all()
    assert (state() != before) is writes


def test_posts_without_a_csrf_token_are_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        waiting, paying, free = banked_member(), banked_member(), banked_member()
        for member in (waiting, paying, free):
            earn(member, 50_000)
        batch = prepared_batch(waiting, by=treasurer())
        other = approved_batch(paying)
        owing = banked_member()
        owe_cash_commission(owing, 100_000)
        world = {"prepared": batch.id, "line": other.lines[0].id}
        officer = factories.UserFactory(roles=[Role.TREASURER])
        admin = factories.UserFactory(roles=[Role.ADMIN])
        db.session.commit()
        before = state()
        client = app.test_client()
        for user, url, data in (
            (officer, "/bendahara/pembayaran-anggota/siapkan", {"anggota": str(free.id)}),
            (
                officer,
                f"/bendahara/anggota/{owing.id}/setoran",
                {"amount": "1.000", "deposited_on": date.today().isoformat()},
            ),
            (admin, f"/bendahara/pembayaran-anggota/{world['prepared']}/setujui", {}),
            (
                admin,
                f"/bendahara/pembayaran-anggota/{world['prepared']}/tolak",
                {"reason": "Tanpa token CSRF sama sekali."},
            ),
            (
                officer,
                f"/bendahara/pembayaran-anggota/baris/{world['line']}/transfer",
                {f"transfer-{world['line']}-reference": "REF"},
            ),
            (
                officer,
                f"/bendahara/pembayaran-anggota/baris/{world['line']}/gagal",
                {f"gagal-{world['line']}-reason": "Tanpa token"},
            ),
        ):
            factories.log_in(client, user)
            response = client.post(url, data=data)
            assert response.status_code == 400
            assert "Formulir ini sudah kedaluwarsa" in response.text
        db.session.expire_all()
        assert state() == before
