"""How the treasurer reads a ledger account: in words, with the kecamatan
and the shop by name, not by code, on every treasurer's page that names
accounts (the trial balance, a transaction, an adjustment). The words are
settlement's (orders.settlement, account names); this adds the names of
shops and kecamatan, which only the database knows."""

import re
from collections.abc import Iterable

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.members.models import Kecamatan, Member
from marketplace.orders.settlement import (
    CHAPTER_PREFIX,
    LABELS,
    account_name,
    chapter_label,
    member_label,
)

MEMBER_ACCOUNT = re.compile(r"payable:member:([1-9][0-9]{0,17}):(pending|available|in-payout)")


def labels(codes: Iterable[str]) -> dict[str, str]:
    """{code: words} for `codes`; two queries at most, whatever their number."""
    codes = list(dict.fromkeys(codes))
    slugs = {code.removeprefix(CHAPTER_PREFIX) for code in codes if code.startswith(CHAPTER_PREFIX)}
    member_ids = {int(matched[1]) for code in codes if (matched := MEMBER_ACCOUNT.fullmatch(code))}
    kecamatan: dict[str, str] = (
        dict(
            db.session.execute(
                select(Kecamatan.slug, Kecamatan.name).where(Kecamatan.slug.in_(slugs))
            )
            .tuples()
            .all()
        )
        if slugs
        else {}
    )
    shops: dict[int, str] = (
        dict(
            db.session.execute(select(Member.id, Member.shop_name).where(Member.id.in_(member_ids)))
            .tuples()
            .all()
        )
        if member_ids
        else {}
    )
    found: dict[str, str] = {}
    for code in codes:
        member = MEMBER_ACCOUNT.fullmatch(code)
        slug = code.removeprefix(CHAPTER_PREFIX)
        if code in LABELS:
            found[code] = LABELS[code]
        elif code.startswith(CHAPTER_PREFIX) and slug in kecamatan:
            found[code] = chapter_label(kecamatan[slug])
        elif member is not None and int(member[1]) in shops:
            found[code] = member_label(int(member[1]), shops[int(member[1])], member[2])
        else:
            found[code] = account_name(code)
    return found
