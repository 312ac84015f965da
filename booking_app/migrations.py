"""Run the Alembic migrations from Python (CLI and tests) exactly as ``alembic`` would."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from booking_app.settings import PROJECT_ROOT


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    if database_url:
        # ConfigParser treats % specially; URLs may contain %-escapes (passwords).
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
