"""The chapters' cast: officers of Ajibarang and of Kedungbanteng, a
removed officer, members and applicants in both kecamatan."""

from marketplace.accounts.models import Role
from marketplace.chapters import services
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from tests.factories import MemberFactory, UserFactory, kecamatan
from tests.orders.helpers import variant

BANK_NUMBER = "0123987654321"


def make_cast() -> dict:
    ajibarang, kedungbanteng = kecamatan("ajibarang"), kecamatan("kedungbanteng")
    admin = UserFactory(roles=[Role.ADMIN], name="Admin Kabupaten")
    officer_here = UserFactory(name="Pak Darto")
    officer_there = UserFactory(name="Bu Wati")
    removed = UserFactory(name="Pak Lama")
    services.appoint(user=officer_here, kecamatan=ajibarang, by=admin)
    services.appoint(user=officer_there, kecamatan=kedungbanteng, by=admin)
    old = services.appoint(user=removed, kecamatan=ajibarang, by=admin)
    services.remove(appointment=old, by=admin)
    cast = {
        "admin": admin,
        "officer_here": officer_here,
        "officer_there": officer_there,
        "removed": removed,
        "member": MemberFactory(
            kecamatan=ajibarang, shop_name="Gula Kelapa Ajibarang", bank_account_number=BANK_NUMBER
        ),
        "applicant": MemberFactory(
            kecamatan=ajibarang,
            shop_name="Lanting Bu Sum",
            status=MemberStatus.PENDING,
            user=UserFactory(roles=[Role.SHOPPER]),
            bank_account_number=BANK_NUMBER,
        ),
        "other_member": MemberFactory(kecamatan=kedungbanteng, shop_name="Nopia Kedungbanteng"),
        "other_applicant": MemberFactory(
            kecamatan=kedungbanteng,
            shop_name="Mendoan Kedung",
            status=MemberStatus.PENDING,
            user=UserFactory(roles=[Role.SHOPPER]),
        ),
        "shopper": UserFactory(roles=[Role.SHOPPER]),
    }
    cast["variant"] = variant(member=cast["member"], stock=3)
    cast["other_variant"] = variant(member=cast["other_member"], stock=4)
    db.session.commit()
    return cast
