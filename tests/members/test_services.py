import itertools
import threading

import pytest
from sqlalchemy import select

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.accounts.services import grant_role, revoke_role
from marketplace.extensions import db
from marketplace.members import queries, services
from marketplace.members.models import Member, MemberDecision, MemberStatus
from marketplace.members.services import (
    ADMIN_ACTIONS,
    TRANSITIONS,
    MemberAction,
    MemberError,
)
from tests.factories import UserFactory
from tests.members.helpers import application, member_in, writes

pytestmark = pytest.mark.usefixtures("app_context")

SERVICES = {
    MemberAction.APPROVE: services.approve_member,
    MemberAction.REJECT: services.reject_member,
    MemberAction.SUSPEND: services.suspend_member,
    MemberAction.REINSTATE: services.reinstate_member,
}
EMAIL_SUBJECTS = {
    MemberAction.APPROVE: "Selamat, Toko Uji sudah menjadi anggota Pasar Aspikmas",
    MemberAction.REJECT: "Pengajuan anggota Toko Uji perlu diperbaiki",
    MemberAction.SUSPEND: "Keanggotaan Toko Uji dibekukan sementara",
    MemberAction.REINSTATE: "Keanggotaan Toko Uji aktif kembali",
}


# --- applying ---------------------------------------------------------------


def test_apply_makes_a_pending_member_with_tidy_details(app):
    user = UserFactory()
    member = services.apply_for_membership(user=user, details=application())
    db.session.commit()
    assert member.status == MemberStatus.PENDING
    assert member.user_id == user.id
    assert member.slug == "keripik-tempe-bu-sri"
    assert member.whatsapp == "6281234567890"
    assert member.nib == "1234567890123"
    assert member.bank_account_number == "012301000123501"
    assert member.kecamatan.name == "Purwokerto Barat"
    assert member.approved_at is None
    assert user.roles == {Role.SHOPPER}  # a member only once approved


def test_apply_without_nib_is_fine(app):
    member = services.apply_for_membership(user=UserFactory(), details=application(nib="  "))
    assert member.nib is None


def test_shop_names_get_unique_addresses(app):
    slugs = [
        services.apply_for_membership(user=UserFactory(), details=application(shop_name=name)).slug
        for name in [
            "Keripik Tempe Bu Sri",
            "Keripik Tempe Bu Sri",
            "keripik tempe  BU SRI!",
            "!!!",
        ]
    ]
    assert slugs == [
        "keripik-tempe-bu-sri",
        "keripik-tempe-bu-sri-2",
        "keripik-tempe-bu-sri-3",
        "toko",
    ]


def test_a_user_applies_only_once(app):
    user = UserFactory()
    services.apply_for_membership(user=user, details=application())
    db.session.commit()
    before = writes()
    with pytest.raises(MemberError, match="sudah pernah mengajukan"):
        services.apply_for_membership(user=user, details=application(shop_name="Toko Kedua"))
    db.session.rollback()
    assert writes() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kecamatan_id": 999_999}, "Pilih kecamatan"),
        ({"shop_name": "   "}, "nama toko"),
        ({"desa": ""}, "desa"),
        ({"whatsapp": "021-555-1234"}, "WhatsApp tidak valid"),
        ({"nib": "12345"}, "13 angka"),
        ({"nib": "12345678901ab"}, "13 angka"),
        ({"bank_account_number": "12-34"}, "rekening"),
        ({"bank_account_holder": ""}, "pemilik rekening"),
    ],
    ids=[
        "kecamatan",
        "shop-name",
        "desa",
        "whatsapp",
        "nib-short",
        "nib-letters",
        "account",
        "holder",
    ],
)
def test_an_incomplete_application_is_refused_and_writes_nothing(app, changes, message):
    user = UserFactory()
    db.session.commit()
    before = writes()
    with pytest.raises(MemberError, match=message):
        services.apply_for_membership(user=user, details=application(**changes))
    db.session.rollback()
    assert writes() == before


