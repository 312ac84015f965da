"""Settings: defaults, normalisation, and failing fast with the variable's name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from booking_app.settings import DEFAULT_SQLITE_PATH, PROJECT_ROOT, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "APP_URL", "STRIPE_EMULATOR_URL"):
        monkeypatch.delenv(name, raising=False)


def test_default_database_is_sqlite_file_in_project_root_whatever_the_cwd(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(_env_file=None)
    assert settings.database_url == f"sqlite:///{DEFAULT_SQLITE_PATH}"
    assert DEFAULT_SQLITE_PATH.parent == PROJECT_ROOT
    assert settings.is_sqlite and settings.uses_stripe_emulator


def test_relative_sqlite_path_is_resolved_from_project_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///data/app.db")
    assert load_settings(_env_file=None).database_url == f"sqlite:///{PROJECT_ROOT / 'data/app.db'}"


@pytest.mark.parametrize(
    "given",
    ["postgresql://postgres@127.0.0.1:5432/app", "postgres://postgres@127.0.0.1:5432/app",
     "postgresql+psycopg://postgres@127.0.0.1:5432/app"],
)
def test_postgres_urls_use_psycopg3(given: str) -> None:
    assert load_settings(_env_file=None, database_url=given).database_url == (
        "postgresql+psycopg://postgres@127.0.0.1:5432/app"
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DATABASE_URL", "mysql://root@localhost/app", "sqlite:/// or postgresql://"),
        ("DATABASE_URL", "postgresql:///nohost", "needs a host"),
        ("STRIPE_SECRET_KEY", "pk_test_123", "secret key"),
        ("STRIPE_SECRET_KEY", "sk_test_your_key_here", "placeholder"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_abc,notasecret", "whsec_"),
        ("APP_URL", "localhost:3000", "absolute http(s) URL"),
        ("APP_URL", "https://book.example.com/?x=1", "query string"),
    ],
)
def test_invalid_value_fails_with_the_variable_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None)
    message = str(raised.value)
    assert f"{variable}:" in message and expected in message


def test_webhook_secrets_accept_a_comma_separated_rotation_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", " whsec_new123 , whsec_old456 ")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_51abcDEF")
    settings = load_settings(_env_file=None)
    assert settings.webhook_secrets == ["whsec_new123", "whsec_old456"]
    assert not settings.uses_stripe_emulator
    assert "sk_test_51abcDEF" not in repr(settings)  # secrets never printed


def test_app_url_loses_its_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_URL", "https://book.example.com/")
    assert load_settings(_env_file=None).app_url == "https://book.example.com"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("APP_URL=https://from-dotenv.example.com\n")
    assert load_settings(_env_file=env_file).app_url == "https://from-dotenv.example.com"


def test_reflex_config_refuses_to_start_with_a_bad_value() -> None:
    env = {**os.environ, "DATABASE_URL": "oracle://nope"}
    result = subprocess.run(
        [sys.executable, "-c", "import rxconfig"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DATABASE_URL: must start with sqlite:/// or postgresql://" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("value", ["29", "1441", "soon"])
def test_hold_minutes_must_be_between_30_minutes_and_a_day(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("HOLD_MINUTES", value)
    with pytest.raises(SettingsError, match="HOLD_MINUTES"):
        load_settings(_env_file=None)


def test_the_emulator_is_this_app_unless_stripe_emulator_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_URL", "https://book.example.com")
    assert load_settings(_env_file=None).emulator_url == "https://book.example.com"
    monkeypatch.setenv("STRIPE_EMULATOR_URL", "http://127.0.0.1:9001/")
    assert load_settings(_env_file=None).emulator_url == "http://127.0.0.1:9001"
    monkeypatch.setenv("STRIPE_EMULATOR_URL", "127.0.0.1:9001")
    with pytest.raises(SettingsError, match="STRIPE_EMULATOR_URL|stripe_emulator_url"):
        load_settings(_env_file=None)


def test_cors_origins_are_a_comma_separated_list_defaulting_to_app_urls_origin() -> None:
    """Issue 19, finding 14: the default used to be "*" (any site's page could drive the app)."""
    from booking_app.settings import Settings

    assert Settings(app_url="https://book.example.com/", cors_allowed_origins="").cors_origin_list == [
        "https://book.example.com"]
    assert Settings(app_url="http://localhost:3000", cors_allowed_origins="").cors_origin_list == [
        "http://localhost:3000", "http://127.0.0.1:3000"]
    assert Settings(cors_allowed_origins="*").cors_origin_list == ["*"]
    assert Settings(cors_allowed_origins=" https://a.example , https://b.example ").cors_origin_list == [
        "https://a.example", "https://b.example"]


# -- integrations (issue 17) -----------------------------------------------------------------


def test_embed_allowed_origins_are_origins_or_any(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(_env_file=None).frame_ancestors == "*"
    monkeypatch.setenv("EMBED_ALLOWED_ORIGINS", " https://ada.dev/ , http://localhost:8080")
    assert load_settings(_env_file=None).frame_ancestors == "https://ada.dev http://localhost:8080"
    for bad in ("ada.dev", "https://ada.dev/page", "https://ada.dev; script-src *", "javascript:alert(1)"):
        monkeypatch.setenv("EMBED_ALLOWED_ORIGINS", bad)
        with pytest.raises(SettingsError, match="EMBED_ALLOWED_ORIGINS: .*is not an origin"):
            load_settings(_env_file=None)


def test_webhook_private_targets_are_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", raising=False)
    assert load_settings(_env_file=None).webhook_allow_private_targets is False
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
    assert load_settings(_env_file=None).webhook_allow_private_targets is True
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", "perhaps")
    with pytest.raises(SettingsError, match="WEBHOOK_ALLOW_PRIVATE_TARGETS"):
        load_settings(_env_file=None)


def test_oidc_settings_need_a_client_and_an_https_issuer() -> None:
    """Issue 16: OIDC_ISSUER comes with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET; plain http only locally."""
    from booking_app.settings import load_settings as _load

    ok = _load(oidc_issuer="https://clerk.example.com", oidc_client_id="a", oidc_client_secret="b")
    assert ok.oidc_enabled and ok.oidc_issuer == "https://clerk.example.com" and ok.oidc_display_name
    assert _load(oidc_issuer="http://127.0.0.1:4000", oidc_client_id="a", oidc_client_secret="b").oidc_enabled
    assert not _load(oidc_issuer="", oidc_client_id="", oidc_client_secret=None).oidc_enabled
    for bad in (dict(oidc_issuer="https://clerk.example.com"),
                dict(oidc_issuer="http://clerk.example.com", oidc_client_id="a", oidc_client_secret="b"),
                dict(oidc_issuer="clerk.example.com", oidc_client_id="a", oidc_client_secret="b")):
        with pytest.raises(SystemExit):
            _load(**bad)
