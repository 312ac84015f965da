"""``/dev/mailbox``: the local mailbox — every mail the app wrote while no ``SMTP_URL`` is set,
newest first, and one opened as its recipient would see it (the HTML part in a sandboxed
frame, the plain text, the attachments to download). Registered only while the local Stripe
emulator is in use, like the test-mode banner that links here.

The list keeps itself up to date for a few minutes after the page opens (mails are sent by
the job runner a second or two after what caused them), then the Refresh button does it."""

from __future__ import annotations

import asyncio
import re

import reflex as rx

from booking_app.components.layout import page_shell
from booking_app.errors import NotFound
from booking_app.mail import mailbox
from booking_app.mail.mailbox import Attachment, MailDetail, MailSummary
from booking_app.state.checked import Id, checked

ROUTE = "/dev/mailbox"
NO_MAIL = MailDetail(0, "", "", "", "", "", "", [])
WATCH_SECONDS = 2
WATCH_LIMIT = 90  # three minutes of live updates after the page opens
SUBJECT_ID = "mail-subject"
FRAME_ID = "mail-frame"
# The frame grows to the mail's height, so the page has one scroll bar (a phone especially).
# It can read its document because the sandbox allows the same origin; it runs no script.
_FIT_FRAME = rx.Var(
    "(event) => { const frame = event.currentTarget; const doc = frame.contentDocument;"
    " if (doc && doc.documentElement) { frame.style.height = (doc.documentElement.scrollHeight + 2) + 'px'; } }"
)
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


def frame_html(html: str) -> str:
    """The mail's HTML for the sandboxed frame: its links open in a new tab (inside the frame
    they would load the app with no script allowed to run, a blank page)."""
    if not html:
        return ""
    base = '<base target="_blank">'
    match = _HEAD.search(html)
    return html[:match.end()] + base + html[match.end():] if match else base + html


