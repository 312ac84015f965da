"""How a mail goes out: through the SMTP server of ``SMTP_URL``, or into the local mailbox (a
table shown at ``/dev/mailbox``) when none is set — so a newcomer sees the mails without a
mail server, and nothing is ever lost for want of one.

Failures are sorted for the job runner: ``MailRefused`` when the server refused for good
(5xx: a bounce, an unknown recipient) — retrying cannot help, the job ends and the timeline
says so; anything else (4xx, refused connection, timeout, TLS trouble) raises
``RetryLater`` and the job tries again later.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from booking_app.db import write_connection
from booking_app.jobs.queue import RetryLater
from booking_app.models import MailboxMessage
from booking_app.settings import SmtpServer, get_settings
from booking_app.models.types import utcnow

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 30.0


class MailRefused(Exception):
    """The mail server refused this mail for good (a 5xx answer)."""


def deliver(message: EmailMessage, *, booking_id: int | None) -> str:
    """Send ``message``; returns where it went ("smtp" or "mailbox")."""
    server = get_settings().smtp
    if server is None:
        _into_mailbox(message, booking_id)
        return "mailbox"
    _send_smtp(server, message)
    return "smtp"


def _into_mailbox(message: EmailMessage, booking_id: int | None) -> None:
    table = MailboxMessage.__table__
    with write_connection() as connection:
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        connection.execute(insert(table).values(
            message_id=str(message["Message-ID"]), recipient=str(message["To"])[:320],
            subject=str(message["Subject"])[:500], booking_id=booking_id, raw=message.as_string(),
            created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=[table.c.message_id]))  # a resend is stored once


def _send_smtp(server: SmtpServer, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    try:
        if server.implicit_tls:
            client = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        with client:
            if server.starttls:
                client.starttls(context=context)
            if server.username:
                client.login(server.username, server.password or "")
            refused = client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        _refused_or_retry(exc.recipients)
        raise AssertionError("unreachable") from exc
    except smtplib.SMTPAuthenticationError as exc:  # a setting to fix: keep the mail until it is
        raise RetryLater(f"SMTP login refused ({exc.smtp_code}); check SMTP_URL") from exc
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            raise MailRefused(f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
        raise RetryLater(f"SMTP answered {exc.smtp_code} {_text(exc.smtp_error)}") from exc
    except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timeout, TLS
        raise RetryLater(f"SMTP server unreachable: {exc!r}") from exc
    if refused:  # one recipient per mail: a partial refusal cannot happen, but never ignore it
        _refused_or_retry(refused)


def _refused_or_retry(recipients: dict) -> None:
    code, text = next(iter(recipients.values()))
    if code >= 500:
        raise MailRefused(f"{code} {_text(text)}")
    raise RetryLater(f"recipient deferred: {code} {_text(text)}")


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
