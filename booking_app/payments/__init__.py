"""Payments: the Stripe gateway, Checkout fulfilment, webhooks, refunds, and a local emulator."""
