"""The pages of paying members, as the treasurer and the admin use them:
the balances page (search, sort, "siap dibayar", missing bank details
flagged, a fixed number of queries), preparing a batch from it, the admin's
approval, the bank's file, and recording each line."""

import re

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.treasury.models import BatchStatus, LineStatus, PayoutBatch
from tests import factories
from tests.sql import recorded_statements
from tests.treasury.payout_helpers import (
    admin,
    approved_batch,
    banked_member,
    earn,
    member_balances,
    owe_cash_commission,
    prepared_batch,
)

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def me(client):
    user = factories.UserFactory(roles=[Role.TREASURER], name="Siti Bendahara")
    factories.log_in(client, user)
    return user


def test_the_balances_page_shows_what_each_member_may_be_paid(client, me):
    ready = banked_member(shop_name="Keripik Tempe Bu Sri")
    earn(ready, 120_000)
    owe_cash_commission(ready, 100_000)  # Rp5.000 owed, netted
    small = banked_member(shop_name="Gula Kelapa Pak Darto")
    earn(small, 9_000)
    unbanked = banked_member(shop_name="Batik Sokaraja Lestari", bank_account_number="")
    earn(unbanked, 80_000)
    db.session.commit()

    text = client.get("/bendahara/anggota").text

    assert text.index("Keripik Tempe Bu Sri") < text.index("Batik Sokaraja Lestari")
    assert "Rp115.000" in text
    assert "Rekening belum lengkap" in text
    assert f'name="anggota" value="{ready.id}"' in text
    assert f'name="anggota" value="{unbanked.id}"' not in text  # flagged, not selectable
    assert f'name="anggota" value="{small.id}"' not in text  # below the minimum
    assert "1 siap dibayar" in text

    ready_only = client.get("/bendahara/anggota?siap=1").text
    assert "Gula Kelapa Pak Darto" not in ready_only
    assert "Batik Sokaraja Lestari" in ready_only  # ready, though its bank details are missing

    found = client.get("/bendahara/anggota?q=gula").text
    assert "Gula Kelapa Pak Darto" in found and "Keripik Tempe" not in found

    by_name = client.get("/bendahara/anggota?urut=nama").text
    assert by_name.index("Batik Sokaraja") < by_name.index("Gula Kelapa") < by_name.index("Keripik")


def test_a_member_owing_more_than_earned_shows_the_debt(client, me):
    member = banked_member(shop_name="Warung Tunai")
    owe_cash_commission(member, 200_000)
    db.session.commit()
    text = client.get("/bendahara/anggota").text
    assert "Utang komisi tunai" in text and "Rp10.000" in text


def test_the_balances_page_costs_the_same_queries_for_3_or_30_members(client, me):
    def cost() -> int:
        with recorded_statements() as statements:
            assert client.get("/bendahara/anggota?page=1").status_code == 200
        return len(statements)

    for _ in range(3):
        earn(banked_member(), 20_000)
    db.session.commit()
    cost()
    few = cost()
    for _ in range(27):
        earn(banked_member(), 20_000)
    approved_batch(banked_member_with(30_000))
    db.session.commit()
    assert cost() == few


def banked_member_with(amount: int):
    member = banked_member()
    earn(member, amount)
    return member


def test_preparing_a_batch_from_the_ticked_members(client, me):
    first, second, other = (banked_member_with(50_000) for _ in range(3))
    db.session.commit()

    response = client.post(
        "/bendahara/pembayaran-anggota/siapkan",
        data={"anggota": [str(first.id), str(second.id)], "chosen": "1"},
        follow_redirects=True,
    )

    assert "disiapkan: 2 anggota, Rp100.000" in response.text
    batch = db.session.scalars(select(PayoutBatch)).one()
    assert {line.member_id for line in batch.lines} == {first.id, second.id}
    assert member_balances(other)["available"] == 50_000
    assert "Anda yang menyiapkan batch ini" in response.text
    assert "Setujui batch" not in response.text
    assert "transfer-massal.csv" not in response.text  # not before approval


def test_preparing_for_everyone_ready_skips_missing_bank_details(client, me):
    ready = banked_member_with(50_000)
    earn(banked_member(bank_name=""), 50_000)
    earn(banked_member(), 5_000)
    db.session.commit()
    response = client.post(
        "/bendahara/pembayaran-anggota/siapkan", data={"everyone": "1"}, follow_redirects=True
    )
    assert "disiapkan: 1 anggota, Rp50.000" in response.text
    batch = db.session.scalars(select(PayoutBatch)).one()
    assert [line.member_id for line in batch.lines] == [ready.id]


