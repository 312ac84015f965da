"""``/api/dev/mailbox``: the local mailbox's raw messages and attachments, for the
``/dev/mailbox`` page. Mounted only while the local Stripe emulator is in use (a local or
test setup): the mails hold every booking's private link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from booking_app.mail import mailbox

router = APIRouter(prefix="/dev/mailbox", include_in_schema=False)
MessageId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/{message_id}/raw")
def get_raw(message_id: MessageId) -> Response:
    return Response(mailbox.raw(message_id), media_type="message/rfc822",
                    headers={"Content-Disposition": f'attachment; filename="message-{message_id}.eml"'})


@router.get("/{message_id}/attachments/{index}")
def get_attachment(message_id: MessageId, index: Annotated[int, Path(ge=0, le=100)]) -> Response:
    filename, content_type, content = mailbox.attachment(message_id, index)
    safe = "".join(c for c in filename if c.isalnum() or c in "._-") or "attachment"
    return Response(content, media_type=content_type, headers={"Content-Disposition": f'attachment; filename="{safe}"'})
