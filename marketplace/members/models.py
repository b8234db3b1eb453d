"""Kecamatan lives here, not in catalog: a member belongs to a kecamatan and
members sit below catalog, so the reference has to point down to here."""

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Timestamp
from marketplace.extensions import db


class Kecamatan(db.Model):
    __tablename__ = "kecamatan"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)


class MemberStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class Member(db.Model):
    """An UMKM of the association and its shop."""

    __tablename__ = "members"
    __table_args__ = (Index("ix_members_kecamatan_id_status", "kecamatan_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), unique=True
    )
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    shop_name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    owner_name: Mapped[str] = mapped_column(String(120))
    desa: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(255), default="", server_default="")
    whatsapp: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[MemberStatus] = mapped_column(
        String(20), default=MemberStatus.PENDING, server_default=MemberStatus.PENDING.value
    )
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    approved_at: Mapped[Timestamp | None]

    user: Mapped[User] = relationship()
    kecamatan: Mapped[Kecamatan] = relationship(lazy="joined")

    @property
    def is_public(self) -> bool:
        return self.status == MemberStatus.APPROVED
