"""The audit log: every treasurer and admin action on money and rules
writes exactly one event, with its actor, action and subject, in the same
transaction (a refused action writes none); the log is append-only in the
ORM and in the database (SQLite and PostgreSQL); admins filter it on
/pengurus/audit and download it as CSV."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Role
from marketplace.audit import services as audit
from marketplace.audit.models import AuditAction, AuditEvent, AuditImmutable
from marketplace.catalog.categories import set_category_commission
from marketplace.catalog.certificates.rules import CertificateError
from marketplace.catalog.models import Certificate, CertificateKind, CertificateStatus
from marketplace.catalog.services import CatalogError
from marketplace.extensions import db
from marketplace.members import services as member_services
from marketplace.members.models import MemberStatus
from marketplace.members.services import MemberError
from marketplace.orders import fulfilment
from marketplace.orders.status import OrderError
from marketplace.payments import bank_transfer
from tests.factories import UserFactory, category
from tests.members.helpers import member_in
from tests.orders.flows import MONDAY, two_part_order
from tests.sql import recorded_statements
from tests.treasury.helpers import refund_owed, treasurer

pytestmark = pytest.mark.usefixtures("app_context")

REASON = "Alasan yang cukup panjang."


def events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def admin(app):
    return UserFactory(roles=[Role.ADMIN], email="pengurus@aspikmas.id", name="Bu Pengurus")


def pending_certificate(member) -> Certificate:
    made = Certificate(
        member=member, kind=CertificateKind.PIRT, number="2063302010123-29", issuer="Dinkes",
        scan_key="certificates/contoh.webp", status=CertificateStatus.PENDING,
    )  # fmt: skip
    db.session.add(made)
    db.session.commit()
    return made


# --- one event per action ---------------------------------------------------------------


MEMBER_ACTIONS = [
    (MemberStatus.PENDING, member_services.approve_member, AuditAction.MEMBER_APPROVED, "approved"),
    (MemberStatus.PENDING, member_services.reject_member, AuditAction.MEMBER_REJECTED, "rejected"),
    (MemberStatus.APPROVED, member_services.suspend_member, AuditAction.MEMBER_SUSPENDED,
     "suspended"),
    (MemberStatus.SUSPENDED, member_services.reinstate_member, AuditAction.MEMBER_REINSTATED,
     "approved"),
]  # fmt: skip


@pytest.mark.parametrize(("status", "decide", "action", "target"), MEMBER_ACTIONS)
def test_each_membership_decision_writes_one_event(admin, status, decide, action, target):
    member = member_in(status)
    db.session.commit()
    decide(member=member, admin=admin, reason=REASON)
    db.session.commit()
    [event] = events()
    assert (event.actor_id, event.action, event.subject_type, event.subject_id) == (
        admin.id, action, "member", member.id,
    )  # fmt: skip
    assert event.before == {"status": status.value}
    assert event.after == {"status": target, "reason": REASON}
    assert event.client_address is None  # not in a request


@pytest.mark.parametrize(("status", "decide", "action", "target"), MEMBER_ACTIONS)
def test_a_refused_membership_decision_writes_no_event(admin, status, decide, action, target):
    member = member_in(MemberStatus.REJECTED)  # nothing but resubmitting moves it
    db.session.commit()
    with pytest.raises(MemberError):
        decide(member=member, admin=admin, reason=REASON)
    db.session.rollback()
    assert count() == 0


def test_commission_changes_write_one_event_each_and_none_when_unchanged(admin):
    food = category()
    member = member_in(MemberStatus.APPROVED)
    set_category_commission(category=food, rate_bps=250, by=admin)
    member_services.set_member_commission(member=member, rate_bps=300, by=admin)
    set_category_commission(category=food, rate_bps=250, by=admin)  # the same rate again
    db.session.commit()
    first, second = events()
    assert (first.action, first.subject_type, first.subject_id) == (
        AuditAction.COMMISSION_CHANGED, "category", food.id,
    )  # fmt: skip
    assert (first.before, first.after) == ({"commission_bps": None}, {"commission_bps": 250})
    assert (second.subject_type, second.subject_id, second.after) == (
        "member", member.id, {"commission_bps": 300},
    )  # fmt: skip
    with pytest.raises(CatalogError):
        set_category_commission(category=food, rate_bps=10_001, by=admin)
    db.session.rollback()
    assert count() == 2


def test_certificate_decisions_write_one_event_each(admin):
    member = member_in(MemberStatus.APPROVED)
    first, second = pending_certificate(member), pending_certificate(member)
    from marketplace.catalog.certificates.services import reject_certificate, verify_certificate

    verify_certificate(certificate=first, reviewer=admin)
    reject_certificate(certificate=second, reviewer=admin, reason="Pindaian buram.")
    db.session.commit()
    verified, rejected = events()
    assert (verified.action, verified.subject_id, verified.after) == (
        AuditAction.CERTIFICATE_VERIFIED, first.id, {"status": "verified"},
    )  # fmt: skip
    assert (rejected.action, rejected.subject_id, rejected.before, rejected.after) == (
        AuditAction.CERTIFICATE_REJECTED, second.id, {"status": "pending"},
        {"status": "rejected", "reason": "Pindaian buram."},
    )  # fmt: skip
    with pytest.raises(CertificateError):
        reject_certificate(certificate=second, reviewer=admin, reason="Lagi.")
    db.session.rollback()
    assert count() == 2


def test_transfer_confirmation_and_refund_paid_write_one_event_each(app):
    order, part = refund_owed()
    confirmed = [event for event in events() if event.action == AuditAction.TRANSFER_CONFIRMED]
    assert [(event.subject_type, event.subject_id) for event in confirmed] == [("order", order.id)]
    who = treasurer()
    fulfilment.mark_refund_paid(part=part, by=who)
    db.session.commit()
    with pytest.raises(OrderError):
        fulfilment.mark_refund_paid(part=part, by=who)
    db.session.rollback()
    paid = [event for event in events() if event.action == AuditAction.REFUND_PAID]
    assert [(event.actor_id, event.subject_id) for event in paid] == [(who.id, order.id)]


def test_a_refused_transfer_confirmation_writes_no_event(app):
    order = two_part_order(now=MONDAY)
    with pytest.raises(OrderError):
        bank_transfer.confirm(order=order, amount=order.total + 1, by=treasurer())
    db.session.rollback()
    assert count() == 0


def test_an_admin_decision_through_the_page_records_the_client_address(client, login_as, admin):
    member = member_in(MemberStatus.APPROVED)
    db.session.commit()
    login_as(admin)
    response = client.post(
        f"/pengurus/anggota/{member.id}/bekukan",
        data={"suspend-reason": REASON},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    assert response.status_code == 302
    [event] = events()
    assert (event.action, event.actor_id, event.client_address) == (
        AuditAction.MEMBER_SUSPENDED, admin.id, "203.0.113.7",
    )  # fmt: skip


# --- append-only ----------------------------------------------------------------------


@pytest.fixture
def recorded(admin) -> AuditEvent:
    event = audit.record(
        actor=admin, action=AuditAction.ROLE_CHANGED, subject=("user", admin.id),
        summary="Uji", before={"roles": []}, after={"roles": ["admin"]},
    )  # fmt: skip
    db.session.commit()
    return event


def assert_untouched() -> None:
    db.session.rollback()
    [event] = events()
    assert (event.summary, event.after) == ("Uji", {"roles": ["admin"]})


def test_the_orm_refuses_to_change_or_delete_an_event(recorded):
    recorded.summary = "diubah"
    with pytest.raises(AuditImmutable, match="Log audit tidak boleh diubah atau dihapus."):
        db.session.flush()
    assert_untouched()
    db.session.delete(events()[0])
    with pytest.raises(AuditImmutable):
        db.session.flush()
    assert_untouched()


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).values(summary="diubah"),
        delete(AuditEvent),
        AuditEvent.__table__.update().values(actor_id=None),
        AuditEvent.__table__.delete(),
    ],
    ids=str,
)
def test_bulk_statements_on_the_log_are_refused(recorded, statement):
    with pytest.raises(AuditImmutable):
        db.session.execute(statement)
    assert_untouched()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_events SET summary = 'diubah'",
        "UPDATE audit_events SET actor_id = NULL",
        "UPDATE audit_events SET after = NULL",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE action = 'role.changed'",
    ],
)
def test_the_database_refuses_raw_sql_that_changes_the_log(recorded, sql):
    db.session.remove()
    with (
        pytest.raises(IntegrityError, match="Log audit tidak boleh diubah atau dihapus"),
        db.engine.begin() as connection,
    ):
        connection.execute(text(sql))
    assert_untouched()


@pytest.mark.postgres
def test_postgresql_refuses_truncating_the_log(recorded):
    db.session.remove()
    with (
        pytest.raises(IntegrityError, match="Log audit tidak boleh diubah atau dihapus"),
        db.engine.begin() as connection,
    ):
        connection.execute(text("TRUNCATE audit_events CASCADE"))
    assert_untouched()


# --- the admin's page -------------------------------------------------------------------


def at(event: AuditEvent, moment: datetime) -> None:
    """Back-date an event as it is written (the log cannot be updated later)."""
    event.occurred_at = moment


@pytest.fixture
def log(admin):
    """Three events: a month close by the treasurer on 1 Feb 2026 (WIB),
    two member decisions by the admin on 10 and 31 March 2026 (31 March at
    23.30 WIB is 16.30 UTC)."""
    who = treasurer()
    at(
        audit.record(
            actor=who,
            action=AuditAction.MONTH_CLOSED,
            subject=("month", 202601),
            summary="Buku Januari 2026 ditutup",
            after={"month": "2026-01"},
        ),
        datetime(2026, 2, 1, 2, 0, tzinfo=UTC),
    )
    at(
        audit.record(
            actor=admin,
            action=AuditAction.MEMBER_APPROVED,
            subject=("member", 5),
            summary='=HYPERLINK("x") disetujui',
            before={"status": "pending"},
            after={"status": "approved"},
        ),
        datetime(2026, 3, 10, 3, 0, tzinfo=UTC),
    )
    at(audit.record(actor=admin, action=AuditAction.MEMBER_SUSPENDED, subject=("member", 5),
                    summary="Toko dibekukan", before={"status": "approved"},
                    after={"status": "suspended", "reason": REASON}),
       datetime(2026, 3, 31, 16, 30, tzinfo=UTC))  # fmt: skip
    db.session.commit()
    return who


def summaries(html: str) -> list[str]:
    return re.findall(r'<p class="mb-1 mt-1 text-break">([^<]*)</p>', html)


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", ["Toko dibekukan", "=HYPERLINK(&#34;x&#34;) disetujui", "Buku Januari 2026 ditutup"]),
        ("?aksi=month.closed", ["Buku Januari 2026 ditutup"]),
        ("?pelaku=PENGURUS@", ["Toko dibekukan", "=HYPERLINK(&#34;x&#34;) disetujui"]),
        ("?pelaku=%25", []),
        ("?dari=2026-03-31&sampai=2026-03-31", ["Toko dibekukan"]),
        ("?dari=2026-02-01&sampai=2026-03-30", [
            "=HYPERLINK(&#34;x&#34;) disetujui", "Buku Januari 2026 ditutup"]),
    ],
)  # fmt: skip
def test_the_admin_filters_the_log(client, login_as, admin, log, query, shown):
    login_as(admin)
    page = client.get(f"/pengurus/audit{query}")
    assert page.status_code == 200
    assert summaries(page.text) == shown


def test_each_row_shows_when_who_what_and_the_change(client, login_as, admin, log):
    login_as(admin)
    text = re.sub(r"\s+", " ", client.get("/pengurus/audit?aksi=member.suspended").text)
    assert "Anggota dibekukan" in text
    assert "31 Maret 2026, 23.30 WIB" in text
    assert "Bu Pengurus" in text and "pengurus@aspikmas.id" in text
    assert "member #5" in text
    assert 'status:</span> "approved" → "suspended"' in text
    assert 'reason:</span> "Alasan yang cukup panjang."' in text


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("?aksi=bukan", "Pilih salah satu pilihan yang ada."),
        ("?dari=31-02-2026", "Tanggal tidak valid"),
        ("?dari=2026-03-02&sampai=2026-03-01", "Tanggal akhir tidak boleh sebelum tanggal awal."),
        ("?sampai=9999-12-31", "Tanggal harus antara tahun 2000 dan 2100."),
        ("?pelaku=" + "a" * 101, "paling panjang 100"),
    ],
)
def test_bad_filters_are_400_with_a_message(client, login_as, admin, query, says):
    login_as(admin)
    page = client.get(f"/pengurus/audit{query}")
    assert page.status_code == 400
    assert says in page.text
    assert client.get(f"/pengurus/audit.csv{query}").status_code == 400


def test_the_log_page_costs_the_same_queries_whatever_its_length(client, login_as, admin):
    login_as(admin)

    def cost() -> int:
        with recorded_statements() as statements:
            assert client.get("/pengurus/audit").status_code == 200
        return len(statements)

    def add(number: int) -> None:
        for _ in range(number):
            audit.record(actor=UserFactory(), action=AuditAction.ROLE_CHANGED,
                         subject=("user", 1), summary="Uji")  # fmt: skip
        db.session.commit()

    add(1)
    cost()
    first = cost()
    add(25)
    assert cost() == first


def test_the_csv_holds_the_filtered_log(client, login_as, admin, log):
    login_as(admin)
    response = client.get("/pengurus/audit.csv?pelaku=pengurus")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert [row["aksi"] for row in rows] == ["member.suspended", "member.approved"]
    newest = rows[0]
    assert newest["waktu"] == "2026-03-31T23:30:00+07:00"
    assert datetime.fromisoformat(newest["waktu"]) == datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    assert newest["aksi_label"] == "Anggota dibekukan"
    assert (newest["pelaku_email"], newest["subjek"], newest["subjek_id"]) == (
        "pengurus@aspikmas.id", "member", "5",
    )  # fmt: skip
    assert newest["sesudah"] == '{"reason": "Alasan yang cukup panjang.", "status": "suspended"}'
    # A summary a spreadsheet would run as a formula is quoted.
    assert rows[1]["ringkasan"] == '\'=HYPERLINK("x") disetujui'
    assert date.fromisoformat(rows[1]["waktu"][:10]) == date(2026, 3, 10)
