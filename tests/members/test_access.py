"""Who may open what under /anggota. Every page there is about the
logged-in user's own membership and takes no id, so a member can only ever
reach their own shop; the matrix shows each sees their own and nobody else's."""

from urllib.parse import urlsplit

import pytest

from marketplace.extensions import db
from marketplace.members.models import Member
from tests.members.helpers import PEOPLE, log_in, make_people, routes_of

LOGIN = "/akun/masuk"
APPLY, STATUS = "/anggota/daftar", "/anggota"

# (rule, method) -> expected (status, redirect path) for each person.
MATRIX = {
    ("/anggota", "GET"): {
        "owner": 200,
        "other_member": 200,
        "shopper": (302, APPLY),
        "anonymous": (302, LOGIN),
        "admin": (302, APPLY),
    },
    ("/anggota", "POST"): {
        "owner": 200,
        "other_member": 200,
        "shopper": (302, APPLY),
        "anonymous": (302, LOGIN),
        "admin": (302, APPLY),
    },
    ("/anggota/daftar", "GET"): {
        "owner": (302, STATUS),
        "other_member": (302, STATUS),
        "shopper": 200,
        "anonymous": (302, LOGIN),
        "admin": 200,
    },
    ("/anggota/daftar", "POST"): {
        "owner": (302, STATUS),
        "other_member": (302, STATUS),
        "shopper": 200,
        "anonymous": (302, LOGIN),
        "admin": 200,
    },
    ("/anggota/toko", "GET"): {
        "owner": 200,
        "other_member": 200,
        "shopper": (302, APPLY),
        "anonymous": (302, LOGIN),
        "admin": (302, APPLY),
    },
    ("/anggota/toko", "POST"): {
        "owner": 200,
        "other_member": 200,
        "shopper": (302, APPLY),
        "anonymous": (302, LOGIN),
        "admin": (302, APPLY),
    },
}
OWN_SHOP = {"owner": "/toko/toko-pemilik", "other_member": "/toko/toko-lain"}  # their shop links


def test_the_matrix_covers_every_members_route(app):
    assert routes_of(app, "members") == set(MATRIX)


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize(("url", "method"), list(MATRIX))
def test_access_matrix(client, login_as, url, method, who):
    people = make_people(login_as)
    log_in(login_as, people, who)
    shops = {member.id: member.shop_name for member in db.session.scalars(db.select(Member))}
    # A POST that fails validation: it must never change anything.
    response = client.open(url, method=method, data={"shop_name": "Diubah"})
    expected = MATRIX[(url, method)][who]
    status, location = expected if isinstance(expected, tuple) else (expected, None)
    assert response.status_code == status
    if location:
        assert urlsplit(response.headers["Location"]).path == location
    if status == 200 and who in OWN_SHOP:
        mine, theirs = OWN_SHOP[who], ({*OWN_SHOP.values()} - {OWN_SHOP[who]}).pop()
        assert mine in response.text and theirs not in response.text
    db.session.expire_all()
    assert {m.id: m.shop_name for m in db.session.scalars(db.select(Member))} == shops
