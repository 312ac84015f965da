"""The local mailbox, read back: what ``/dev/mailbox`` lists and shows, parsed from the stored
messages with the standard library's ``email`` package (the same bytes SMTP would carry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import message_from_string, policy
from email.message import EmailMessage

import sqlalchemy as sa
from sqlmodel import select

from booking_app.db import read_session
from booking_app.errors import NotFound
from booking_app.models import MailboxMessage


@dataclass(frozen=True)
class MailSummary:
    id: int
    recipient: str
    subject: str
    received: str  # "2 Dec 07:41:05 UTC"


@dataclass(frozen=True)
class Attachment:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class MailDetail:
    id: int
    sender: str
    recipient: str
    subject: str
    date: str
    text: str
    html: str
    attachments: list[Attachment]


def _stamp(moment: datetime) -> str:
    return f"{moment.day} {moment:%b} {moment:%H:%M:%S} UTC"


def latest(limit: int = 100) -> list[MailSummary]:
    with read_session() as session:
        rows = session.exec(select(MailboxMessage.id, MailboxMessage.recipient, MailboxMessage.subject,
                                   MailboxMessage.created_at).order_by(sa.desc(MailboxMessage.id)).limit(limit)).all()
    return [MailSummary(r.id, r.recipient, r.subject, _stamp(r.created_at)) for r in rows]


def _parsed(message_id: int) -> tuple[MailboxMessage, EmailMessage]:
    with read_session() as session:
        row = session.get(MailboxMessage, message_id)
    if row is None:
        raise NotFound("There is no such message in the local mailbox.")
    return row, message_from_string(row.raw, policy=policy.default)


def _attachments(message: EmailMessage) -> list[EmailMessage]:
    return list(message.iter_attachments())


def detail(message_id: int) -> MailDetail:
    row, message = _parsed(message_id)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    attachments = [Attachment(n, part.get_filename() or f"attachment-{n}", part.get_content_type(),
                              len(part.get_payload(decode=True) or b""))
                   for n, part in enumerate(_attachments(message))]
    return MailDetail(row.id, str(message["From"]), str(message["To"]), str(message["Subject"]),
                      str(message["Date"]), text.get_content() if text else "", html.get_content() if html else "",
                      attachments)


def attachment(message_id: int, index: int) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of one attachment."""
    _, message = _parsed(message_id)
    parts = _attachments(message)
    if not 0 <= index < len(parts):
        raise NotFound("This message has no such attachment.")
    part = parts[index]
    return part.get_filename() or f"attachment-{index}", part.get_content_type(), part.get_payload(decode=True) or b""


def raw(message_id: int) -> str:
    return _parsed(message_id)[0].raw
