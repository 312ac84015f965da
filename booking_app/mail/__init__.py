"""E-mail: what the app writes (``compose``, from templates in ``templates/``) and how it goes
out (``transport``: SMTP, or the local mailbox at ``/dev/mailbox`` when no ``SMTP_URL`` is
set). Mails are jobs of the outbox (see ``bookings.notices``); ``sender`` is their handler."""
