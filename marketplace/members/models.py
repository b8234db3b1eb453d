"""Kecamatan lives here, not in catalog: a member belongs to a kecamatan and
members sit below catalog, so the reference has to point down to here."""

from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    false,
    func,
    select,
    true,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Timestamp
from marketplace.extensions import Model


class Kecamatan(Model):
    __tablename__ = "kecamatan"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)


class DeliveryRate(Model):
    """The member delivers to `kecamatan` for `fee` rupiah (used at checkout)."""

    __tablename__ = "delivery_rates"
    __table_args__ = (CheckConstraint("fee >= 0", name="fee_not_negative"),)

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    kecamatan_id: Mapped[int] = mapped_column(
        ForeignKey("kecamatan.id", ondelete="RESTRICT"), primary_key=True
    )
    fee: Mapped[int] = mapped_column(BigInteger)

    member: Mapped["Member"] = relationship(back_populates="delivery_rates")
    kecamatan: Mapped[Kecamatan] = relationship(lazy="joined")


DELIVERY_SUMMARY = "delivery_summary"  # Member's deferred delivery columns, loaded together


class MemberStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class Member(Model):
    """An UMKM of the association and its shop."""

    __tablename__ = "members"
    __table_args__ = (
        Index("ix_members_kecamatan_id_status", "kecamatan_id", "status"),
        CheckConstraint(
            "commission_bps IS NULL OR (commission_bps >= 0 AND commission_bps <= 10000)",
            name="commission_bps_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), unique=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    shop_name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    owner_name: Mapped[str] = mapped_column(String(120))
    desa: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(255), default="", server_default="")
    whatsapp: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    nib: Mapped[str | None] = mapped_column(String(20))  # Nomor Induk Berusaha, if any
    bank_name: Mapped[str] = mapped_column(String(60), default="", server_default="")
    bank_account_number: Mapped[str] = mapped_column(String(30), default="", server_default="")
    bank_account_holder: Mapped[str] = mapped_column(String(120), default="", server_default="")
    opening_hours: Mapped[str] = mapped_column(String(255), default="", server_default="")
    offers_pickup: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Shoppers may pay this member in cash on pickup or delivery.
    accepts_cash: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The association's commission on this member's sales, in basis points;
    # None: the category's rate, else the default (orders.services.commission_rate).
    commission_bps: Mapped[int | None]
    logo_key: Mapped[str | None] = mapped_column(String(200))
    banner_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[MemberStatus] = mapped_column(
        String(20), default=MemberStatus.PENDING, server_default=MemberStatus.PENDING.value
    )
    rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    approved_at: Mapped[Timestamp | None]
    # The last change of the row (the shop's profile, its status): the
    # sitemap dates a shop page by it and its latest product change.
    updated_at: Mapped[Timestamp] = mapped_column(server_default=func.now(), onupdate=func.now())

    user: Mapped[User] = relationship()
    kecamatan: Mapped[Kecamatan] = relationship(lazy="joined")
    delivery_rates: Mapped[list[DeliveryRate]] = relationship(
        back_populates="member", cascade="all, delete-orphan"
    )
    # What a product card says about delivery ("Antar ke 3 kecamatan, mulai
    # Rp5.000"), read in the same SELECT as the member by the listing
    # queries (`undefer_group(DELIVERY_SUMMARY)`), so a page of cards costs no
    # query more. Deferred: nothing else loads them.
    delivery_kecamatan_count: Mapped[int] = column_property(
        select(func.count())
        .where(DeliveryRate.member_id == id)
        .correlate_except(DeliveryRate)
        .scalar_subquery(),
        deferred=True,
        group=DELIVERY_SUMMARY,
    )
    lowest_delivery_fee: Mapped[int | None] = column_property(
        select(func.min(DeliveryRate.fee))
        .where(DeliveryRate.member_id == id)
        .correlate_except(DeliveryRate)
        .scalar_subquery(),
        deferred=True,
        group=DELIVERY_SUMMARY,
    )

    @property
    def is_public(self) -> bool:
        return self.status == MemberStatus.APPROVED


class MemberDecision(Model):
    """Who moved a membership from one status to another, when and why."""

    __tablename__ = "member_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    from_status: Mapped[MemberStatus] = mapped_column(String(20))
    to_status: Mapped[MemberStatus] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    decided_at: Mapped[Timestamp] = mapped_column(server_default=func.now())

    member: Mapped[Member] = relationship()
    decided_by: Mapped[User] = relationship()
