"""Paying members through the real services (treasury.payouts): what each
step posts, who may do it, and that a payout never exceeds what the member
may be paid, even when officers act at the same moment (PostgreSQL)."""

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail, Role, User
from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.extensions import db
from marketplace.ledger.balances import balance, problems
from marketplace.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.members.models import Member
from marketplace.treasury import payouts
from marketplace.treasury.models import BatchStatus, LineStatus, PayoutBatch, PayoutLine
from marketplace.treasury.payouts import PayoutError
from tests import factories
from tests.orders.helpers import count
from tests.treasury.payout_helpers import (
    admin,
    approved_batch,
    banked_member,
    earn,
    member_balances,
    owe_cash_commission,
    prepared_batch,
    treasurer,
)


def payout_postings() -> int:
    return db.session.scalar(
        select(func.count(LedgerTransaction.id)).where(LedgerTransaction.kind == "payout")
    )


def sound_ledger() -> None:
    """Every transaction sums to zero, and so do all entries together."""
    assert problems() == []
    assert db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))) == 0


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- the happy path ------------------------------------------------------------------


def test_a_batch_holds_pays_and_tells_the_member(app_context):
    member = banked_member()
    earn(member, 250_000)
    owed = owe_cash_commission(member, 100_000)  # 5 %: Rp5.000 netted against the payout
    assert owed == 5_000
    bank_before = balance("cash:bank")
    assert member_balances(member) == {"available": 245_000, "in-payout": 0, "pending": 0}

    preparer, approver = treasurer(), admin()
    batch = payouts.prepare_batch(member_ids=[member.id], by=preparer)
    db.session.commit()

    [line] = batch.lines
    assert line.amount == 245_000 and line.status == LineStatus.HELD
    assert (line.bank_name, line.bank_account_holder) == ("BRI", "Sri Lestari")
    assert member_balances(member) == {"available": 0, "in-payout": 245_000, "pending": 0}
    sound_ledger()

    payouts.approve_batch(batch=batch, by=approver)
    db.session.commit()
    assert batch.status == BatchStatus.APPROVED and batch.approved_by_id == approver.id

    payouts.record_transferred(line=line, reference="BRI-778812", by=preparer)
    db.session.commit()

    assert member_balances(member) == {"available": 0, "in-payout": 0, "pending": 0}
    assert balance("cash:bank") == bank_before - 245_000
    assert line.status == LineStatus.TRANSFERRED and line.bank_reference == "BRI-778812"
    assert batch.status == BatchStatus.DONE and batch.done_at is not None
    assert payout_postings() == 2  # held, transferred
    sound_ledger()
    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.recipient == member.user.email)
    ).all()[-1]
    assert "Rp245.000" in email.subject
    assert "BRI-778812" in email.body_text
    assert actions()[-3:] == [
        AuditAction.PAYOUT_PREPARED,
        AuditAction.PAYOUT_APPROVED,
        AuditAction.PAYOUT_TRANSFERRED,
    ]
    # The in-payout account is named in words, like the member's others.
    names = {
        code: name
        for code, name in db.session.execute(select(LedgerAccount.code, LedgerAccount.name)).all()
    }
    assert names[f"payable:member:{member.id}:in-payout"].endswith("(dalam pembayaran)")


def test_an_explicit_amount_leaves_the_rest_available(app_context):
    member = banked_member()
    earn(member, 300_000)
    payouts.prepare_batch(member_ids=[member.id], amounts={member.id: 120_000}, by=treasurer())
    assert member_balances(member) == {"available": 180_000, "in-payout": 120_000, "pending": 0}
    sound_ledger()


@pytest.mark.parametrize(
    ("earned", "asked", "message"),
    [
        (50_000, 50_001, "Saldo tersedia"),
        (50_000, 9_999, "di bawah batas minimum Rp10.000"),
        (9_000, None, "di bawah batas minimum Rp10.000"),
        (50_000, 0, "harus lebih dari Rp0"),
    ],
)
def test_a_line_never_exceeds_what_is_available(app_context, earned, asked, message):
    member = banked_member()
    earn(member, earned)
    before = member_balances(member)
    amounts = {member.id: asked} if asked is not None else None
    with pytest.raises(PayoutError, match=message):
        payouts.prepare_batch(member_ids=[member.id], amounts=amounts, by=treasurer())
    db.session.flush()
    assert count(PayoutBatch) == count(PayoutLine) == payout_postings() == 0
    assert member_balances(member) == before


def test_a_member_owing_more_commission_than_earned_cannot_be_paid(app_context):
    member = banked_member()
    owe_cash_commission(member, 100_000)
    with pytest.raises(PayoutError, match="Saldo tersedia .* hanya Rp0"):
        payouts.prepare_batch(member_ids=[member.id], amounts={member.id: 10_000}, by=treasurer())


