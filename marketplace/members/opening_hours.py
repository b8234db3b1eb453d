"""A shop's opening hours, read from what its member typed.

Members write their hours as free text ("Senin–Sabtu 08.00–16.00, Minggu
libur"), which the shop page shows as typed. Search engines want them as
days with opening and closing times, so this reads the common ways of
writing them. It reads all of a text or none of it: one part it does not
understand and the shop has no machine-readable hours, rather than hours
that are half guessed."""

import re
from dataclasses import dataclass

# Monday first, as schema.org's DayOfWeek names them.
WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_NAMES = {
    "senin": 0,
    "selasa": 1,
    "rabu": 2,
    "kamis": 3,
    "jumat": 4,
    "jum'at": 4,
    "jum’at": 4,
    "sabtu": 5,
    "minggu": 6,
    "ahad": 6,
}
_DAY = "|".join(re.escape(name) for name in sorted(_DAY_NAMES, key=len, reverse=True))
_UNTIL = r"\s*(?:-|–|—|s\.?\s?d\.?|sampai|hingga)\s*"
_TIME = r"(2[0-4]|[01]?\d)(?:[.:]([0-5]\d))?(?!\d)"
_DAYS = re.compile(
    rf"(?:setiap hari|tiap hari|senin\s*-\s*minggu)"
    rf"|(?P<first>{_DAY})(?:{_UNTIL}(?P<last>{_DAY}))?",
    re.IGNORECASE,
)
_HOURS = re.compile(rf"(?:pukul|pkl\.?|jam)?\s*{_TIME}{_UNTIL}{_TIME}\s*(?:wib)?", re.IGNORECASE)
_CLOSED = re.compile(r"(?:libur|tutup)", re.IGNORECASE)
_ALL_DAY = re.compile(r"24\s*jam", re.IGNORECASE)
_PARTS = re.compile(r"\s*[,;\n]\s*")
_OPEN = re.compile(r"^\s*buka\b", re.IGNORECASE)
_AND = re.compile(r"\s*(?:,|&|\bdan\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class OpeningHours:
    """Open on `days` (indices into WEEK) from `opens` to `closes`, "HH:MM"."""

    days: tuple[int, ...]
    opens: str
    closes: str

    @property
    def day_names(self) -> tuple[str, ...]:
        return tuple(WEEK[day] for day in self.days)


def _days(text: str) -> tuple[int, ...] | None:
    """`Senin–Jumat` -> (0, 1, 2, 3, 4); `Setiap hari` -> the whole week;
    `Senin, Rabu dan Jumat` -> (0, 2, 4); anything else -> None."""
    found: list[int] = []
    for piece in _AND.split(text.strip()):
        match = _DAYS.fullmatch(piece)
        if match is None:
            return None
        if match.group("first") is None:
            found.extend(range(7))
            continue
        first = _DAY_NAMES[match.group("first").lower()]
        last = _DAY_NAMES[(match.group("last") or match.group("first")).lower()]
        found.extend((first + step) % 7 for step in range((last - first) % 7 + 1))
    return tuple(sorted(set(found))) or None


def _clock(hour: str, minute: str | None) -> str | None:
    hours, minutes = int(hour), int(minute or 0)
    if hours == 24:
        return "23:59" if minutes == 0 else None
    return f"{hours:02d}:{minutes:02d}"


def _part(text: str) -> OpeningHours | tuple[int, ...] | None:
    """One part: days with hours, days that are closed (an empty tuple:
    nothing to say), or bare days whose hours follow in the next part."""
    text = _OPEN.sub("", text)
    if all_day := _ALL_DAY.search(text):
        days = _days(text[: all_day.start()].strip() or "setiap hari")
        if days is None or text[all_day.end() :].strip():
            return None
        return OpeningHours(days, "00:00", "23:59")
    if closed := _CLOSED.search(text):
        days = _days(text[: closed.start()])
        return () if days and not text[closed.end() :].strip() else None
    hours = _HOURS.search(text)
    if hours is None:
        return _days(text)
    days = _days(text[: hours.start()].strip() or "setiap hari")
    if days is None or text[hours.end() :].strip():
        return None
    opens, closes = _clock(hours.group(1), hours.group(2)), _clock(hours.group(3), hours.group(4))
    if opens is None or closes is None or opens == closes:
        return None
    return OpeningHours(days, opens, closes)


def read_opening_hours(text: str) -> list[OpeningHours] | None:
    """The hours in `text`, or None when any of it cannot be read (or it
    says nothing). Days it does not name are days the shop is closed."""
    read: list[OpeningHours] = []
    waiting: tuple[int, ...] = ()  # "Senin, Rabu 08.00–12.00" splits at the comma
    for piece in _PARTS.split(text.strip()):
        if not piece:
            continue
        part = _part(piece)
        if part is None:
            return None
        if isinstance(part, OpeningHours):
            days = tuple(sorted(set(waiting + part.days)))
            read.append(OpeningHours(days, part.opens, part.closes))
            waiting = ()
        elif part:
            waiting += part
    if waiting or not read:
        return None
    return read
