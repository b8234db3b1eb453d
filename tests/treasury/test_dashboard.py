"""The treasurer's home (commission income, its chart and table) and the
monthly report for the meeting (page and PDF): their numbers are the
reports' numbers, a page costs the same queries whatever the history, and
a closed month's report never changes, whatever happens later."""

import io
import re
from datetime import UTC, datetime

import pytest
from PIL import ImageFile
from pypdf import PdfReader

from marketplace.core.images import ImageRejected, process_image
from marketplace.extensions import db
from marketplace.ledger.balances import trial_balance
from marketplace.ledger.services import close_month, next_month
from marketplace.orders import fulfilment
from marketplace.treasury import charts, monthly, reports
from marketplace.treasury.monthly import Change
from marketplace.treasury.reports import Period
from tests.security.files import picture
from tests.sql import recorded_statements
from tests.treasury.helpers import refund_owed, treasurer
from tests.treasury.history import months_ago, sale, this_month

SALE_COMMISSION = 3_375  # 5 % of Rp67.500 (the two parts' goods)


def dotted(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def flat(html: str) -> str:
    return re.sub(r"\s+", " ", html)


@pytest.fixture
def me(login_as):
    return login_as(treasurer())


# --- the home ---------------------------------------------------------------------


def test_home_shows_this_month_last_month_and_the_year(client, me):
    sale(this_month(), by=me)
    sale(this_month(), by=me, day=1)
    sale(months_ago(1), by=me)
    sale(months_ago(13), by=me)  # outside the chart and last year
    page = flat(client.get("/bendahara").text)
    income = monthly.income_overview(this_month())
    assert income.this_month == 2 * SALE_COMMISSION and income.last_month == SALE_COMMISSION
    assert f"<dt>Bulan ini</dt><dd>Rp{dotted(2 * SALE_COMMISSION)}</dd>" in page
    assert f"<dt>Bulan lalu</dt><dd>Rp{dotted(SALE_COMMISSION)}</dd>" in page
    same_year = 3 if months_ago(1).year == this_month().year else 2
    ytd = same_year * SALE_COMMISSION
    assert income.year_to_date == ytd
    assert f"<dt>Tahun ini</dt><dd>Rp{dotted(ytd)}</dd>" in page
    assert [month for month, _ in income.months] == [months_ago(n) for n in range(11, -1, -1)]


def test_home_chart_is_an_svg_image_with_words_a_legend_and_a_table(client, me):
    sale(this_month(), by=me)
    sale(months_ago(2), by=me)
    page = client.get("/bendahara").text
    svg = re.search(r"<svg class=\"chart-svg\".*?</svg>", page, re.DOTALL).group()
    assert 'role="img"' in svg and 'viewBox="0 0 360 240"' in svg and 'width="100%"' in svg
    assert '<title id="grafik-komisi-judul">Pendapatan komisi 12 bulan terakhir per dana' in svg
    description = re.search(r"<desc[^>]*>(.*?)</desc>", svg).group(1)
    assert f"Bulan terakhir: Rp{dotted(SALE_COMMISSION)}" in description
    assert 'aria-labelledby="grafik-komisi-judul grafik-komisi-uraian"' in svg
    # Two months with income: three funds each, stacked.
    assert len(re.findall(r'<rect class="fund-', svg)) == 6
    assert "style=" not in svg and "<script" not in page.split("</footer>")[0]
    for label in ("Pemberdayaan anggota", "Kantor pusat", "Cabang kecamatan"):
        assert f"</svg> {label}</li>" in page
    split = reports.funds(Period.month(this_month()))
    row = re.search(
        r"<tr>\s*<th scope=\"row\"[^>]*>[A-Z][a-z]+ \d{4}</th>(.*?)</tr>", page, re.DOTALL
    )
    cells = re.findall(r"<td[^>]*>(Rp[\d.]+)</td>", row.group(1))
    assert cells == [
        f"Rp{dotted(amount)}"
        for amount in (split.total, split.empowerment, split.central, split.chapters_total)
    ]
    assert 'href="/bendahara/laporan-bulanan"' in page


def test_home_costs_the_same_queries_with_no_history_and_with_years_of_it(client, me):
    client.get("/bendahara")
    with recorded_statements() as empty:
        assert client.get("/bendahara").status_code == 200
    me_again = treasurer()
    for months in (14, 13, 12, 5, 1):
        sale(months_ago(months), by=me_again)
    close_month(month=months_ago(14), closed_by=me_again)
    close_month(month=months_ago(13), closed_by=me_again)
    db.session.commit()
    sale(this_month(), by=me_again)
    refund_owed()
    with recorded_statements() as full:
        assert client.get("/bendahara").status_code == 200
    assert len(full) == len(empty)


# --- the chart's geometry ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "label"),
    [
        (0, "Rp0"),
        (950, "Rp950"),
        (1_000, "Rp1 rb"),
        (1_250, "Rp1,3 rb"),
        (500_000, "Rp500 rb"),
        (1_234_567, "Rp1,2 jt"),
        (1_250_000, "Rp1,3 jt"),
        (12_000_000, "Rp12 jt"),
        (2_500_000_000, "Rp2,5 M"),
        (-1_500, "-Rp1,5 rb"),
    ],
)
def test_axis_labels_are_rounded_rupiah(amount, label):
    assert charts.short_rupiah(amount) == label


