"""Appointments of chapter officers and their recommendations on
membership applications. Both keep their history: an appointment is ended
(removed_at, removed_by), never deleted; a newer recommendation stands
beside the older ones."""

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Timestamp
from marketplace.extensions import Model
from marketplace.members.models import Kecamatan, Member


class ChapterOfficer(Model):
    """`user` is an officer of `kecamatan` from `appointed_at` until `removed_at`."""

    __tablename__ = "chapter_officers"
    __table_args__ = (
        # One live appointment per person and kecamatan; ended ones stay as history.
        Index(
            "uq_chapter_officers_live",
            "user_id",
            "kecamatan_id",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
        Index("ix_chapter_officers_kecamatan_id", "kecamatan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    appointed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    appointed_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    removed_at: Mapped[Timestamp | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    kecamatan: Mapped[Kecamatan] = relationship(lazy="joined")
    appointed_by: Mapped[User] = relationship(foreign_keys=[appointed_by_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


VERDICT_LABELS = {Verdict.APPROVE: "Disarankan disetujui", Verdict.REJECT: "Disarankan ditolak"}


class ChapterRecommendation(Model):
    """What a chapter officer advises the regency admin about an application,
    and why; the admin reads it on the application."""

    __tablename__ = "chapter_recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    verdict: Mapped[Verdict] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())

    member: Mapped[Member] = relationship()
    officer: Mapped[User] = relationship()

    @property
    def label(self) -> str:
        return VERDICT_LABELS[Verdict(self.verdict)]
