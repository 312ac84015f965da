"""Which webhook signing secrets the app accepts, and which one the emulator signs with."""

from __future__ import annotations

from booking_app.settings import get_settings

# Used only with the local emulator and no STRIPE_WEBHOOK_SECRET: both sides are this app.
EMULATOR_WEBHOOK_SECRET = "whsec_local_emulator_only"


def accepted_secrets() -> list[str]:
    settings = get_settings()
    if settings.webhook_secrets:
        return settings.webhook_secrets
    return [EMULATOR_WEBHOOK_SECRET] if settings.uses_stripe_emulator else []


def signing_secret() -> str:
    """The emulator signs with the newest configured secret (the first one)."""
    return accepted_secrets()[0]