# --- the state machine --------------------------------------------------------


def _decide(action: MemberAction, member: Member, admin, reason: str = "Alasan yang jelas."):
    if action == MemberAction.RESUBMIT:
        return services.resubmit_application(member=member, details=application())
    return SERVICES[action](member=member, admin=admin, reason=reason)


CASES = list(itertools.product(MemberAction, MemberStatus))


@pytest.mark.parametrize(
    ("action", "status"),
    [case for case in CASES if TRANSITIONS[case[0]][0] == case[1]],
    ids=lambda value: value.value,
)
def test_every_allowed_transition_moves_and_is_recorded(app, action, status):
    admin = UserFactory(roles=[Role.ADMIN])
    member = member_in(status, shop_name="Toko Uji")
    db.session.commit()
    _decide(action, member, admin)
    db.session.commit()

    target = TRANSITIONS[action][1]
    assert db.session.get(Member, member.id).status == target
    decision = db.session.scalars(select(MemberDecision)).one()
    assert (decision.from_status, decision.to_status) == (status, target)
    assert decision.decided_at is not None
    if action == MemberAction.RESUBMIT:
        assert decision.decided_by_id == member.user_id
        assert db.session.scalars(select(OutboxEmail)).all() == []
    else:
        assert decision.decided_by_id == admin.id
        assert decision.reason == "Alasan yang jelas."
        email = db.session.scalars(select(OutboxEmail)).one()
        assert email.recipient == member.user.email
        assert email.subject == EMAIL_SUBJECTS[action]
        assert "Alasan yang jelas." in email.body_text and "Toko Uji" in email.body_html
    assert member.user.has_role(Role.MEMBER) == (target == MemberStatus.APPROVED)


@pytest.mark.parametrize(
    ("action", "status"),
    [case for case in CASES if TRANSITIONS[case[0]][0] != case[1]],
    ids=lambda value: value.value,
)
def test_every_other_transition_is_refused_and_writes_nothing(app, action, status):
    admin = UserFactory(roles=[Role.ADMIN])
    member = member_in(status, shop_name="Toko Uji")
    db.session.commit()
    roles, before = set(member.user.roles), writes()
    with pytest.raises(MemberError, match="Status Toko Uji sekarang: "):
        _decide(action, member, admin)
    db.session.rollback()
    assert writes() == before
    assert db.session.get(Member, member.id).status == status
    assert member.user.roles == roles


@pytest.mark.parametrize("action", [MemberAction.REJECT, MemberAction.SUSPEND])
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_rejecting_and_suspending_need_a_reason(app, action, reason):
    admin = UserFactory(roles=[Role.ADMIN])
    member = member_in(TRANSITIONS[action][0])
    db.session.commit()
    before = writes()
    with pytest.raises(MemberError, match="Tuliskan alasan"):
        SERVICES[action](member=member, admin=admin, reason=reason)
    db.session.rollback()
    assert writes() == before


@pytest.mark.parametrize("action", ADMIN_ACTIONS, ids=lambda action: action.value)
def test_an_admin_never_decides_on_their_own_shop(app, action):
    admin = UserFactory(roles=[Role.ADMIN])
    member = member_in(TRANSITIONS[action][0], user=admin)
    db.session.commit()
    before = writes()
    with pytest.raises(MemberError, match="toko Anda sendiri"):
        SERVICES[action](member=member, admin=admin, reason="Saya sendiri.")
    db.session.rollback()
    assert writes() == before


def test_approving_dates_the_membership_and_clears_an_old_reason(app):
    admin = UserFactory(roles=[Role.ADMIN])
    member = member_in(MemberStatus.PENDING, rejection_reason="Foto KTP buram.")
    db.session.commit()
    services.approve_member(member=member, admin=admin)
    db.session.commit()
    assert member.approved_at is not None
    assert member.rejection_reason == ""
    assert member.user.roles == {Role.SHOPPER, Role.MEMBER}