@pytest.mark.parametrize("missing", ["bank_name", "bank_account_number", "bank_account_holder"])
def test_incomplete_bank_details_keep_a_member_out_of_a_batch(app_context, missing):
    member = banked_member(**{missing: "  "})
    other = banked_member()
    earn(member, 50_000)
    earn(other, 50_000)
    with pytest.raises(PayoutError, match=f"Data rekening {member.shop_name} belum lengkap"):
        payouts.prepare_batch(member_ids=[other.id, member.id], by=treasurer())
    db.session.flush()
    assert count(PayoutBatch) == count(PayoutLine) == payout_postings() == 0


def test_no_member_chosen_or_unknown_member_is_refused(app_context):
    with pytest.raises(PayoutError, match="Pilih paling sedikit satu anggota"):
        payouts.prepare_batch(member_ids=[], by=treasurer())
    with pytest.raises(PayoutError, match="tidak ditemukan"):
        payouts.prepare_batch(member_ids=[987_654], by=treasurer())


# --- approval ------------------------------------------------------------------------


def test_the_preparer_cannot_approve_their_own_batch_even_as_an_admin(app_context):
    member = banked_member()
    earn(member, 50_000)
    both = factories.UserFactory(roles=[Role.ADMIN, Role.TREASURER])
    batch = prepared_batch(member, by=both)
    with pytest.raises(PayoutError, match="tidak dapat menyetujuinya sendiri"):
        payouts.approve_batch(batch=batch, by=both)
    with pytest.raises(PayoutError, match="tidak dapat menolaknya sendiri"):
        payouts.reject_batch(batch=batch, by=both, reason="Saya ingin menolaknya sendiri.")
    assert batch.status == BatchStatus.PREPARED


def test_only_an_admin_approves(app_context):
    member = banked_member()
    earn(member, 50_000)
    batch = prepared_batch(member)
    with pytest.raises(PayoutError, match="Hanya pengurus"):
        payouts.approve_batch(batch=batch, by=treasurer("Bendahara Kedua"))
    assert batch.status == BatchStatus.PREPARED


def test_a_batch_is_approved_once(app_context):
    member = banked_member()
    earn(member, 50_000)
    batch = approved_batch(member)
    db.session.commit()
    with pytest.raises(PayoutError, match="sudah berstatus “Disetujui"):
        payouts.approve_batch(batch=batch, by=admin("Pengurus Lain"))
    assert actions().count(AuditAction.PAYOUT_APPROVED) == 1


def test_no_transfer_is_recorded_before_approval(app_context):
    member = banked_member()
    earn(member, 50_000)
    batch = prepared_batch(member)
    with pytest.raises(PayoutError, match="setelah batch disetujui"):
        payouts.record_transferred(line=batch.lines[0], reference="REF-1", by=treasurer())
    with pytest.raises(PayoutError, match="setelah batch disetujui"):
        payouts.record_failed(line=batch.lines[0], reason="Rekening ditutup", by=treasurer())
    assert batch.lines[0].status == LineStatus.HELD
    assert payout_postings() == 1  # the hold only
    assert member_balances(member)["in-payout"] == 50_000


def test_without_required_approval_a_prepared_batch_is_paid(make_app):
    app = make_app(PAYOUT_REQUIRE_APPROVAL=False)
    with app.app_context():
        member = banked_member()
        earn(member, 50_000)
        batch = prepared_batch(member)
        payouts.record_transferred(line=batch.lines[0], reference="REF-2", by=treasurer())
        assert batch.status == BatchStatus.DONE
        assert member_balances(member) == {"available": 0, "in-payout": 0, "pending": 0}
        db.session.rollback()


def test_a_rejected_batch_gives_all_its_money_back(app_context):
    first, second = banked_member(), banked_member()
    earn(first, 70_000)
    earn(second, 30_000)
    batch = prepared_batch(first, second)
    with pytest.raises(PayoutError, match="paling sedikit 10 karakter"):
        payouts.reject_batch(batch=batch, by=admin(), reason="salah")
    payouts.reject_batch(batch=batch, by=admin(), reason="Jumlahnya belum dicek ulang.")
    db.session.commit()
    assert batch.status == BatchStatus.REJECTED
    assert batch.rejection_reason == "Jumlahnya belum dicek ulang."
    assert member_balances(first) == {"available": 70_000, "in-payout": 0, "pending": 0}
    assert member_balances(second) == {"available": 30_000, "in-payout": 0, "pending": 0}
    with pytest.raises(PayoutError, match="setelah batch disetujui"):
        payouts.record_transferred(line=batch.lines[0], reference="REF-3", by=treasurer())
    with pytest.raises(PayoutError, match="sudah berstatus “Ditolak"):
        payouts.approve_batch(batch=batch, by=admin("Pengurus Lain"))
    sound_ledger()
    # The money is free again: a new batch takes it.
    assert prepared_batch(first).lines[0].amount == 70_000


