"""The shop profile: what an approved member's shop page shows, its
pictures and its delivery fees (members/shop.py)."""

import pytest
from sqlalchemy import select

from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members import queries
from marketplace.members.models import DeliveryRate, Member, MemberStatus
from marketplace.members.services import MemberError
from marketplace.members.shop import ShopProfile, update_shop_profile
from tests.factories import kecamatan
from tests.members.helpers import member_in, picture

pytestmark = pytest.mark.usefixtures("app_context")

# --- the shop profile ---------------------------------------------------------


def profile(**changes) -> ShopProfile:
    values = {
        "shop_name": "Keripik Tempe Bu Sri",
        "description": "Renyah.",
        "whatsapp": "0812 3456 7890",
        "opening_hours": "Senin–Sabtu 08.00–16.00",
        "offers_pickup": True,
        "delivery_fees": {},
    }
    return ShopProfile(**(values | changes))


@pytest.mark.parametrize("accepts", [True, False])
def test_profile_says_whether_the_shop_takes_cash(app, accepts):
    member = member_in(MemberStatus.APPROVED, accepts_cash=not accepts)
    update_shop_profile(member=member, profile=profile(accepts_cash=accepts))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Member, member.id).accepts_cash is accepts


def test_profile_saves_what_the_shop_page_shows(app):
    member = member_in(MemberStatus.APPROVED, slug="toko-lama")
    sokaraja, kembaran = kecamatan("sokaraja"), kecamatan("kembaran")
    update_shop_profile(
        member=member,
        profile=profile(delivery_fees={sokaraja.id: 0, kembaran.id: 10_000}),
        logo=picture((400, 400)),
        banner=picture((1600, 500), "JPEG"),
    )
    db.session.commit()
    assert (member.shop_name, member.whatsapp, member.opening_hours, member.slug) == (
        "Keripik Tempe Bu Sri",
        "6281234567890",
        "Senin–Sabtu 08.00–16.00",
        "toko-lama",
    )
    rates = db.session.scalars(queries.delivery_rates_of(member.id)).all()
    assert [(rate.kecamatan.name, rate.fee) for rate in rates] == [
        ("Kembaran", 10_000),
        ("Sokaraja", 0),
    ]
    for key in (member.logo_key, member.banner_key):
        assert key.startswith("shops/") and key.endswith(".webp")
        assert storage().path(key).is_file()


def test_delivery_rates_are_added_changed_and_removed(app):
    member = member_in(MemberStatus.APPROVED)
    sokaraja, kembaran, wangon = (kecamatan(s) for s in ("sokaraja", "kembaran", "wangon"))
    update_shop_profile(
        member=member, profile=profile(delivery_fees={sokaraja.id: 5_000, kembaran.id: 8_000})
    )
    db.session.commit()
    update_shop_profile(
        member=member,
        profile=profile(delivery_fees={kembaran.id: 9_000, wangon.id: 20_000}),
    )
    db.session.commit()
    fees = {
        rate.kecamatan_id: rate.fee
        for rate in db.session.scalars(
            select(DeliveryRate).where(DeliveryRate.member_id == member.id)
        )
    }
    assert fees == {kembaran.id: 9_000, wangon.id: 20_000}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"delivery_fees": {"sokaraja": -1}}, "paling sedikit Rp0"),
        ({"delivery_fees": {"sokaraja": 1_000_001}}, "paling banyak Rp1.000.000"),
        ({"delivery_fees": {999_999: 5_000}}, "tidak dikenal"),
        ({"offers_pickup": False, "delivery_fees": {}}, "setidaknya satu cara"),
        ({"whatsapp": "12345"}, "WhatsApp tidak valid"),
        ({"shop_name": " "}, "nama toko"),
    ],
    ids=["negative-fee", "huge-fee", "unknown-kecamatan", "no-way", "whatsapp", "name"],
)
def test_a_wrong_profile_is_refused(app, changes, message):
    member = member_in(MemberStatus.APPROVED, shop_name="Toko Uji")
    db.session.commit()
    fees = {
        kecamatan(key).id if isinstance(key, str) else key: fee
        for key, fee in changes.get("delivery_fees", {}).items()
    }
    with pytest.raises(MemberError, match=message):
        update_shop_profile(member=member, profile=profile(**changes | {"delivery_fees": fees}))
    db.session.rollback()
    assert db.session.get(Member, member.id).shop_name == "Toko Uji"
    assert db.session.scalars(select(DeliveryRate)).all() == []


@pytest.mark.parametrize(
    ("field", "data"),
    [("logo", b"<svg onload=alert(1)></svg>"), ("banner", b"GIF89a" + b"\0" * 64)],
)
def test_a_picture_that_is_not_a_photo_is_refused_and_nothing_is_stored(app, field, data):
    member = member_in(MemberStatus.APPROVED)
    db.session.commit()
    uploads = {"logo": picture(), "banner": picture()} | {field: data}
    with pytest.raises(MemberError, match=field.capitalize()):
        update_shop_profile(member=member, profile=profile(), **uploads)
    db.session.rollback()
    root = storage().root
    assert not root.exists() or list(root.rglob("*.*")) == []
    assert (member.logo_key, member.banner_key) == (None, None)


@pytest.mark.parametrize(
    "status", [MemberStatus.PENDING, MemberStatus.REJECTED, MemberStatus.SUSPENDED]
)
def test_only_an_approved_member_edits_the_shop(app, status):
    member = member_in(status, shop_name="Toko Uji")
    with pytest.raises(MemberError, match="setelah keanggotaan Anda disetujui"):
        update_shop_profile(member=member, profile=profile(shop_name="Baru"))
