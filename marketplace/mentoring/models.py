"""A cohort of a campus programme, its mentors, the members they are paired
with and the visits they log. Access is never stored: it follows from the
cohort's dates and the acceptances (mentoring.access)."""

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Timestamp
from marketplace.extensions import Model
from marketplace.members.models import Member

CAMPUSES = ("Unsoed", "UMP", "Amikom")


class Cohort(Model):
    """One programme of one campus, running from `starts_on` to `ends_on`
    (both days included, in Banyumas time)."""

    __tablename__ = "mentoring_cohorts"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campus: Mapped[str] = mapped_column(String(80), index=True)
    programme: Mapped[str] = mapped_column(String(160))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())

    mentors: Mapped[list["Mentor"]] = relationship(
        back_populates="cohort", order_by="Mentor.id", cascade="all, delete-orphan"
    )

    def runs_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class Mentor(Model):
    """An invitation to mentor in a cohort, sent to `email`; `user` is set
    when the invited person accepts it (logged in with that email)."""

    __tablename__ = "mentoring_mentors"
    __table_args__ = (
        Index("uq_mentoring_mentors_cohort_email", "cohort_id", "email", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_cohorts.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    invited_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    accepted_at: Mapped[Timestamp | None]

    cohort: Mapped[Cohort] = relationship(back_populates="mentors")
    user: Mapped[User | None] = relationship()
    pairings: Mapped[list["Pairing"]] = relationship(
        back_populates="mentor", order_by="Pairing.id", cascade="all, delete-orphan"
    )


class Pairing(Model):
    """A mentor proposed to a member by the admin; the member accepts it from
    their dashboard. Ended pairings stay, for the impact report."""

    __tablename__ = "mentoring_pairings"
    __table_args__ = (
        Index("uq_mentoring_pairings_mentor_member", "mentor_id", "member_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_mentors.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    proposed_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    accepted_at: Mapped[Timestamp | None]
    ended_at: Mapped[Timestamp | None]

    mentor: Mapped[Mentor] = relationship(back_populates="pairings")
    member: Mapped[Member] = relationship()
    visits: Mapped[list["Visit"]] = relationship(
        back_populates="pairing",
        order_by="Visit.visited_on.desc(), Visit.id.desc()",
        cascade="all, delete-orphan",
    )


class Visit(Model):
    """A mentoring visit the mentor logged; the member sees it."""

    __tablename__ = "mentoring_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_pairings.id", ondelete="CASCADE"), index=True
    )
    visited_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(160))
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())

    pairing: Mapped[Pairing] = relationship(back_populates="visits")
    photos: Mapped[list["VisitPhoto"]] = relationship(
        back_populates="visit", order_by="VisitPhoto.position", cascade="all, delete-orphan"
    )


class VisitPhoto(Model):
    """A photo of a visit, stored as product photos are (catalog.photos: a
    thumbnail and a large size) but in a folder /media never serves: only
    the mentor, the paired member and the admins see it
    (mentoring.views.visit_photo)."""

    __tablename__ = "mentoring_visit_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_visits.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    thumb_key: Mapped[str] = mapped_column(String(200))
    large_key: Mapped[str] = mapped_column(String(200))

    visit: Mapped[Visit] = relationship(back_populates="photos")
