"""The geometry of the treasurer's charts, in whole numbers: a template
macro (templates/treasury/_chart.html) draws it as SVG on the server, so the
chart needs no script and no style attribute, and reads the same in every
browser and on paper.

Coordinates are SVG user units of a fixed viewBox; the page scales the
picture to its width. Money stays whole rupiah: bar heights are rupiah
scaled by integer division, and a stack's parts are cut at their running
totals, so rounding never lets a bar outgrow its total."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from marketplace.core.jinja import MONTHS_ID
from marketplace.core.money import format_rupiah
from marketplace.treasury.reports import FUND_LABELS, FundSplit, month_name

WIDTH = 360
HEIGHT = 240
LEFT = 68  # room for the axis labels ("Rp800 rb", "Rp1,2 jt")
RIGHT = 6
TOP = 12
BOTTOM = 40  # room for the month labels
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
BASELINE = TOP + PLOT_HEIGHT
TICKS = 4
SHORT_MONTHS = tuple(name[:3] for name in MONTHS_ID)  # Jan … Agu … Des
FUNDS = ("empowerment", "central", "chapters")  # bottom to top
# Rupiah by name, the largest first: `Rp1,2 M`, `Rp1,2 jt`, `Rp500 rb`.
UNITS = ((1_000_000_000_000, "T"), (1_000_000_000, "M"), (1_000_000, "jt"), (1_000, "rb"))


def short_rupiah(amount: int) -> str:
    """An axis label: rupiah rounded to one decimal of its unit, half up,
    in Indonesian: `Rp1,2 jt`, `Rp500 rb`, `Rp0`."""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    for size, unit in UNITS:
        if amount >= size:
            tenths = (amount * 20 + size) // (2 * size)
            whole, tenth = divmod(tenths, 10)
            number = f"{whole:,}".replace(",", ".") + (f",{tenth}" if tenth else "")
            return f"{sign}Rp{number} {unit}"
    return f"{sign}Rp{amount}"


def nice_ceiling(amount: int) -> int:
    """The top of the axis: TICKS times the smallest round step (1, 2, 2.5 or
    5 times a power of ten, at least Rp1.000) whose TICKS steps reach `amount`."""
    power = 1_000
    while True:
        for step in (power, 2 * power, 25 * power // 10, 5 * power):
            if step * TICKS >= amount:
                return step * TICKS
        power *= 10


@dataclass(frozen=True)
class Segment:
    fund: str  # a key of FUND_LABELS; the CSS class is `fund-<fund>`
    label: str
    amount: int
    y: int
    height: int


@dataclass(frozen=True)
class Bar:
    month: date
    short_label: str  # `Nov`
    year_label: str  # `2026` under January and the first bar, else ""
    x: int
    width: int
    total: int
    segments: list[Segment]

    @property
    def label(self) -> str:
        return month_name(self.month)

    @property
    def center(self) -> int:
        return self.x + self.width // 2


@dataclass(frozen=True)
class Tick:
    y: int
    label: str


@dataclass(frozen=True)
class StackedChart:
    """Months side by side, each a bar of its funds stacked."""

    bars: list[Bar]
    ticks: list[Tick]
    top: int  # rupiah at the top of the axis
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = BASELINE

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def legend(self) -> list[tuple[str, str]]:
        """(fund, label), in the order the bars stack them, bottom first."""
        return [(fund, FUND_LABELS[fund]) for fund in FUNDS]

    @property
    def is_empty(self) -> bool:
        return all(bar.total == 0 for bar in self.bars)

    @property
    def description(self) -> str:
        """The chart in words, for those who cannot see it."""
        if not self.bars:
            return "Belum ada bulan untuk ditampilkan."
        highest = max(self.bars, key=lambda bar: (bar.total, bar.month))
        words = (
            f"Pendapatan komisi {len(self.bars)} bulan, {self.bars[0].label} sampai "
            f"{self.bars[-1].label}, bertumpuk per dana: "
            + ", ".join(label for _, label in self.legend)
            + ". "
        )
        if self.is_empty:
            return words + "Belum ada pendapatan komisi pada bulan-bulan ini."
        return words + (
            f"Tertinggi {highest.label}: {format_rupiah(highest.total)}. "
            f"Bulan terakhir: {format_rupiah(self.bars[-1].total)}. "
            "Angka lengkapnya ada di tabel."
        )


def _height(amount: int, top: int) -> int:
    """`amount` rupiah in user units of the plot's height (negative counts as nothing)."""
    return max(amount, 0) * PLOT_HEIGHT // top


def stacked_months(months: Sequence[tuple[date, FundSplit]]) -> StackedChart:
    """The chart of each month's commission by fund. A fund that lost money
    in a month (refunds above sales) is drawn as nothing; the table beside
    the chart gives the signed figure."""
    parts = [
        (month, [(fund, getattr_fund(split, fund)) for fund in FUNDS]) for month, split in months
    ]
    highest = max((sum(max(amount, 0) for _, amount in funds) for _, funds in parts), default=0)
    top = nice_ceiling(highest)
    slot = (WIDTH - LEFT - RIGHT) // max(len(parts), 1)
    width = max(slot * 2 // 3, 1)
    bars = []
    for index, (month, funds) in enumerate(parts):
        segments = []
        below = 0  # running total of what is stacked so far
        for fund, amount in funds:
            above = below + max(amount, 0)
            y = BASELINE - _height(above, top)
            height = _height(above, top) - _height(below, top)
            segments.append(Segment(fund, FUND_LABELS[fund], amount, y, height))
            below = above
        first_of_year = index == 0 or month.month == 1
        bars.append(
            Bar(
                month=month,
                short_label=SHORT_MONTHS[month.month - 1],
                year_label=str(month.year) if first_of_year else "",
                x=LEFT + index * slot + (slot - width) // 2,
                width=width,
                total=sum(amount for _, amount in funds),
                segments=segments,
            )
        )
    ticks = [
        Tick(y=BASELINE - PLOT_HEIGHT * step // TICKS, label=short_rupiah(top * step // TICKS))
        for step in range(TICKS + 1)
    ]
    return StackedChart(bars=bars, ticks=ticks, top=top)


def getattr_fund(split: FundSplit, fund: str) -> int:
    """A fund's amount in `split`: the chapters together."""
    return split.chapters_total if fund == "chapters" else getattr(split, fund)