class MailboxState(rx.State):
    mails: list[MailSummary] = []
    loaded: bool = False
    open_mail: MailDetail = NO_MAIL
    open_html: str = ""
    show_text: bool = False
    _watching: bool = False

    @rx.event
    @checked()
    async def load(self):
        await self._refresh()
        wanted = self.router.url.query_parameters.get("id", "")
        if wanted.isdigit():
            await self._open(int(wanted))
        if not self._watching:
            return MailboxState.watch

    async def _refresh(self) -> None:
        self.mails = await asyncio.to_thread(mailbox.latest)
        self.loaded = True
        if self.open_mail.id == 0 and self.mails:
            await self._open(self.mails[0].id)

    async def _open(self, message_id: int) -> None:
        try:
            self.open_mail = await asyncio.to_thread(mailbox.detail, message_id)
        except NotFound:
            self.open_mail = NO_MAIL
        self.open_html = frame_html(self.open_mail.html)

    @rx.event
    @checked()
    async def refresh(self):
        await self._refresh()

    @rx.event(background=True)
    @checked()
    async def watch(self):
        """New mails show up by themselves for a while after the page opens."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            for _ in range(WATCH_LIMIT):
                await asyncio.sleep(WATCH_SECONDS)
                latest = await asyncio.to_thread(mailbox.latest)
                async with self:
                    if [m.id for m in latest] != [m.id for m in self.mails]:
                        self.mails = latest
                        if self.open_mail.id == 0 and latest:
                            await self._open(latest[0].id)
        finally:
            async with self:
                self._watching = False

    @rx.event
    @checked(message_id=Id)
    async def open(self, message_id: int):
        await self._open(message_id)
        # Take the focus (and the eye, on a phone where the message is below the list) to it.
        return rx.call_script(f"setTimeout(() => document.getElementById('{SUBJECT_ID}')?.focus(), 0)")

    @rx.event
    @checked()
    def toggle_text(self):
        self.show_text = not self.show_text


def _line(text, **props) -> rx.Component:
    return rx.text(text, as_="span", display="block", style={"overflowWrap": "anywhere"}, **props)


def _mail_row(mail: MailSummary) -> rx.Component:
    selected = MailboxState.open_mail.id == mail.id
    return rx.el.li(
        rx.el.button(
            _line(mail.subject, weight="medium", size="2"),
            _line(mail.recipient, size="1", color_scheme="gray"),
            _line(mail.received, size="1", color_scheme="gray"),
            on_click=MailboxState.open(mail.id),
            aria_current=rx.cond(selected, "true", "false"),
            type="button",
            style={"all": "unset", "display": "block", "width": "100%", "boxSizing": "border-box",
                   "padding": "10px 12px", "cursor": "pointer", "borderRadius": "8px",
                   "background": rx.cond(selected, rx.color("accent", 3), "transparent"),
                   "&:hover:not([aria-current='true'])": {"background": rx.color("gray", 3)},
                   "&:focus-visible": {"outline": f"2px solid {rx.color('accent', 8)}", "outlineOffset": "-2px"}},
            class_name="mailbox-row",
        ),
    )


def _attachment_link(attachment: Attachment) -> rx.Component:
    href = "/api/dev/mailbox/" + MailboxState.open_mail.id.to_string() + "/attachments/" + attachment.index.to_string()
    return rx.button(
        rx.el.elements.a(rx.icon("paperclip", size=14), attachment.filename, href=href, download=attachment.filename),
        as_child=True, variant="soft", size="2",
    )


def _message() -> rx.Component:
    mail = MailboxState.open_mail
    return rx.card(
        rx.vstack(
            rx.heading(mail.subject, as_="h2", size="4", id=SUBJECT_ID, tab_index=-1,
                       style={"overflowWrap": "anywhere", "borderRadius": "4px",
                              "&:focus-visible": {"outline": f"2px solid {rx.color('accent', 8)}",
                                                  "outlineOffset": "2px"}}),
            rx.text("From ", mail.sender, size="1", color_scheme="gray", style={"overflowWrap": "anywhere"}),
            rx.text("To ", mail.recipient, size="1", color_scheme="gray", style={"overflowWrap": "anywhere"}),
            rx.text(mail.date, size="1", color_scheme="gray"),
            rx.flex(
                rx.foreach(mail.attachments, _attachment_link),
                rx.button(
                    rx.el.elements.a(rx.icon("download", size=14), "Raw .eml",
                                     href="/api/dev/mailbox/" + mail.id.to_string() + "/raw",
                                     download="message-" + mail.id.to_string() + ".eml"),
                    as_child=True, variant="soft", color_scheme="gray", size="2",
                ),
                rx.button(rx.cond(MailboxState.show_text, "Show HTML", "Show plain text"), variant="soft",
                          color_scheme="gray", size="2", on_click=MailboxState.toggle_text),
                wrap="wrap", spacing="2", padding_y="0.25rem",
            ),
            rx.cond(
                MailboxState.show_text | (mail.html == ""),
                rx.el.pre(mail.text, style={"whiteSpace": "pre-wrap", "overflowWrap": "anywhere", "margin": 0,
                                            "fontSize": "14px"}),
                # A sandboxed frame: the mail's HTML runs no script and cannot submit forms or
                # navigate the page; its links open in a new tab (the <base> of frame_html).
                rx.el.iframe(src_doc=MailboxState.open_html, id=FRAME_ID,
                             sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox",
                             title="The message as HTML", width="100%",
                             custom_attrs={"onLoad": _FIT_FRAME},
                             style={"border": "0", "display": "block", "minHeight": "480px",
                                    "background": "white", "borderRadius": "8px"}),
            ),
            spacing="2", width="100%",
        ),
        width="100%", min_width="0",
    )


def mailbox_page() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.flex(
                rx.heading("Local mailbox", as_="h1", size="7"),
                rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", color_scheme="gray",
                          size="2", on_click=MailboxState.refresh),
                justify="between", align="center", spacing="3", wrap="wrap", width="100%",
            ),
            rx.text("Without SMTP_URL, the app's mails land here instead of being sent. Test mode only.",
                    size="2", color_scheme="gray"),
            rx.cond(
                MailboxState.loaded & (MailboxState.mails.length() == 0),
                rx.callout("No mails yet. Book a session and its confirmation shows up here.", icon="inbox",
                           width="100%"),
            ),
            rx.grid(
                rx.el.ul(rx.foreach(MailboxState.mails, _mail_row), aria_label="Mails, newest first",
                         style={"listStyle": "none", "margin": 0, "padding": 0, "display": "grid", "gap": "2px",
                                "alignContent": "start", "minWidth": 0}),
                rx.cond(MailboxState.open_mail.id != 0, _message()),
                columns=rx.breakpoints(initial="1", md="280px minmax(0, 1fr)"), spacing="4", width="100%",
            ),
            spacing="4", width="100%", padding_top="1.5rem",
        )
    )


def register(app: rx.App) -> None:
    app.add_page(mailbox_page, route=ROUTE, title="Local mailbox", on_load=MailboxState.load)
