"""Random balanced postings: balances, the trial balance and the audit agree
with a simple model (a dict of sums) after every run."""

from collections import Counter

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from marketplace.extensions import db
from marketplace.ledger.balances import balance, balances, problems, trial_balance
from marketplace.ledger.errors import InvalidPosting
from marketplace.ledger.models import KIND_BY_PREFIX, NORMAL_SIGN
from marketplace.ledger.services import post
from tests.ledger.helpers import NOTHING, rows, sum_of_all_entries

pytestmark = pytest.mark.usefixtures("app_context")

CODES = (
    "cash:bank",
    "cash:stripe",
    "payable:member:1:pending",
    "payable:member:1:available",
    "payable:member:12:available",
    "payable:shopper-refunds",
    "income:commission:central",
    "income:commission:kecamatan:wangon",
    "income:transfer-code",
    "expense:payment-fees",
)
KINDS = ("sale", "refund", "payout", "fee", "adjustment")
amounts = st.integers(min_value=-(10**12), max_value=10**12).filter(bool)
DB_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def balanced_entries(draw) -> list[tuple[str, int]]:
    codes = draw(st.lists(st.sampled_from(CODES), min_size=2, max_size=5, unique=True))
    head = [draw(amounts) for _ in codes[:-1]]
    last = -sum(head)
    assume(last != 0)
    return list(zip(codes, [*head, last]))


def natural(code: str, total: int) -> int:
    return NORMAL_SIGN[KIND_BY_PREFIX[code.split(":")[0]]] * total


@DB_SETTINGS
@given(
    postings=st.lists(
        st.tuples(st.sampled_from(KINDS), balanced_entries()), min_size=1, max_size=12
    ),
    replays=st.lists(st.integers(min_value=0, max_value=11), max_size=5),
)
def test_random_balanced_postings_keep_the_books_consistent(app, postings, replays):
    model: Counter[str] = Counter()
    try:
        for number, (kind, entries) in enumerate(postings):
            post(key=f"k{number}", kind=kind, entries=entries)
            for code, amount in entries:
                model[code] += amount
        for number in replays:  # a retry posts nothing
            if number < len(postings):
                kind, entries = postings[number]
                post(key=f"k{number}", kind=kind, entries=entries[::-1])

        assert rows()["ledger_transactions"] == len(postings)
        assert balances() == {code: natural(code, total) for code, total in model.items()}
        for code in CODES:
            assert balance(code) == natural(code, model[code])
        table = trial_balance()
        assert sum(row.debit for row in table) == sum(row.credit for row in table)
        assert {row.code: row.debit - row.credit for row in table} == dict(model)
        assert sum_of_all_entries() == 0
        assert problems() == []
    finally:
        db.session.rollback()


@DB_SETTINGS
@given(
    entries=st.lists(st.tuples(st.sampled_from(CODES), amounts), min_size=2, max_size=5),
)
def test_any_unbalanced_posting_is_refused_and_writes_nothing(app, entries):
    assume(sum(amount for _, amount in entries) != 0)
    try:
        with pytest.raises(InvalidPosting):
            post(key="k", kind="adjustment", entries=entries)
        assert rows() == NOTHING
    finally:
        db.session.rollback()
