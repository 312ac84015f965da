"""Column types shared by the tables.

``UTCDateTime`` exists because SQLite stores no offset: without it a value written as
``2026-03-01 09:00+00:00`` would come back naive. Every timestamp column uses it, so Python
code only ever sees UTC-aware datetimes and never has to guess what a naive one meant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel

# Deterministic constraint and index names, so migrations can refer to (and SQLite batch
# mode can recreate) every constraint on both databases.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """``TIMESTAMP WITH TIME ZONE`` that refuses naive input and always returns UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given for a UTC column")
        value = value.astimezone(UTC)
        # SQLite keeps the text as given; store it without an offset so that ordering and
        # comparisons in SQL are plain string comparisons of UTC times.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_cls: type[StrEnum], column: str) -> sa.Enum:
    """A VARCHAR + CHECK column for a ``StrEnum`` (portable; no PostgreSQL enum types to migrate)."""
    return sa.Enum(
        enum_cls,
        name=f"{column}_valid",
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_cls),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def utcnow() -> datetime:
    """Default for created/updated columns (the only place models read the clock)."""
    return datetime.now(UTC)
