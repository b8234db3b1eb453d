"""The chapters' cast: officers of Ajibarang and of Kedungbanteng, a
removed officer, members and applicants in both kecamatan, a campus mentor
paired with Ajibarang's member, and a photo on that member's product."""

from marketplace.accounts.models import Role
from marketplace.catalog import photos
from marketplace.chapters import services
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from tests.factories import MemberFactory, UserFactory, kecamatan
from tests.mentoring.helpers import running_pairing
from tests.orders.helpers import variant
from tests.security import files

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
    cast["product"] = cast["variant"].product
    cast["photo_id"] = photos.add_photos(
        product=cast["product"], uploads=[files.picture()], store=storage()
    )[0].id
    cast["mentor"] = running_pairing(cast["member"], admin).mentor.user
    db.session.commit()
    return cast
