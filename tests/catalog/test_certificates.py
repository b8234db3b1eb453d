"""Certificate services (record, verify, reject, correct, delete: the state
machine), what a certificate shows, and the reads behind badges, the
`sertifikat` filter and the admin's review list."""

from datetime import timedelta

import pytest
from sqlalchemy import event

from marketplace.accounts.models import Role
from marketplace.catalog.certificates import queries, rules
from marketplace.catalog.certificates.queries import (
    badges_for,
    certificates_for_review,
    certificates_of_member,
)
from marketplace.catalog.certificates.rules import (
    TRANSITIONS,
    Badge,
    Badges,
    CertificateError,
    Standing,
    summarise,
)
from marketplace.catalog.certificates.services import (
    correct_certificate,
    delete_certificate,
    record_certificate,
    reject_certificate,
    verify_certificate,
)
from marketplace.catalog.models import Certificate, CertificateKind, CertificateStatus, Product
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from tests import factories
from tests.catalog.certificate_data import certificate, certificate_count, days_from_today

pytestmark = pytest.mark.usefixtures("app_context")

PENDING, VERIFIED, REJECTED = (
    CertificateStatus.PENDING,
    CertificateStatus.VERIFIED,
    CertificateStatus.REJECTED,
)


@pytest.fixture
def member(app):
    made = factories.MemberFactory(shop_name="Tempe Mendoan Bu Darsi")
    db.session.commit()
    return made


@pytest.fixture
def admin(app):
    made = factories.UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    return made


def record(member, **changes):
    values = {
        "member": member,
        "product": None,
        "kind": CertificateKind.PIRT,
        "number": "2063302010123-27",
        "issuer": "Dinas Kesehatan Kabupaten Banyumas",
        "expires_on": days_from_today(365),
        "scan_key": "certificates/abc.pdf",
    } | changes
    return record_certificate(**values)


# --- record -------------------------------------------------------------------------------


def test_record_for_the_shop_waits_for_verification(member):
    made = record(member, number="  2063302010123-27 ", issuer=" Dinkes   Banyumas ")
    db.session.commit()
    assert made.status == PENDING
    assert (made.member_id, made.product_id) == (member.id, None)
    assert (made.number, made.issuer) == ("2063302010123-27", "Dinkes Banyumas")
    assert made.label == "P-IRT"
    assert made.reviewed_by_id is None


def test_record_for_an_own_product(member):
    product = factories.ProductFactory(member=member)
    made = record(member, product=product, kind="halal", expires_on=None)
    assert (made.product_id, made.kind, made.expires_on) == (product.id, "halal", None)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"number": "  "}, "Nomor sertifikat wajib diisi"),
        ({"number": "9" * 81}, "paling panjang 80"),
        ({"issuer": ""}, "Penerbit sertifikat wajib diisi"),
        ({"issuer": "x" * 121}, "paling panjang 120"),
        ({"expires_on": days_from_today(-1)}, "sudah kedaluwarsa"),
        ({"kind": "sni"}, "Jenis sertifikat tidak dikenal"),
        ({"scan_key": ""}, "Unggah pindaian"),
    ],
)
def test_record_refuses_bad_details_and_writes_nothing(member, changes, message):
    with pytest.raises(CertificateError, match=message):
        record(member, **changes)
    db.session.rollback()
    assert certificate_count() == 0


def test_record_accepts_a_certificate_valid_until_today(member):
    assert record(member, expires_on=days_from_today(0)).status == PENDING


def test_record_refuses_another_members_product(member):
    other = factories.ProductFactory()
    with pytest.raises(CertificateError, match="bukan milik toko Anda"):
        record(member, product=other)
    db.session.rollback()
    assert certificate_count() == 0


@pytest.mark.parametrize(
    "status", [MemberStatus.PENDING, MemberStatus.REJECTED, MemberStatus.SUSPENDED]
)
def test_record_needs_an_approved_member(app, status):
    waiting = factories.MemberFactory(status=status)
    with pytest.raises(CertificateError, match="sudah disetujui"):
        record(waiting)
    db.session.rollback()
    assert certificate_count() == 0


def test_record_refuses_the_same_certificate_twice_unless_rejected(member):
    record(member, number="ABC-1")
    with pytest.raises(CertificateError, match="sudah tercatat"):
        record(member, number="abc-1")
    certificate(member, kind=CertificateKind.HALAL, number="H-9", status=REJECTED)
    assert record(member, kind=CertificateKind.HALAL, number="H-9").status == PENDING
    # The same number for a product is another certificate.
    product = factories.ProductFactory(member=member)
    assert record(member, number="ABC-1", product=product).status == PENDING


