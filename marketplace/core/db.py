"""The declarative base every model derives from, with a naming convention so
that migrations name their constraints the same way on SQLite and PostgreSQL."""

from datetime import datetime
from typing import Annotated, Any, cast

from sqlalchemy import CursorResult, DateTime, MetaData, Result
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A timezone-aware UTC moment; use as `Mapped[Timestamp]`.
Timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True))]


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (its result is a cursor's)."""
    return cast(CursorResult[Any], result).rowcount or 0
