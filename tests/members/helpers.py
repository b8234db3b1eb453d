"""Helpers shared by the members and admin tests."""

import io
from dataclasses import replace

from PIL import Image
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.extensions import db
from marketplace.members.models import Member, MemberDecision, MemberStatus
from marketplace.members.services import ApplicationDetails
from tests.factories import MemberFactory, UserFactory, kecamatan

APPLICATION_FORM = {
    "shop_name": "Keripik Tempe Bu Sri",
    "owner_name": "Sri Rahayu",
    "desa": "Pasir Kidul",
    "address": "Jl. Pahlawan No. 5, RT 02/RW 03",
    "whatsapp": "0812-3456-7890",
    "nib": "1234 5678 9012 3",
    "description": "Keripik tempe sagu, dibuat setiap pagi.",
    "bank_name": "BRI",
    "bank_account_number": "0123-01-000123-50-1",
    "bank_account_holder": "Sri Rahayu",
}


def application(**changes) -> ApplicationDetails:
    details = ApplicationDetails(
        kecamatan_id=kecamatan("purwokerto-barat").id,
        **{key: value for key, value in APPLICATION_FORM.items()},
    )
    return replace(details, **changes)


def application_form(**changes) -> dict:
    return APPLICATION_FORM | {"kecamatan_id": str(kecamatan("purwokerto-barat").id)} | changes


def member_in(status: MemberStatus, **fields) -> Member:
    """A member in `status`; the user holds Role.MEMBER only when approved."""
    role = Role.MEMBER if status == MemberStatus.APPROVED else Role.SHOPPER
    fields.setdefault("user", UserFactory(roles=[role]))
    return MemberFactory(status=status, **fields)


def writes() -> tuple[int, int, int]:
    """Members, decisions and outbox emails: a refused action changes none."""
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Member, MemberDecision, OutboxEmail)
    )


def picture(size: tuple[int, int] = (600, 300), fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (25, 120, 70)).save(buffer, fmt)
    return buffer.getvalue()


PEOPLE = ("owner", "other_member", "shopper", "anonymous", "admin")


def make_people(login_as) -> dict:
    """The cast of the access matrix: a member (the owner of what is asked
    for), another member, a shopper, nobody, and an admin (not a member)."""
    people = {
        "owner": member_in(MemberStatus.APPROVED, shop_name="Toko Pemilik"),
        "other_member": member_in(MemberStatus.APPROVED, shop_name="Toko Lain"),
        "shopper": UserFactory(roles=[Role.SHOPPER]),
        "admin": UserFactory(roles=[Role.ADMIN]),
    }
    db.session.commit()
    return people


def log_in(login_as, people: dict, who: str) -> None:
    if who == "anonymous":
        return
    person = people[who]
    login_as(person.user if isinstance(person, Member) else person)


def routes_of(app, blueprint: str) -> set[tuple[str, str]]:
    """Every (rule, method) a blueprint serves."""
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(f"{blueprint}.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
