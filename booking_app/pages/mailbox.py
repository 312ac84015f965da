"""``/dev/mailbox``: the local mailbox — every mail the app wrote while no ``SMTP_URL`` is set,
newest first, and one opened as its recipient would see it (the HTML part in a sandboxed
frame, the plain text, the attachments to download). Registered only while the local Stripe
emulator is in use, like the test-mode banner that links here."""

from __future__ import annotations

import asyncio

import reflex as rx

from booking_app.components.layout import page_shell
from booking_app.errors import NotFound
from booking_app.mail import mailbox
from booking_app.mail.mailbox import Attachment, MailDetail, MailSummary

ROUTE = "/dev/mailbox"
NO_MAIL = MailDetail(0, "", "", "", "", "", "", [])


class MailboxState(rx.State):
    mails: list[MailSummary] = []
    loaded: bool = False
    open_mail: MailDetail = NO_MAIL
    show_text: bool = False

    @rx.event
    async def load(self):
        self.mails = await asyncio.to_thread(mailbox.latest)
        self.loaded = True
        wanted = self.router.url.query_parameters.get("id", "")
        if wanted.isdigit():
            await self._open(int(wanted))
        elif self.open_mail.id == 0 and self.mails:
            await self._open(self.mails[0].id)

    async def _open(self, message_id: int) -> None:
        try:
            self.open_mail = await asyncio.to_thread(mailbox.detail, message_id)
        except NotFound:
            self.open_mail = NO_MAIL

    @rx.event
    async def open(self, message_id: int):
        await self._open(message_id)

    @rx.event
    def toggle_text(self):
        self.show_text = not self.show_text


def _mail_row(mail: MailSummary) -> rx.Component:
    selected = MailboxState.open_mail.id == mail.id
    return rx.el.li(
        rx.el.button(
            rx.vstack(
                rx.text(mail.subject, weight="medium", size="2", style={"overflowWrap": "anywhere"}),
                rx.text(mail.recipient, size="1", color_scheme="gray", style={"overflowWrap": "anywhere"}),
                rx.text(mail.received, size="1", color_scheme="gray"),
                spacing="0", align="start",
            ),
            on_click=MailboxState.open(mail.id),
            aria_current=rx.cond(selected, "true", "false"),
            style={"all": "unset", "display": "block", "width": "100%", "boxSizing": "border-box",
                   "padding": "10px 12px", "cursor": "pointer", "borderRadius": "8px",
                   "background": rx.cond(selected, rx.color("accent", 3), "transparent")},
            class_name="mailbox-row",
        ),
    )


def _attachment_link(attachment: Attachment) -> rx.Component:
    href = "/api/dev/mailbox/" + MailboxState.open_mail.id.to_string() + "/attachments/" + attachment.index.to_string()
    return rx.el.elements.a(
        rx.button(rx.icon("paperclip", size=14), attachment.filename, variant="soft", size="1"),
        href=href, download=attachment.filename,
    )


def _message() -> rx.Component:
    mail = MailboxState.open_mail
    return rx.card(
        rx.vstack(
            rx.heading(mail.subject, as_="h2", size="4", style={"overflowWrap": "anywhere"}),
            rx.text("From ", mail.sender, size="1", color_scheme="gray", style={"overflowWrap": "anywhere"}),
            rx.text("To ", mail.recipient, size="1", color_scheme="gray", style={"overflowWrap": "anywhere"}),
            rx.text(mail.date, size="1", color_scheme="gray"),
            rx.hstack(
                rx.foreach(mail.attachments, _attachment_link),
                rx.el.elements.a(rx.button(rx.icon("download", size=14), "Raw .eml", variant="ghost", size="1"),
                                 href="/api/dev/mailbox/" + mail.id.to_string() + "/raw"),
                rx.button(rx.cond(MailboxState.show_text, "Show HTML", "Show plain text"), variant="ghost",
                          size="1", on_click=MailboxState.toggle_text),
                wrap="wrap", spacing="2",
            ),
            rx.cond(
                MailboxState.show_text | (mail.html == ""),
                rx.el.pre(mail.text, style={"whiteSpace": "pre-wrap", "overflowWrap": "anywhere", "margin": 0,
                                            "fontSize": "14px"}),
                # A sandboxed frame: the mail's HTML cannot run scripts or reach the page; its
                # links open in a new tab.
                rx.el.iframe(src_doc=mail.html, sandbox="allow-popups allow-popups-to-escape-sandbox",
                             title="The message as HTML", width="100%",
                             style={"border": "0", "minHeight": "560px", "background": "white"}),
            ),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def mailbox_page() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.heading("Local mailbox", as_="h1", size="7"),
            rx.text("Without SMTP_URL, the app's mails land here instead of being sent. Test mode only.",
                    size="2", color_scheme="gray"),
            rx.cond(
                MailboxState.loaded & (MailboxState.mails.length() == 0),
                rx.callout("No mails yet. Book a session and its confirmation shows up here.", icon="inbox"),
            ),
            rx.grid(
                rx.el.ul(rx.foreach(MailboxState.mails, _mail_row), aria_label="Mails, newest first",
                         style={"listStyle": "none", "margin": 0, "padding": 0, "display": "grid", "gap": "2px",
                                "alignContent": "start"}),
                rx.cond(MailboxState.open_mail.id != 0, _message()),
                columns=rx.breakpoints(initial="1", md="280px 1fr"), spacing="4", width="100%",
            ),
            spacing="4", width="100%", padding_top="1.5rem",
        )
    )


def register(app: rx.App) -> None:
    app.add_page(mailbox_page, route=ROUTE, title="Local mailbox", on_load=MailboxState.load)
