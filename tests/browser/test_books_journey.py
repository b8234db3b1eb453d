"""The treasurer's books on a phone (CSRF on): closes last month after
checking its trial balance, previews a manual adjustment and records it,
then reverses a transaction; the admin finds all three in the audit log.
Screenshots of the close page and the adjustment preview are kept."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.extensions import db
from marketplace.ledger.models import LedgerTransaction
from marketplace.ledger.services import closed_through, post
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_order_journey import fits, log_in, to_top

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]

DOUBLE_SUBMIT = """async () => {
    const form = document.querySelector('form[action$="/koreksi/penyesuaian"]');
    const body = new FormData(form);
    body.set("step", "confirm");
    const statuses = [];
    for (const _ of [1, 2]) {
        const response = await fetch(form.action, {method: "POST", body, redirect: "manual"});
        statuses.push(response.status);
    }
    return statuses;
}"""


def shot(page: Page, database_url: str, name: str) -> None:
    """A full-page shot under tests/browser/artifacts/<db>/."""
    folder = ARTIFACTS / ("postgresql" if database_url.startswith("postgresql") else "sqlite")
    folder.mkdir(parents=True, exist_ok=True)
    to_top(page)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_the_treasurer_closes_a_month_corrects_and_the_admin_sees_it(
    app, live_server, phone: Page, browser, database_url
):
    last_month = date.today().replace(day=1) - timedelta(days=1)
    fee = post(
        key="fee:last-month",
        kind="fee",
        entries=[("expense:payment-fees", 6_500), ("cash:bank", -6_500)],
        occurred_at=datetime.combine(last_month, time(5), tzinfo=UTC),
    )
    post(
        key="sale:last-month",
        kind="sale",
        entries=[
            ("cash:bank", 120_000),
            ("payable:member:3:pending", -114_000),
            ("income:commission:empowerment", -3_000),
            ("income:commission:central", -1_800),
            ("income:commission:kecamatan:purwokerto-selatan", -1_200),
        ],
        occurred_at=datetime.combine(last_month, time(6), tzinfo=UTC),
    )
    factories.UserFactory(email="bendahara@contoh.id", name="Siti Bendahara",
                          roles=[Role.TREASURER])  # fmt: skip
    factories.UserFactory(email="pengurus@contoh.id", name="Bu Pengurus", roles=[Role.ADMIN])
    db.session.commit()
    fee_id = fee.id

    page = phone
    log_in(page, live_server, "bendahara@contoh.id", "Siti Bendahara")

    # Close last month, after ticking that its trial balance was checked.
    page.goto(live_server + "/bendahara/tutup-buku")
    expect(page.locator("h2#bulan-berikut")).to_contain_text("Siap ditutup")
    expect(page.locator("table.trial-balance tfoot")).to_contain_text("Rp120.000")
    fits(page)
    shot(page, database_url, "books-close")
    page.get_by_role("button", name=re.compile("^Tutup buku")).click()
    expect(page.locator(".invalid-feedback")).to_contain_text("Centang dahulu")
    page.get_by_label("Saya sudah memeriksa neraca saldo bulan ini").check()
    page.get_by_role("button", name=re.compile("^Tutup buku")).click()
    expect(page.locator(".alert-success")).to_contain_text("sudah ditutup")
    fits(page)
    db.session.expire_all()
    assert closed_through() == date(last_month.year, last_month.month, 1)

    # A manual adjustment: preview first, then record.
    page.goto(live_server + "/bendahara/koreksi/penyesuaian")
    fits(page)
    page.select_option("#lines-0-account", "cash:bank")
    page.fill("#lines-0-debit", "2.500")
    page.select_option("#lines-1-account", "expense:payment-fees")
    page.fill("#lines-1-credit", "2.500")
    page.fill("#reason", "Biaya admin bank dikembalikan, mutasi 3 Des.")
    page.get_by_role("button", name="Lihat pratinjau").click()
    expect(page.locator("h1")).to_have_text("Periksa penyesuaian")
    expect(page.locator("table.adjustment-preview tfoot")).to_contain_text("Rp2.500")
    fits(page)
    shot(page, database_url, "books-adjustment-preview")
    # A double submit (the same preview sent twice) posts once.
    statuses = page.evaluate(DOUBLE_SUBMIT)
    assert statuses == [0, 0]  # both redirected (fetch with redirect: "manual")
    page.goto(live_server + "/bendahara/koreksi")
    expect(page.locator("ol .card")).to_have_count(1)
    fits(page)

    # Reverse last month's fee: it posts into this month.
    page.fill("#transaksi", str(fee_id))
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("table.reversal-preview")).to_contain_text("Rp6.500")
    fits(page)
    page.fill("#reason", "Biaya ganda, bank sudah mengembalikan.")
    page.get_by_role("button", name="Balik transaksi ini").click()
    expect(page.locator(".alert-success")).to_contain_text(f"Transaksi #{fee_id} dibalik")
    db.session.expire_all()
    adjustments = db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.idempotency_key.like("adjustment:%"))
    ).all()
    assert len(adjustments) == 1
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == [
        AuditAction.MONTH_CLOSED,
        AuditAction.LEDGER_ADJUSTED,
        AuditAction.LEDGER_REVERSED,
    ]

    # The admin reads it in the log.
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    admin = context.new_page()
    log_in(admin, live_server, "pengurus@contoh.id", "Bu Pengurus")
    admin.goto(live_server + "/pengurus/audit")
    expect(admin.locator("ol .card")).to_have_count(3)
    admin.select_option("#aksi", "ledger.reversed")
    admin.get_by_role("button", name="Saring").click()
    expect(admin.locator("ol .card")).to_have_count(1)
    expect(admin.locator("ol .card")).to_contain_text("Siti Bendahara")
    fits(admin)
    shot(admin, database_url, "books-audit-log")
    context.close()