def test_a_failed_line_gives_its_money_back_and_the_batch_ends(app_context):
    paid, failed = banked_member(), banked_member()
    earn(paid, 40_000)
    earn(failed, 60_000)
    batch = approved_batch(paid, failed)
    by = treasurer()
    lines = {line.member_id: line for line in batch.lines}
    payouts.record_failed(line=lines[failed.id], reason="Nomor rekening tidak aktif", by=by)
    assert batch.status == BatchStatus.APPROVED  # one line still waits
    payouts.record_transferred(line=lines[paid.id], reference="BCA 99001", by=by)
    db.session.commit()
    assert batch.status == BatchStatus.DONE
    assert member_balances(failed) == {"available": 60_000, "in-payout": 0, "pending": 0}
    assert member_balances(paid) == {"available": 0, "in-payout": 0, "pending": 0}
    assert lines[failed.id].failure_reason == "Nomor rekening tidak aktif"
    assert actions()[-2:] == [AuditAction.PAYOUT_FAILED, AuditAction.PAYOUT_TRANSFERRED]
    sound_ledger()


def test_a_line_recorded_twice_posts_once(app_context):
    member = banked_member()
    earn(member, 50_000)
    batch = approved_batch(member)
    line = batch.lines[0]
    by = treasurer()
    payouts.record_transferred(line=line, reference="REF-4", by=by)
    for again in (
        lambda: payouts.record_transferred(line=line, reference="REF-4", by=by),
        lambda: payouts.record_failed(line=line, reason="Salah catat", by=by),
    ):
        with pytest.raises(PayoutError, match="sudah dicatat"):
            again()
    assert payout_postings() == 2
    assert member_balances(member)["in-payout"] == 0
    told = select(func.count(OutboxEmail.id)).where(
        OutboxEmail.subject.contains("sudah ditransfer")
    )
    assert db.session.scalar(told) == 1


def test_a_reference_is_required(app_context):
    member = banked_member()
    earn(member, 50_000)
    batch = approved_batch(member)
    with pytest.raises(PayoutError, match="Isi nomor referensi bank"):
        payouts.record_transferred(line=batch.lines[0], reference="   ", by=treasurer())


# --- at the same moment (PostgreSQL) -----------------------------------------------


def race(app, work: Callable[[int], object], threads: int) -> list[object]:
    """`work(number)` in `threads` threads, each with its own session,
    released together; each commits. Returns results or PayoutErrors."""
    barrier = threading.Barrier(threads)
    outcomes: list[object] = []

    def run(number: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                outcomes.append(work(number))
                db.session.commit()
            except PayoutError as error:
                db.session.rollback()
                outcomes.append(error)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(outcomes) == threads  # no thread died of anything else
    return outcomes


@pytest.mark.postgres
def test_fifty_batches_at_once_hold_exactly_what_is_available(make_app):
    app = make_app()
    with app.app_context():
        member = banked_member()
        earn(member, 1_000_000)
        officers = [treasurer(f"Bendahara {n}").id for n in range(50)]
        member_id = member.id
        db.session.commit()

    def prepare(number: int) -> int:
        by = db.session.get(User, officers[number])
        batch = payouts.prepare_batch(member_ids=[member_id], amounts={member_id: 100_000}, by=by)
        return batch.id

    outcomes = race(app, prepare, threads=50)

    refused = [o for o in outcomes if isinstance(o, PayoutError)]
    assert len(refused) == 40
    assert all("tidak cukup untuk Rp100.000" in error.message for error in refused)
    with app.app_context():
        member = db.session.get(Member, member_id)
        held = db.session.scalars(select(PayoutLine).where(PayoutLine.member_id == member_id)).all()
        assert len(held) == 10 and all(line.amount == 100_000 for line in held)
        assert member_balances(member) == {"available": 0, "in-payout": 1_000_000, "pending": 0}
        sound_ledger()


@pytest.mark.postgres
def test_two_treasurers_recording_one_line_at_once_post_it_once(make_app):
    app = make_app()
    with app.app_context():
        member = banked_member()
        earn(member, 80_000)
        batch = approved_batch(member)
        line_id, batch_id = batch.lines[0].id, batch.id
        officers = [treasurer("Bendahara A").id, treasurer("Bendahara B").id]
        bank_before = balance("cash:bank")
        db.session.commit()

    def record(number: int) -> int:
        line = db.session.get(PayoutLine, line_id)
        by = db.session.get(User, officers[number])
        return payouts.record_transferred(line=line, reference=f"REF-{number}", by=by).id

    outcomes = race(app, record, threads=2)

    assert len([o for o in outcomes if isinstance(o, PayoutError)]) == 1
    with app.app_context():
        assert balance("cash:bank") == bank_before - 80_000
        assert payout_postings() == 2  # the hold and one transfer
        assert actions().count(AuditAction.PAYOUT_TRANSFERRED) == 1
        assert db.session.get(PayoutBatch, batch_id).status == BatchStatus.DONE
        sound_ledger()