def test_rejecting_keeps_the_reason_for_the_applicant(app):
    member = member_in(MemberStatus.PENDING)
    services.reject_member(
        member=member, admin=UserFactory(roles=[Role.ADMIN]), reason="  NIB tidak cocok.  "
    )
    assert member.rejection_reason == "NIB tidak cocok."


def test_resubmitting_corrects_the_application(app):
    member = member_in(
        MemberStatus.REJECTED, shop_name="Toko Lama", slug="toko-lama", rejection_reason="Kurang."
    )
    db.session.commit()
    services.resubmit_application(
        member=member, details=application(shop_name="Toko Baru", nib="", desa="Karangrau")
    )
    db.session.commit()
    assert (member.status, member.shop_name, member.slug) == (
        MemberStatus.PENDING,
        "Toko Baru",
        "toko-baru",
    )
    assert (member.nib, member.desa, member.rejection_reason) == (None, "Karangrau", "")


def test_history_lists_every_decision_newest_first(app):
    admin = UserFactory(roles=[Role.ADMIN])
    member = member_in(MemberStatus.PENDING)
    services.reject_member(member=member, admin=admin, reason="Alamat kurang.")
    services.resubmit_application(member=member, details=application())
    services.approve_member(member=member, admin=admin)
    services.suspend_member(member=member, admin=admin, reason="Keluhan pembeli.")
    services.reinstate_member(member=member, admin=admin)
    db.session.commit()
    history = db.session.scalars(queries.decisions_of(member.id)).all()
    assert [(d.from_status, d.to_status) for d in history] == [
        ("suspended", "approved"),
        ("approved", "suspended"),
        ("pending", "approved"),
        ("rejected", "pending"),
        ("pending", "rejected"),
    ]
    assert db.session.scalar(queries.latest_decision(member.id)).to_status == "approved"


def test_allowed_actions_follow_the_state_machine():
    assert services.allowed_actions(MemberStatus.PENDING) == [
        MemberAction.APPROVE,
        MemberAction.REJECT,
    ]
    assert services.allowed_actions(MemberStatus.APPROVED) == [MemberAction.SUSPEND]
    assert services.allowed_actions(MemberStatus.SUSPENDED) == [MemberAction.REINSTATE]
    assert services.allowed_actions(MemberStatus.REJECTED) == []


def test_granting_and_revoking_a_role_twice_changes_nothing_more(app):
    user = UserFactory(roles=[Role.SHOPPER])
    grant_role(user=user, role=Role.MEMBER)
    grant_role(user=user, role=Role.MEMBER)
    db.session.commit()
    assert user.roles == {Role.SHOPPER, Role.MEMBER} and len(user.role_rows) == 2
    revoke_role(user=user, role=Role.MEMBER)
    revoke_role(user=user, role=Role.MEMBER)
    db.session.commit()
    db.session.refresh(user)
    assert user.roles == {Role.SHOPPER}


@pytest.mark.postgres
def test_two_admins_deciding_at_once_make_one_decision(make_app):
    """Approve and reject race for one application: the row lock lets one
    through; the other sees the new status and is refused."""
    app = make_app()
    with app.app_context():
        admins = [UserFactory(roles=[Role.ADMIN]).id for _ in range(2)]
        member_id = member_in(MemberStatus.PENDING).id
        db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(admin_id: int, action: MemberAction) -> None:
        with app.app_context():
            try:
                member = db.session.get(Member, member_id)
                admin = db.session.get(type(member.user), admin_id)
                barrier.wait()
                SERVICES[action](member=member, admin=admin, reason="Balapan.")
                db.session.commit()
                outcomes.append("done")
            except MemberError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=decide, args=(admins[0], MemberAction.APPROVE)),
        threading.Thread(target=decide, args=(admins[1], MemberAction.REJECT)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "refused"]
    with app.app_context():
        assert len(db.session.scalars(select(MemberDecision)).all()) == 1
        assert len(db.session.scalars(select(OutboxEmail)).all()) == 1