@pytest.mark.parametrize(
    ("highest", "top"),
    [
        (0, 4_000),
        (4_000, 4_000),
        (4_001, 8_000),
        (9_000, 10_000),
        (13_500, 20_000),
        (1_234_567, 2_000_000),
        (10_000_001, 20_000_000),
    ],
)
def test_the_axis_reaches_a_round_number_in_four_equal_steps(highest, top):
    assert charts.nice_ceiling(highest) == top
    assert top % charts.TICKS == 0


def test_bars_stack_the_funds_in_whole_units_up_to_their_total():
    months = [
        (months_ago(2), reports.FundSplit(7, 4, {"wangon": 3})),
        (months_ago(1), reports.FundSplit(0, 0, {})),
        (this_month(), reports.FundSplit(1_687, 1_013, {"wangon": 400, "sokaraja": 275})),
    ]
    chart = charts.stacked_months(months)
    assert chart.top == 4_000
    assert [tick.label for tick in chart.ticks] == ["Rp0", "Rp1 rb", "Rp2 rb", "Rp3 rb", "Rp4 rb"]
    assert [tick.y for tick in chart.ticks] == [
        chart.baseline - charts.PLOT_HEIGHT * step // 4 for step in range(5)
    ]
    last = chart.bars[-1]
    assert [segment.amount for segment in last.segments] == [1_687, 1_013, 675]
    assert last.total == 3_375
    # Each part sits on the one below it, and the stack is as tall as the total.
    bottom = chart.baseline
    for segment in last.segments:
        assert isinstance(segment.y, int) and isinstance(segment.height, int)
        assert segment.y + segment.height == bottom
        bottom = segment.y
    assert chart.baseline - bottom == 3_375 * charts.PLOT_HEIGHT // 4_000
    assert all(segment.height == 0 for segment in chart.bars[1].segments)
    xs = [bar.x for bar in chart.bars]
    assert xs == sorted(xs) and xs[0] >= chart.left and xs[-1] + last.width <= chart.right_edge


def test_a_month_of_refunds_draws_nothing_below_the_axis():
    chart = charts.stacked_months([(this_month(), reports.FundSplit(-500, 300, {}))])
    assert [segment.height for segment in chart.bars[0].segments] == [
        0,
        chart.baseline - chart.bars[0].segments[1].y,
        0,
    ]
    assert all(segment.y + segment.height <= chart.baseline for segment in chart.bars[0].segments)
    assert chart.bars[0].total == -200


# --- the monthly report -----------------------------------------------------------------


def test_change_against_the_month_before():
    assert Change(150, 100).percent_label == "+50 %"
    assert Change(100, 150).percent_label == "-33,3 %"
    assert Change(2, 3).percent_tenths == -333
    assert Change(1, 8).percent_label == "-87,5 %"
    assert Change(0, 0).percent_label == "—" and Change(5, 0).percent_tenths is None
    assert Change(100, 100).percent_label == "0 %"
    assert Change(12_345, 1).percent_label == "+1.234.400 %"


def closed_history(me):
    """Two months ago: one sale (Wangon and Sokaraja); last month: two sales
    (one of them Cilongok and Wangon); both months closed; one sale this month."""
    sale(months_ago(2), by=me)
    late = sale(months_ago(1), by=me, day=3)
    sale(months_ago(1), by=me, day=20, first="cilongok", second="wangon")
    close_month(month=months_ago(2), closed_by=me)
    close_month(month=months_ago(1), closed_by=me)
    db.session.commit()
    sale(this_month(), by=me, day=1)
    return late