# --- the state machine ---------------------------------------------------------------------


def test_transitions_are_the_documented_ones():
    assert TRANSITIONS == {
        PENDING: {VERIFIED, REJECTED},
        VERIFIED: {REJECTED},
        REJECTED: {PENDING},
    }


def _verify(found, admin):
    return verify_certificate(certificate=found, reviewer=admin)


def _reject(found, admin):
    return reject_certificate(certificate=found, reviewer=admin, reason="Pindaian buram.")


def _correct(found, admin):
    return correct_certificate(
        certificate=found, number="BARU-1", issuer="BPJPH", expires_on=None, scan_key=None
    )


@pytest.mark.parametrize(
    "start, action, end",
    [
        (PENDING, _verify, VERIFIED),
        (PENDING, _reject, REJECTED),
        (PENDING, _correct, PENDING),
        (VERIFIED, _reject, REJECTED),
        (REJECTED, _correct, PENDING),
        (VERIFIED, _verify, None),
        (REJECTED, _verify, None),
        (REJECTED, _reject, None),
        (VERIFIED, _correct, None),
    ],
)
def test_each_action_moves_only_from_where_it_may(member, admin, start, action, end):
    found = certificate(member, status=start, rejection_reason="lama" if start == REJECTED else "")
    db.session.commit()
    before = (found.status, found.number, found.rejection_reason, found.reviewed_by_id)
    if end is None:
        with pytest.raises(CertificateError):
            action(found, admin)
        db.session.rollback()
        found = db.session.get(Certificate, found.id)
        after = (found.status, found.number, found.rejection_reason, found.reviewed_by_id)
        assert after == before  # nothing written
        return
    action(found, admin)
    db.session.commit()
    assert db.session.get(Certificate, found.id).status == end


def test_verify_records_who_and_when(member, admin):
    found = certificate(member, status=PENDING)
    verify_certificate(certificate=found, reviewer=admin)
    db.session.commit()
    assert found.reviewed_by_id == admin.id
    assert found.reviewed_at is not None


def test_verify_refuses_an_expired_certificate(member, admin):
    found = certificate(member, status=PENDING, expires_on=days_from_today(-1))
    db.session.commit()
    with pytest.raises(CertificateError, match="kedaluwarsa"):
        verify_certificate(certificate=found, reviewer=admin)
    db.session.rollback()
    assert db.session.get(Certificate, found.id).status == PENDING


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_reject_needs_a_reason(member, admin, reason):
    found = certificate(member, status=PENDING)
    db.session.commit()
    with pytest.raises(CertificateError, match="alasan|Alasan"):
        reject_certificate(certificate=found, reviewer=admin, reason=reason)
    db.session.rollback()
    assert db.session.get(Certificate, found.id).status == PENDING


def test_reject_keeps_the_reason_for_the_member(member, admin):
    found = certificate(member, status=PENDING)
    reject_certificate(certificate=found, reviewer=admin, reason="  Nomor tidak terbaca. ")
    assert (found.status, found.rejection_reason) == (REJECTED, "Nomor tidak terbaca.")
    assert found.reviewed_by_id == admin.id


def test_correct_a_rejected_certificate_sends_it_again(member):
    found = certificate(member, status=REJECTED, rejection_reason="Buram.")
    correct_certificate(
        certificate=found,
        number="H-2",
        issuer="BPJPH",
        expires_on=days_from_today(30),
        scan_key="certificates/baru.webp",
    )
    assert (found.status, found.number, found.scan_key) == (
        PENDING,
        "H-2",
        "certificates/baru.webp",
    )
    assert found.rejection_reason == ""


def test_correct_without_a_new_scan_keeps_the_old_one(member):
    found = certificate(member, status=PENDING, scan_key="certificates/lama.pdf")
    correct_certificate(certificate=found, number="N", issuer="I", expires_on=None)
    assert found.scan_key == "certificates/lama.pdf"


@pytest.mark.parametrize(
    "status, expires_in, allowed",
    [
        (PENDING, None, True),
        (REJECTED, None, True),
        (VERIFIED, None, False),
        (VERIFIED, 0, False),
        (VERIFIED, -1, True),  # expired: no longer a badge
    ],
)
def test_delete_what_is_not_a_shown_badge(member, status, expires_in, allowed):
    expires_on = None if expires_in is None else days_from_today(expires_in)
    found = certificate(member, status=status, expires_on=expires_on, scan_key="certificates/k.pdf")
    db.session.commit()
    if allowed:
        assert delete_certificate(certificate=found) == "certificates/k.pdf"
        db.session.commit()
        assert certificate_count() == 0
    else:
        with pytest.raises(CertificateError, match="tidak bisa dihapus"):
            delete_certificate(certificate=found)
        db.session.rollback()
        assert certificate_count() == 1


