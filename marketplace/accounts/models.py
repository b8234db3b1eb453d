from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, func, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import Timestamp
from marketplace.extensions import Model


class Role(StrEnum):
    SHOPPER = "shopper"
    MEMBER = "member"
    TREASURER = "treasurer"
    ADMIN = "admin"
    MENTOR = "mentor"


ROLE_LABELS = {
    Role.SHOPPER: "Pembeli",
    Role.MEMBER: "Anggota UMKM",
    Role.TREASURER: "Bendahara",
    Role.ADMIN: "Pengurus",
    Role.MENTOR: "Pendamping kampus",
}


class User(Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    whatsapp: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Set when the user opened the signed link sent to `email`; checkout and
    # membership applications wait for it.
    email_verified_at: Mapped[Timestamp | None]
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())

    # Read when asked (a user loaded for an email's address needs none):
    # the logged-in user's come joined with their login (accounts.sessions),
    # and a list that shows several users' roles loads them with the list.
    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    # What Flask-Login asks of a user (not its UserMixin, whose equality
    # compares `get_id()`). It keeps `get_id()` in the session cookie and the
    # remember cookie, so the id names the login (accounts.sessions), not
    # only the user: ending the login ends both cookies.
    is_authenticated = True
    is_anonymous = False

    def attach_login(self, login_key: str) -> None:
        """Remember which login this object was loaded through (not a column)."""
        self.__dict__["_login_key"] = login_key

    def get_id(self) -> str:
        login_key = self.__dict__.get("_login_key")
        if login_key is None:
            raise RuntimeError("log in through accounts.sessions.start_login")
        return str(login_key)


class UserRole(Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class LoginSession(Model):
    """One login on one device. The browser holds `<user id>:<secret>` in its
    session cookie (and, with "Ingat saya", in the remember cookie); the
    database holds only the secret's SHA-256. Logging out deletes the row,
    so a copied cookie stops working too; a password change or "keluar dari
    semua perangkat" deletes every row of the user."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool]
    user_agent: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    expires_at: Mapped[Timestamp]


class OutboxEmail(Model):
    """An email to send after the change that caused it has committed.
    `deliver_outbox` sends each once; a rolled-back change leaves none.
    Pending until `sent_at` or `failed_at`; due when `next_attempt_at` (none:
    at once) has come and no deliverer holds it (`claimed_until`, a lease
    that a crashed deliverer lets expire)."""

    __tablename__ = "outbox_emails"
    __table_args__ = (
        Index(
            "ix_outbox_emails_pending",
            "next_attempt_at",
            sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
            postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    sent_at: Mapped[Timestamp | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[Timestamp | None]
    claimed_until: Mapped[Timestamp | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    failed_at: Mapped[Timestamp | None]
