"""Certificate scans are private: never served by /media, whatever path trick
names them; only their authorised view sends them, and never for a shared
cache to keep. Each trick is tried on a picture scan and on a PDF scan."""

import pytest

from marketplace.accounts.models import Role
from marketplace.catalog.models import Certificate, CertificateKind, CertificateStatus
from marketplace.core.storage import storage
from marketplace.extensions import db
from tests import factories
from tests.security import files

pytestmark = pytest.mark.usefixtures("app_context")

SCANS = {"picture": (files.picture("WEBP"), ".webp"), "pdf": (files.pdf(), ".pdf")}

# `{key}` is the scan's key, e.g. certificates/0123…cdef.pdf; `{name}` its file name.
TRICKS = [
    "{key}",
    "x/../{key}",
    "products/../{key}",
    "./{key}",
    "././{key}",
    "x/./../{key}",
    "x/%2e%2e/{key}",
    "x/%2E%2E/{key}",
    "%2e/{key}",
    "x/.%2e/{key}",
    "x%2f..%2f{key}",
    "x%2F..%2Fcertificates%2F{name}",
    "x/%252e%252e/{key}",
    "x\\..\\{key}",
    "x%5c..%5ccertificates%5c{name}",
    "certificates\\{name}",
    "certificates//{name}",
    "/{key}",
    "Certificates/{name}",
    "{key}%00",
    "{key}/",
    "{key}/.",
]


@pytest.fixture(params=sorted(SCANS))
def scan(request, app):
    data, suffix = SCANS[request.param]
    member = factories.MemberFactory()
    key = storage().save(data, folder="certificates", suffix=suffix)
    certificate = Certificate(
        member=member,
        kind=CertificateKind.HALAL,
        number="ID0001",
        issuer="BPJPH",
        scan_key=key,
        status=CertificateStatus.VERIFIED,
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate, data


@pytest.mark.parametrize("trick", TRICKS)
def test_no_path_trick_reaches_a_scan_through_media(client, scan, trick):
    certificate, data = scan
    key = certificate.scan_key
    path = "/media/" + trick.format(key=key, name=key.removeprefix("certificates/"))
    with client.get(path, follow_redirects=True) as response:
        body = response.get_data()
    assert response.status_code in (400, 404), path  # 400: a control character (core.input)
    assert data not in body
    assert not response.cache_control.public


def test_the_member_gets_their_scan_privately(client, login_as, scan):
    certificate, data = scan
    login_as(certificate.member.user)
    with client.get(f"/kelola/sertifikat/{certificate.id}/pindaian") as response:
        body = response.get_data()
    assert response.status_code == 200
    assert body == data
    assert response.cache_control.private
    assert response.cache_control.no_store
    assert not response.cache_control.public and not response.cache_control.max_age


def test_the_admin_gets_a_scan_privately_and_a_stranger_does_not(client, login_as, scan):
    certificate, _data = scan
    stranger = factories.MemberFactory()
    db.session.commit()
    login_as(stranger.user)
    assert client.get(f"/kelola/sertifikat/{certificate.id}/pindaian").status_code == 404
    login_as(Role.ADMIN)
    with client.get(f"/kelola/sertifikat/{certificate.id}/pindaian") as response:
        response.get_data()
    assert response.status_code == 200
    assert response.cache_control.private and response.cache_control.no_store


def test_photos_in_the_public_folders_are_still_served(app, client):
    photo = storage().save(files.picture("WEBP"), folder="products", suffix=".webp")
    logo = storage().save(files.picture("WEBP"), folder="shops", suffix=".webp")
    for key in (photo, logo):
        with client.get(f"/media/{key}") as response:
            response.get_data()
        assert response.status_code == 200, key
        assert response.cache_control.public
    # The same photo by any other spelling is not found.
    for spelling in (f"x/../{photo}", f"./{photo}", photo.upper(), f"{photo}/"):
        with client.get(f"/media/{spelling}", follow_redirects=True) as response:
            response.get_data()
        assert response.status_code == 404, spelling