# --- what a certificate shows the member ---------------------------------------------------


@pytest.mark.parametrize(
    "status, expires_in, standing, warning",
    [
        (PENDING, None, Standing.PENDING, None),
        (VERIFIED, None, Standing.VERIFIED, None),
        (VERIFIED, 31, Standing.VERIFIED, None),
        (VERIFIED, 30, Standing.VERIFIED, "Akan kedaluwarsa dalam 30 hari"),
        (VERIFIED, 1, Standing.VERIFIED, "Akan kedaluwarsa dalam 1 hari"),
        (VERIFIED, 0, Standing.VERIFIED, "Berlaku sampai hari ini"),
        (PENDING, 12, Standing.PENDING, "Akan kedaluwarsa dalam 12 hari"),
        (VERIFIED, -1, Standing.EXPIRED, None),
        (PENDING, -1, Standing.EXPIRED, None),
        (REJECTED, 5, Standing.REJECTED, None),
        (REJECTED, -5, Standing.REJECTED, None),
    ],
)
def test_standing_and_expiry_warning(member, status, expires_in, standing, warning):
    expires_on = None if expires_in is None else days_from_today(expires_in)
    summary = summarise(certificate(member, status=status, expires_on=expires_on), rules.today())
    assert summary.standing == standing
    assert summary.label == rules.STANDING_LABELS[standing]
    if warning is None:
        assert summary.warning is None
    else:
        assert warning in summary.warning


def test_today_is_the_date_in_banyumas(monkeypatch):
    from datetime import UTC, datetime

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 12, 31, 18, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(rules, "datetime", Clock)
    assert rules.today().isoformat() == "2027-01-01"  # 01:30 WIB


# --- reads -----------------------------------------------------------------------------------


def test_certificates_of_member_are_only_theirs_newest_first(member):
    older = certificate(member, kind=CertificateKind.PIRT)
    newer = certificate(member, kind=CertificateKind.HALAL)
    certificate(factories.MemberFactory())
    db.session.commit()
    found = db.session.scalars(certificates_of_member(member.id)).all()
    assert {c.id for c in found} == {older.id, newer.id}


def test_certificates_for_review_pending_first_oldest_first(member):
    verified = certificate(member, status=VERIFIED, kind=CertificateKind.PIRT)
    first = certificate(member, status=PENDING, kind=CertificateKind.HALAL)
    rejected = certificate(member, status=REJECTED, kind=CertificateKind.BPOM_MD)
    second = certificate(factories.MemberFactory(), status=PENDING)
    db.session.commit()
    everything = db.session.scalars(certificates_for_review()).all()
    assert [c.id for c in everything] == [first.id, second.id, verified.id, rejected.id]
    waiting = db.session.scalars(certificates_for_review(PENDING)).all()
    assert [c.id for c in waiting] == [first.id, second.id]
    assert waiting[1].member.shop_name  # loaded with the query


@pytest.fixture
def shelf(member):
    """Two products of `member`, one of another member."""
    tempe = factories.ProductFactory(member=member, name="Mendoan")
    keripik = factories.ProductFactory(member=member, name="Keripik")
    other = factories.ProductFactory(name="Gula Kelapa")
    db.session.commit()
    return tempe, keripik, other


def kinds(badges: dict[int, list[Badge]], key: int) -> list[str]:
    return [badge.label for badge in badges.get(key, [])]


def test_a_shop_certificate_badges_the_shop_and_only_the_products_verified(member, shelf):
    tempe, keripik, other = shelf
    fresh = factories.ProductFactory(member=member, name="Tahu Baru")  # new, unreviewed
    certificate(member, kind=CertificateKind.HALAL, covers=[tempe], ticks=[keripik])
    certificate(member, kind=CertificateKind.LAIK_HIGIENE)
    certificate(member, product=tempe, kind=CertificateKind.PIRT, expires_on=days_from_today(0))
    certificate(other.member, product=other, kind=CertificateKind.BPOM_MD)
    db.session.commit()
    badges = badges_for([tempe, keripik, fresh, other], shops=[member.id, other.member_id])
    assert kinds(badges.products, tempe.id) == ["P-IRT", "Halal"]  # fixed order, P-IRT first
    assert kinds(badges.products, keripik.id) == []  # ticked, not yet verified
    assert kinds(badges.products, fresh.id) == []
    assert kinds(badges.products, other.id) == ["BPOM MD"]
    assert kinds(badges.shops, member.id) == ["Halal", "Laik Higiene"]
    assert kinds(badges.shops, other.member_id) == []  # names a product: not the shop's
    # Without asking for shops, no shop badges (cards show only products').
    assert badges_for([tempe, fresh]).shops == {}