def test_the_list_of_monthly_reports_is_newest_first(client, me):
    closed_history(me)
    page = flat(client.get("/bendahara/laporan-bulanan").text)
    links = re.findall(r'href="/bendahara/laporan-bulanan/(\d{4}-\d{2})"', page)
    assert links == [f"{month:%Y-%m}" for month in (this_month(), months_ago(1), months_ago(2))]
    assert page.count("Ditutup</span>") == 2 and page.count("Belum ditutup</span>") == 1
    assert f"Rp{dotted(2 * SALE_COMMISSION)}" in page
    assert f'href="/bendahara/laporan-bulanan/{months_ago(1):%Y-%m}.pdf"' in page


def test_the_list_of_an_empty_ledger(client, me):
    assert "Belum ada transaksi" in client.get("/bendahara/laporan-bulanan").text


def test_a_closed_month_report_for_the_meeting(client, me):
    closed_history(me)
    month = months_ago(1)
    page = flat(client.get(f"/bendahara/laporan-bulanan/{month:%Y-%m}").text)
    label = reports.month_name(month)
    assert f"<h1>Laporan komisi {label}</h1>" in page
    split = reports.funds(Period.month(month))
    assert split.total == 2 * SALE_COMMISSION
    for name, amount in (
        ("Pemberdayaan anggota", split.empowerment),
        ("Kantor pusat", split.central),
        ("Cabang kecamatan (27)", split.chapters_total),
        ("Jumlah komisi", split.total),
    ):
        assert f'<th scope="row">{name}</th><td class="num">Rp{dotted(amount)}</td>' in page
    # Every chapter by name, those without sales at Rp0.
    assert len(re.findall(r"<li><span>[^<]+</span> <span class=\"num\">", page)) == 27
    assert (
        f'<li><span>Cilongok</span> <span class="num">Rp{dotted(split.chapters["cilongok"])}'
        in page
    )
    assert '<li><span>Lumbir</span> <span class="num">Rp0</span>' in page
    # The top kecamatan: Wangon sold in both orders; Sokaraja and Cilongok in one each.
    kecamatan = re.findall(r"<th scope=\"row\">\d\. ([^<]+)</th>", page.split("Lima kategori")[0])
    assert kecamatan[0] == "Wangon" and set(kecamatan) == {"Wangon", "Sokaraja", "Cilongok"}
    assert "Anggota yang berjualan</dt><dd>4</dd>" in page
    # Against the month before: twice the commission, the gross and the orders.
    delta = '</span> <span class="report-change-delta">'
    assert f"Rp{dotted(2 * SALE_COMMISSION)}{delta}+Rp{dotted(SALE_COMMISSION)} (+100 %)" in page
    assert '2</span> <span class="report-change-delta">+1 (+100 %)' in page
    closing = trial_balance(before=next_month(month))
    debit = sum(row.debit for row in closing)
    assert debit == sum(row.credit for row in closing) > 0
    assert f'Jumlah debit</th><td class="num">Rp{dotted(debit)}</td>' in page
    assert f'Jumlah kredit</th><td class="num">Rp{dotted(debit)}</td>' in page
    assert "Seimbang" in page
    today = datetime.now(UTC)
    assert f"Ditutup oleh <strong>{me.name}</strong> pada " in page
    assert "Belum ditutup" not in page
    assert str(today.year) in page.split("Ditutup oleh")[1]
    assert "csrf" not in page.lower()


def test_an_open_month_says_its_numbers_may_change(client, me):
    closed_history(me)
    page = flat(client.get(f"/bendahara/laporan-bulanan/{this_month():%Y-%m}").text)
    assert "Belum ditutup — angka masih dapat berubah." in page
    assert "Ditutup oleh" not in page


def test_a_first_month_has_nothing_to_compare_with(client, me):
    sale(this_month(), by=me)
    page = flat(client.get(f"/bendahara/laporan-bulanan/{this_month():%Y-%m}").text)
    assert f"+Rp{dotted(SALE_COMMISSION)} (—)" in page
    assert "bulan sebelumnya nol" in page


