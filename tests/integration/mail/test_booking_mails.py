"""The booking mails through a real SMTP server (aiosmtpd), on both databases: what each side
receives when a booking is paid, free, cancelled and refunded; the calendar invitation read
back with icalendar; SMTP down for a while; a recipient refused for good; header injection;
and the local mailbox when no SMTP_URL is set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from icalendar import Calendar
from sqlmodel import Session, select

from booking_app.calendar_ics import event_uid
from booking_app.mail import mailbox
from booking_app.models import BookingEvent, Job, JobStatus, MailboxMessage, SessionType
from booking_app.settings import get_settings
from tests.integration.api.conftest import at
from tests.integration.payments.conftest import Shop
from tests.integration.payments.test_refunds_and_late_payment import paid_booking
from tests.support.smtp import SmtpServer

CUSTOMER, BUILDER = "grace@example.com", "ada@example.com"
LATER = timedelta(hours=2)


def invitation(message: EmailMessage) -> Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "invite.ics"
    return Calendar.from_ical(part.get_payload(decode=True))


def event_kinds(shop: Shop, kind: str) -> list[str]:
    with Session(shop.engine) as session:
        return list(session.exec(select(BookingEvent.detail).where(BookingEvent.kind == kind).order_by(BookingEvent.id)))


def test_a_paid_booking_mails_the_customer_an_invitation_and_the_builder_a_notice(shop: Shop, smtp: SmtpServer) -> None:
    booking = paid_booking(shop)
    shop.run_jobs()
    [mail] = smtp.to(CUSTOMER)
    assert mail["Subject"].startswith("Booked: Session with Ada")
    assert mail["From"].addresses[0].addr_spec == "bookings@makerhours.test"
    assert mail["Auto-Submitted"] == "auto-generated" and mail["Message-ID"] and mail["Date"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    manage = f"http://testserver/booking/{booking['token']}/"
    assert manage in text and manage in html
    assert "Europe/Paris" in text and "Europe/London" in text  # the customer's zone and the builder's
    assert "£150.00" in text and "receipt reference pi_" in text
    calendar = invitation(mail)
    event = calendar.walk("VEVENT")[0]
    assert calendar["method"] == "REQUEST" and event["uid"] == event_uid(booking["token"])
    assert event["sequence"] == 0 and event.decoded("dtstart") == datetime.fromisoformat(booking["start"])
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert str(event["attendee"]) == f"mailto:{CUSTOMER}" and event["attendee"].params["CN"] == "Grace Hopper"
    assert str(event["organizer"]) == "mailto:bookings@makerhours.test"
    [notice] = smtp.to(BUILDER)
    assert notice["Subject"].startswith("New booking: Grace Hopper, Session")
    assert CUSTOMER in notice.get_body(("plain",)).get_content()
    assert not list(notice.iter_attachments())
    assert len(event_kinds(shop, "email_sent")) == 2  # on the booking's timeline


def test_a_free_booking_is_confirmed_by_mail_too(shop: Shop, smtp: SmtpServer) -> None:
    shop.book(12, kind=shop.offer.free)
    shop.run_jobs()
    [mail] = smtp.to(CUSTOMER)
    assert "Free" in mail.get_body(("plain",)).get_content() and invitation(mail)["method"] == "REQUEST"
    assert len(smtp.to(BUILDER)) == 1


def test_cancelling_sends_the_cancel_with_the_same_uid_a_higher_sequence_and_the_refund(
        shop: Shop, smtp: SmtpServer) -> None:
    booking = paid_booking(shop)
    shop.run_jobs()
    shop.client.post(f"/api/bookings/{booking['token']}/cancel")
    shop.run_jobs()  # the refund and the cancellation mails
    shop.deliver()
    shop.run_jobs()  # the "refund completed" mail that Stripe's answer promised
    customer = smtp.to(CUSTOMER)
    assert [m["Subject"].split(":")[0] for m in customer] == ["Booked", "Cancelled", "Refund of £150.00 completed"]
    cancelled = customer[1]
    calendar = invitation(cancelled)
    event = calendar.walk("VEVENT")[0]
    assert calendar["method"] == "CANCEL" and event["uid"] == event_uid(booking["token"])
    assert event["sequence"] == 1 and event["status"] == "CANCELLED"
    body = cancelled.get_body(("plain",)).get_content()
    assert "You cancelled" in body and "£150.00 is being refunded" in body
    assert [m["Subject"].split(":")[0] for m in smtp.to(BUILDER)] == ["New booking", "Cancelled"]
    assert "Grace Hopper cancelled" in smtp.to(BUILDER)[1].get_body(("plain",)).get_content()


def test_mails_wait_for_the_smtp_server_and_arrive_once_each(shop: Shop, smtp: SmtpServer) -> None:
    smtp.stop()  # the mail server is down
    paid_booking(shop)
    now = datetime.now(UTC)
    shop.run_jobs(now)
    with Session(shop.engine) as session:
        jobs = session.exec(select(Job).where(Job.kind == "email")).all()
    assert [(j.status, j.attempts) for j in jobs] == [(JobStatus.QUEUED, 1)] * 2
    assert "SMTP server unreachable" in jobs[0].last_error
    smtp.start()  # back
    shop.run_jobs(now + LATER)
    shop.run_jobs(now + 2 * LATER)  # nothing is sent twice
    assert len(smtp.to(CUSTOMER)) == 1 and len(smtp.to(BUILDER)) == 1


def test_a_recipient_refused_for_good_ends_that_mail_only(shop: Shop, smtp: SmtpServer) -> None:
    smtp.refuse(BUILDER)
    paid_booking(shop)
    shop.run_jobs()
    assert len(smtp.to(CUSTOMER)) == 1 and smtp.to(BUILDER) == []
    [failed] = event_kinds(shop, "email_failed")
    assert "to the builder" in failed and "550" in failed
    with Session(shop.engine) as session:
        assert {j.status for j in session.exec(select(Job).where(Job.kind == "email"))} == {JobStatus.SUCCEEDED}


def test_line_breaks_in_names_and_titles_cannot_make_headers(shop: Shop, smtp: SmtpServer) -> None:
    with Session(shop.engine) as session:
        kind = session.get(SessionType, shop.offer.free.id)
        kind.title = "Intro\r\nBcc: victim@example.com\r\nX-Injected: yes"
        session.add(kind)
        session.commit()
    response = shop.client.post("/api/bookings", json=dict(
        session_type_id=shop.offer.free.id, start=at(shop.day, 12),
        name="Eve\r\nBcc: victim@example.com", email=CUSTOMER, timezone="Europe/Paris",
        notes="line one\r\nBcc: victim@example.com"))
    assert response.status_code == 201, response.json()
    shop.run_jobs()
    for received in smtp.received:
        assert received.recipients in ([CUSTOMER], [BUILDER])  # nobody else got anything
        message = received.message
        assert message["Bcc"] is None and message["X-Injected"] is None
        assert "\n" not in message["Subject"] and "\n" not in str(message["To"])


def test_without_smtp_url_mails_go_to_the_local_mailbox(shop: Shop) -> None:
    assert get_settings().smtp is None
    booking = paid_booking(shop)
    shop.run_jobs()
    shop.run_jobs()  # a second run changes nothing
    mails = mailbox.latest()
    assert sorted(m.recipient.split("<")[-1].rstrip(">") for m in mails) == [BUILDER, CUSTOMER]
    [confirmation] = [m for m in mails if CUSTOMER in m.recipient]
    detail = mailbox.detail(confirmation.id)
    assert booking["token"] in detail.text and booking["token"] in detail.html
    assert [a.filename for a in detail.attachments] == ["invite.ics"]
    download = shop.client.get(f"/api/dev/mailbox/{confirmation.id}/attachments/0")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/calendar")
    assert Calendar.from_ical(download.content)["method"] == "REQUEST"
    assert shop.client.get(f"/api/dev/mailbox/{confirmation.id}/attachments/5").status_code == 404
    with Session(shop.engine) as session:
        assert len(session.exec(select(MailboxMessage)).all()) == 2


def _start(booking: dict) -> datetime:
    return datetime.fromisoformat(booking["start"])


def test_reminders_24_h_and_1_h_before_once_each_and_never_for_a_cancelled_booking(
        shop: Shop, smtp: SmtpServer) -> None:
    from booking_app.bookings.notices import promise_due_reminders

    kept, cancelled = paid_booking(shop, 10), paid_booking(shop, 14, email="other@example.com")
    shop.run_jobs()
    sent_before = len(smtp.received)
    start = _start(kept)
    assert promise_due_reminders(now=start - timedelta(hours=25)) == 0  # not yet
    day_before = start - timedelta(hours=23, minutes=58)
    assert promise_due_reminders(now=day_before) == 1  # the 14:00 booking's window opens later
    assert promise_due_reminders(now=day_before) == 0  # promised once
    shop.client.post(f"/api/bookings/{cancelled['token']}/cancel")
    shop.run_jobs(day_before)
    reminders = [m for m in smtp.to(CUSTOMER) if m["Subject"].startswith("Reminder")]
    assert [m["Subject"].split(",")[0] for m in reminders] == ["Reminder: Session with Ada in 24 hours"]
    assert reminders[0]["List-Unsubscribe"] == f"<http://testserver/api/bookings/{kept['token']}/reminders/off>"
    assert reminders[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    hour_before = start - timedelta(minutes=59)
    assert promise_due_reminders(now=hour_before) == 1  # the cancelled one gets none
    assert promise_due_reminders(now=_start(cancelled) - timedelta(minutes=30)) == 0
    shop.run_jobs(hour_before)
    reminders = [m for m in smtp.to(CUSTOMER) if m["Subject"].startswith("Reminder")]
    assert [m["Subject"].split(",")[0].rsplit(" in ", 1)[1] for m in reminders] == ["24 hours", "1 hour"]
    assert not [m for m in smtp.to("other@example.com") if m["Subject"].startswith("Reminder")]
    assert len(smtp.received) - sent_before == 2 + 3  # two reminders; the cancellation to both sides, the refund


def test_no_reminder_for_a_booking_made_inside_its_window_or_turned_off(shop: Shop, smtp: SmtpServer) -> None:
    from booking_app.bookings.notices import promise_due_reminders

    booking = paid_booking(shop)
    with Session(shop.engine) as session:  # as if it had been booked 10 hours before the start
        from booking_app.models import Booking

        row = session.exec(select(Booking).where(Booking.public_token == booking["token"])).one()
        row.confirmed_at = _start(booking) - timedelta(hours=10)
        session.add(row)
        session.commit()
    assert promise_due_reminders(now=_start(booking) - timedelta(hours=20)) == 0  # inside the 24 h window
    page = shop.client.get(f"/api/bookings/{booking['token']}/reminders/off")
    assert page.status_code == 200 and "Stop reminders" in page.text  # a GET changes nothing
    assert promise_due_reminders(now=_start(booking) - timedelta(minutes=50)) == 1  # the 1 h one still comes
    off = shop.client.post(f"/api/bookings/{booking['token']}/reminders/off", content=b"List-Unsubscribe=One-Click")
    assert off.status_code == 200 and off.json() == {"reminders": "off"}
    shop.run_jobs(_start(booking) - timedelta(minutes=50))  # promised before: checked again when sent
    assert not [m for m in smtp.to(CUSTOMER) if m["Subject"].startswith("Reminder")]
    assert "reminders_off" in [k for k in _kinds(shop)]


def _kinds(shop: Shop) -> list[str]:
    with Session(shop.engine) as session:
        return list(session.exec(select(BookingEvent.kind)))


def test_find_my_bookings_mails_the_links_and_answers_the_same_for_anyone(shop: Shop, smtp: SmtpServer) -> None:
    booking = paid_booking(shop)
    free = shop.book(12, kind=shop.offer.free)
    shop.run_jobs()
    before = len(smtp.received)
    for address in (CUSTOMER, "nobody@example.com"):
        response = shop.client.post("/api/bookings/lookup", json={"email": address})
        assert response.status_code == 202
        assert response.json() == {"message": "If we have bookings for that address, we've sent the links. "
                                              "Check your inbox (and spam folder)."}
    shop.run_jobs()
    [links] = smtp.received[before:]  # nothing goes to an address without bookings
    assert links.recipients == [CUSTOMER]
    text = links.message.get_body(("plain",)).get_content()
    assert f"/booking/{booking['token']}/" in text and f"/booking/{free['token']}/" in text
    assert shop.client.post("/api/bookings/lookup", json={"email": "not-an-address"}).status_code == 422
    for _ in range(2):
        assert shop.client.post("/api/bookings/lookup", json={"email": CUSTOMER}).status_code == 202
    assert shop.client.post("/api/bookings/lookup", json={"email": CUSTOMER}).status_code == 429  # 3 an hour


def test_a_late_payment_for_a_taken_time_is_refunded_and_the_mail_says_why(shop: Shop, smtp: SmtpServer) -> None:
    booking = shop.book()
    shop.expire_hold_in_db(booking["token"])
    paid_booking(shop, 10, email="rival@example.com")  # someone else took the time
    shop.choose(booking, "pay")  # the first customer pays late
    shop.deliver()
    shop.run_jobs()
    mails = smtp.to(CUSTOMER)
    assert [m["Subject"] for m in mails] == ["Refund of £150.00 completed"]  # never "Booked"
    assert "after the reservation expired" in mails[0].get_body(("plain",)).get_content()


def test_a_moved_booking_updates_the_invitation_same_uid_higher_sequence(shop: Shop, smtp: SmtpServer) -> None:
    booking = paid_booking(shop, 10)
    shop.run_jobs()
    response = shop.client.post(f"/api/bookings/{booking['token']}/reschedule", json={"start": at(shop.day, 14)})
    assert response.status_code == 200
    shop.run_jobs()
    booked, moved = smtp.to(CUSTOMER)
    assert moved["Subject"].startswith("Moved: Session with Ada, now")
    first, second = invitation(booked).walk("VEVENT")[0], invitation(moved).walk("VEVENT")[0]
    assert invitation(moved)["method"] == "REQUEST" and second["uid"] == first["uid"]
    assert (first["sequence"], second["sequence"]) == (0, 1)
    assert second.decoded("dtstart") == datetime.fromisoformat(at(shop.day, 14))
    assert "was " in moved.get_body(("plain",)).get_content()
    assert smtp.to(BUILDER)[-1]["Subject"].startswith("Moved: Grace Hopper")


def test_the_customers_reason_reaches_the_builder_the_dashboard_and_the_timeline(shop: Shop, smtp: SmtpServer) -> None:
    booking = paid_booking(shop)
    shop.run_jobs()
    response = shop.client.post(f"/api/bookings/{booking['token']}/cancel", json={"reason": "Flight\r\nmoved"})
    assert response.status_code == 200
    assert response.json()["cancellation_reason"] == "Flight moved" and response.json()["cancelled_by"] == "customer"
    shop.run_jobs()
    notice = smtp.to(BUILDER)[-1]
    assert notice["Subject"].startswith("Cancelled: Grace Hopper")
    assert "Their reason: “Flight moved”" in notice.get_body(("plain",)).get_content()
    with Session(shop.engine) as session:
        detail = session.exec(select(BookingEvent.detail).where(BookingEvent.kind == "cancelled")).one()
    assert detail == "Flight moved"
    too_long = shop.client.post(f"/api/bookings/{booking['token']}/cancel", json={"reason": "x" * 501})
    assert too_long.status_code == 422


def test_the_mails_carry_the_location_the_terms_and_the_answers(shop: Shop, smtp: SmtpServer) -> None:
    with Session(shop.engine) as session:
        kind = session.get(SessionType, shop.offer.long.id)
        kind.refund_tiers = [{"hours_before": 48, "percent": 100}, {"hours_before": 24, "percent": 50}]
        kind.location_kind, kind.location_detail = "video", "https://meet.example.com/ada"
        kind.questions = [{"id": "goal", "label": "What should we build?", "kind": "long_text", "required": True,
                           "choices": []}]
        session.add(kind)
        session.commit()
    response = shop.client.post("/api/bookings", json=dict(
        session_type_id=shop.offer.long.id, start=at(shop.day, 10), name="Grace Hopper", email=CUSTOMER,
        timezone="Europe/Paris", answers={"goal": "A compiler,\nthen a booking app"}))
    booking = response.json()
    shop.choose(booking, "pay")
    shop.deliver()
    shop.run_jobs()
    [mail] = smtp.to(CUSTOMER)
    text = mail.get_body(("plain",)).get_content()
    assert "Where: Video call: https://meet.example.com/ada" in text
    assert "Full refund until 48 hours before the start, 50 % until 24 hours before, none after." in text
    event = invitation(mail).walk("VEVENT")[0]
    assert str(event["location"]) == str(event["url"]) == "https://meet.example.com/ada"
    [notice] = smtp.to(BUILDER)
    notice_text = notice.get_body(("plain",)).get_content()
    assert "What should we build?: A compiler," in notice_text and "then a booking app" in notice_text
    assert "Where: Video call: https://meet.example.com/ada" in notice_text
