"""The Reflex app: pages and the JSON API. Kept tiny; pages live in booking_app/pages."""

import reflex as rx

import booking_app.models  # noqa: F401 - registers the tables Reflex's start-up schema check compares
from booking_app.api.app import create_api
from booking_app.api.proxies import forwarded_headers_transformer
from booking_app.components.intl_warmup import intl_warmup_script
from booking_app.jobs.runner import run_jobs_in_app
from booking_app.pages import (
    account,
    auth,
    availability,
    booking,
    calendars,
    dashboard,
    developers,
    embedding,
    find_bookings,
    home,
    oidc,
    profile,
    session_types,
    wizard,
)
from booking_app.settings import get_settings

# The proxy-headers wrapper, when configured, goes outermost so it applies to every route.
_transformers = [create_api(), forwarded_headers_transformer(get_settings())]
app = rx.App(api_transformer=[t for t in _transformers if t is not None], stylesheets=["/styles.css"],
             head_components=[*embedding.head_components(),  # the widget's frame without storage
                              wizard.calendar_grid_script(),  # the date grid's keyboard
                              intl_warmup_script()],  # time zone and clock detection, made early
             # The text direction, stated: otherwise the toaster (sonner) asks the browser for the
             # computed direction on every render, a forced style recalculation of the whole page
             # in the middle of the booking page's first render with its data.
             html_custom_attrs={"dir": "ltr"})
home.register(app)
booking.register(app)
wizard.register(app)
auth.register(app)
dashboard.register(app)
session_types.register(app)
availability.register(app)
calendars.register(app)
find_bookings.register(app)
developers.register(app)
account.register(app)  # customer accounts (issue 16)
oidc.register(app)  # /auth/oidc/finish: sign-in through an OpenID Connect provider
profile.register(app)
app.register_lifespan_task(run_jobs_in_app)  # refunds, mails, closing checkouts, expiring holds
if get_settings().uses_stripe_emulator:
    from booking_app.pages import mailbox
    from booking_app.payments.emulator.delivery import deliver_forever

    mailbox.register(app)  # /dev/mailbox: local setups only
    app.register_lifespan_task(deliver_forever)