def test_a_badge_tells_what_the_certificate_is(member, shelf):
    tempe, _keripik, _other = shelf
    certificate(
        member, product=tempe, kind=CertificateKind.PIRT, number="P-IRT 2063302010123-27",
        expires_on=days_from_today(400),
    )  # fmt: skip
    db.session.commit()
    (badge,) = badges_for([tempe]).products[tempe.id]
    assert (badge.label, badge.number, badge.issuer, badge.expires_on) == (
        "P-IRT",
        "P-IRT 2063302010123-27",
        "Dinas Kesehatan Kabupaten Banyumas",
        days_from_today(400),
    )
    assert "Industri Rumah Tangga" in badge.meaning


def test_of_two_certificates_of_a_kind_the_badge_is_the_one_valid_longest(member, shelf):
    tempe, _keripik, _other = shelf
    certificate(member, product=tempe, number="LAMA", expires_on=days_from_today(5))
    certificate(member, number="TOKO", covers=[tempe], expires_on=None)
    certificate(member, product=tempe, number="BARU", expires_on=days_from_today(900))
    db.session.commit()
    assert [b.number for b in badges_for([tempe]).products[tempe.id]] == ["TOKO"]


@pytest.mark.parametrize(
    "status, expires_in",
    [(PENDING, None), (REJECTED, None), (VERIFIED, -1), (PENDING, -1)],
)
def test_only_verified_unexpired_certificates_make_badges(member, shelf, status, expires_in):
    tempe, keripik, _ = shelf
    expires_on = None if expires_in is None else days_from_today(expires_in)
    certificate(member, status=status, expires_on=expires_on, covers=[tempe, keripik])
    certificate(member, product=tempe, status=status, expires_on=expires_on)
    db.session.commit()
    badges = badges_for([tempe, keripik], shops=[member.id])
    assert (badges.products, badges.shops) == ({}, {})


def test_badges_cost_one_query_whatever_the_number_of_products(member):
    products = [factories.ProductFactory(member=member) for _ in range(12)]
    for product in products[::2]:
        certificate(member, product=product, kind=CertificateKind.PIRT)
    certificate(member, kind=CertificateKind.HALAL, covers=products[:3])
    certificate(member, kind=CertificateKind.LAIK_HIGIENE)
    db.session.commit()
    products = db.session.scalars(db.select(Product).order_by(Product.id)).all()  # loaded
    member_id = member.id
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        badges = badges_for(products, shops=[member_id])
        only_products = badges_for(products)
        assert badges_for([]) == Badges(products={}, shops={})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 2
    assert kinds(badges.products, products[0].id) == ["P-IRT", "Halal"]
    assert kinds(badges.products, products[1].id) == ["Halal"]
    assert kinds(badges.products, products[3].id) == []
    assert kinds(badges.shops, member_id) == ["Halal", "Laik Higiene"]
    assert only_products.products == badges.products


def test_has_certificate_finds_named_and_verified_covered_products_only(member, shelf):
    tempe, keripik, other = shelf
    fresh = factories.ProductFactory(member=member, name="Tahu Baru")
    certificate(member, product=tempe, kind=CertificateKind.PIRT)
    certificate(other.member, kind=CertificateKind.PIRT)  # the shop's alone: no product
    certificate(member, kind=CertificateKind.HALAL, covers=[keripik], ticks=[fresh])
    certificate(member, kind=CertificateKind.BPOM_MD, status=PENDING, covers=[tempe])
    db.session.commit()
    on = rules.today()

    def having(kind, day=on):
        statement = db.select(Product.id).where(queries.has_certificate(kind, day))
        return set(db.session.scalars(statement))

    assert having(CertificateKind.PIRT) == {tempe.id}
    assert having(CertificateKind.HALAL) == {keripik.id}
    assert having(CertificateKind.BPOM_MD) == set()
    assert having(CertificateKind.BPOM_ML) == set()
    assert having(CertificateKind.PIRT, on + timedelta(days=1)) == {tempe.id}