@pytest.mark.parametrize(
    "month",
    [
        "2026-13",
        "2026-00",
        "1999-12",
        "2101-01",
        "26-11",
        "2026-1",
        "2026-11-01",
        "abc",
        "２０２６-１１",
        "9" * 500,
        "2026-11x",
    ],
)
def test_a_month_that_is_not_one_is_an_unknown_page(client, me, month):
    assert client.get(f"/bendahara/laporan-bulanan/{month}").status_code == 404
    assert client.get(f"/bendahara/laporan-bulanan/{month}.pdf").status_code == 404


def test_a_month_still_to_come_has_no_report(client, me):
    coming = next_month(this_month())
    assert client.get(f"/bendahara/laporan-bulanan/{coming:%Y-%m}").status_code == 404
    assert client.get(f"/bendahara/laporan-bulanan/{this_month():%Y-%m}").status_code == 200


def test_the_report_costs_the_same_queries_whatever_the_month_holds(client, me):
    quiet = months_ago(3)
    client.get(f"/bendahara/laporan-bulanan/{quiet:%Y-%m}")
    with recorded_statements() as empty:
        client.get(f"/bendahara/laporan-bulanan/{quiet:%Y-%m}")
    closed_history(me)
    with recorded_statements() as busy:
        client.get(f"/bendahara/laporan-bulanan/{months_ago(1):%Y-%m}")
    assert len(busy) == len(empty)


def test_the_report_as_pdf(client, me):
    closed_history(me)
    month = months_ago(1)
    response = client.get(f"/bendahara/laporan-bulanan/{month:%Y-%m}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="laporan-komisi-{month:%Y-%m}.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.data))
    text = flat(" ".join(page.extract_text() for page in reader.pages))
    split = reports.funds(Period.month(month))
    assert f"Laporan komisi {reports.month_name(month)}" in text
    assert f"Jumlah komisi Rp{dotted(split.total)}" in text
    assert f"Pemberdayaan anggota Rp{dotted(split.empowerment)}" in text
    closing = trial_balance(before=next_month(month))
    assert f"Jumlah debit Rp{dotted(sum(row.debit for row in closing))}" in text
    assert f"Ditutup oleh {me.name} pada" in text
    assert "Unduh PDF" not in text and "Halaman bendahara" not in text


def test_the_pdf_renderer_leaves_uploads_refusing_truncated_pictures(client, me):
    """Importing WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the
    whole process; core.pdf turns it off again, before and after a PDF."""
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert client.get(f"/bendahara/laporan-bulanan/{this_month():%Y-%m}.pdf").status_code == 200
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    truncated = picture("PNG", (64, 64))[:-30]
    with pytest.raises(ImageRejected):
        process_image(truncated)


def test_the_pdf_of_an_open_month_says_so(client, me):
    sale(this_month(), by=me)
    response = client.get(f"/bendahara/laporan-bulanan/{this_month():%Y-%m}.pdf")
    text = flat(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    )
    assert "Belum ditutup — angka masih dapat berubah." in text


def test_a_closed_month_reads_the_same_byte_for_byte_whatever_happens_later(client, me):
    late = closed_history(me)
    month = months_ago(1)
    url = f"/bendahara/laporan-bulanan/{month:%Y-%m}"
    open_url = f"/bendahara/laporan-bulanan/{this_month():%Y-%m}"
    before, open_before = client.get(url).data, client.get(open_url).data
    before_pdf_text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(client.get(url + ".pdf").data)).pages
    )

    sale(this_month(), by=me, first="cilongok", second="cilongok")  # new sales
    sale(this_month(), by=me, day=2)
    part = late.parts[0]  # a late refund of one of the closed month's orders
    fulfilment.cancel_part(part=part, member=part.member, reason="Stok habis")
    db.session.commit()
    fulfilment.mark_refund_paid(part=part, by=me)
    part.member.shop_name = "Toko Baru Sekali"  # the member renames their shop
    category = part.lines[0].variant.product.category
    category.name = "Kategori Berganti Nama"  # a category renamed
    db.session.commit()
    sale(this_month(), by=me, day=3)

    after = client.get(url).data
    assert after == before
    after_pdf_text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(client.get(url + ".pdf").data)).pages
    )
    assert after_pdf_text == before_pdf_text
    # The open month did change (the late refund posted into it), the closed one did not.
    assert client.get(open_url).data != open_before
    assert reports.funds(Period.month(month)).total == 2 * SALE_COMMISSION