def test_a_refused_preparation_says_why_and_writes_nothing(client, me):
    member = banked_member(bank_account_holder="")
    earn(member, 50_000)
    db.session.commit()
    response = client.post(
        "/bendahara/pembayaran-anggota/siapkan",
        data={"anggota": str(member.id), "chosen": "1"},
        follow_redirects=True,
    )
    assert "belum lengkap" in response.text
    assert db.session.scalars(select(PayoutBatch)).first() is None
    response = client.post(
        "/bendahara/pembayaran-anggota/siapkan", data={"chosen": "1"}, follow_redirects=True
    )
    assert "Pilih paling sedikit satu anggota" in response.text


def test_the_admin_approves_and_the_treasurer_pays(client, me):
    member = banked_member(shop_name="Tahu Kupat Sokaraja", bank_account_holder="=HYPERLINK(1)")
    earn(member, 75_000)
    batch = prepared_batch(member, by=me)
    db.session.commit()

    approver = admin()
    factories.log_in(client, approver)
    page = client.get(f"/bendahara/pembayaran-anggota/{batch.id}").text
    assert "Setujui batch" in page
    response = client.post(
        f"/bendahara/pembayaran-anggota/{batch.id}/setujui", follow_redirects=True
    )
    assert f"Batch {batch.code} disetujui" in response.text
    assert client.get("/bendahara/anggota").status_code == 403  # the admin approves only

    factories.log_in(client, me)
    page = client.get(f"/bendahara/pembayaran-anggota/{batch.id}").text
    assert "Unduh berkas transfer massal" in page
    csv = client.get(f"/bendahara/pembayaran-anggota/{batch.id}/transfer-massal.csv")
    assert csv.headers["Content-Disposition"].endswith(f'transfer-massal-{batch.code}.csv"')
    body = csv.data.decode("utf-8-sig").splitlines()
    assert body[0] == "nomor rekening;nama pemilik rekening;nama bank;jumlah;berita/referensi"
    line = batch.lines[0]
    assert (
        body[1] == f"0123-01-000456-50-1;'=HYPERLINK(1);BRI;75000;ASPIKMAS BP{batch.id}-{line.id}"
    )

    response = client.post(
        f"/bendahara/pembayaran-anggota/baris/{line.id}/transfer",
        data={f"transfer-{line.id}-reference": "BRI 0099887"},
        follow_redirects=True,
    )
    assert "Transfer Rp75.000 ke Tahu Kupat Sokaraja dicatat" in response.text
    db.session.expire_all()
    assert line.status == LineStatus.TRANSFERRED and batch.status == BatchStatus.DONE
    assert re.search(r"ref\. <span[^>]*>BRI 0099887", response.text)

    again = client.post(
        f"/bendahara/pembayaran-anggota/baris/{line.id}/transfer",
        data={f"transfer-{line.id}-reference": "BRI 0099887"},
        follow_redirects=True,
    )
    assert "sudah dicatat" in again.text


def test_a_failed_line_and_a_rejected_batch_through_the_pages(client, me):
    paying = banked_member_with(40_000)
    batch = approved_batch(paying)
    waiting = banked_member_with(60_000)
    other = prepared_batch(waiting, by=me)
    db.session.commit()
    line = batch.lines[0]

    response = client.post(
        f"/bendahara/pembayaran-anggota/baris/{line.id}/gagal",
        data={f"gagal-{line.id}-reason": "Rekening sudah ditutup"},
        follow_redirects=True,
    )
    assert "dicatat gagal" in response.text
    assert member_balances(paying)["available"] == 40_000

    factories.log_in(client, admin())
    short = client.post(
        f"/bendahara/pembayaran-anggota/{other.id}/tolak",
        data={"reason": "salah"},
        follow_redirects=True,
    )
    assert "Alasan penolakan 10–500 karakter" in short.text
    response = client.post(
        f"/bendahara/pembayaran-anggota/{other.id}/tolak",
        data={"reason": "Nominal belum dicocokkan dengan laporan."},
        follow_redirects=True,
    )
    assert "ditolak. Dana anggota tersedia kembali" in response.text
    assert member_balances(waiting)["available"] == 60_000


def test_the_batches_list(client, me):
    prepared_batch(banked_member_with(20_000), by=me)
    approved_batch(banked_member_with(30_000))
    db.session.commit()
    text = client.get("/bendahara/pembayaran-anggota").text
    assert "1 batch menunggu persetujuan" in text
    assert "Menunggu persetujuan" in text and "Disetujui, siap ditransfer" in text
