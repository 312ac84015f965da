"""Durable jobs: work the app has promised (a refund owed, a Checkout Session to close),
written in the same transaction as the change that promises it (``queue``), run at least once
by ``runner`` (in each app worker, or ``python -m booking_app.cli worker``), with the kinds
of job in ``handlers``."""
