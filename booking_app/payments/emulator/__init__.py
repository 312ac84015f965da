"""A local Stripe for offline use and tests (used when no STRIPE_SECRET_KEY is configured).

It speaks the part of Stripe's HTTP API the gateway uses, serves a hosted checkout page, runs
on a clock tests can move, and delivers signed webhook events. Its state lives in the app's
database, so several app workers share one emulator.
"""
