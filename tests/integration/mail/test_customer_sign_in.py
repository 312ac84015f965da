"""Customers sign in without a password (issue 16, part 1), through the real SMTP server:
the code and the link arrive, work once for 15 minutes, and wrong, reused, expired and
brute-forced codes are refused; asking is rate-limited and reveals nothing about accounts;
customer sessions are not builder sessions and end on the server at sign-out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session, func, select

from booking_app import messages
from booking_app.accounts import customers, sessions
from booking_app.db import write_session
from booking_app.errors import InvalidInput, TooManyRequests
from booking_app.models import Customer, CustomerSession, CustomerSignInCode
from tests.integration.payments.conftest import Shop
from tests.support.smtp import SmtpServer

NOW = datetime.now(UTC).replace(microsecond=0)
GRACE = "grace@example.com"


def mailed(shop: Shop, smtp: SmtpServer, address: str, now: datetime = NOW) -> tuple[str, str, str]:
    """Run the outbox; the (code, link token, next) of the latest mail to ``address``."""
    shop.run_jobs(now)
    mail = smtp.to(address)[-1]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    code = re.search(r"sign-in code: (\d{6})$", mail["Subject"]).group(1)
    assert f"Your sign-in code is {code}" in text and code in html
    link = re.search(r"(http://testserver/account/sign-in/link/\?\S+)", text).group(1)
    assert link.replace("&", "&amp;") in html
    query = parse_qs(urlsplit(link).query)
    return code, query["token"][0], query["next"][0]


def customers_count(shop: Shop) -> int:
    with Session(shop.engine) as session:
        return session.exec(select(func.count()).select_from(Customer)).one()


def test_a_code_by_mail_signs_in_once_and_creates_the_account(shop: Shop, smtp: SmtpServer) -> None:
    assert customers.request_code(" Grace@Example.com ", client_address="203.0.113.5", now=NOW,
                                  next_path="/book/ada/") == GRACE
    code, _link, next_path = mailed(shop, smtp, GRACE)
    assert next_path == "/book/ada/"
    assert customers_count(shop) == 0  # nothing before the code is used
    token = customers.verify_code(GRACE, code, client_address="203.0.113.5", now=NOW + timedelta(minutes=14))
    who = customers.signed_in_customer(token, now=NOW + timedelta(minutes=15))
    assert who.email == GRACE and customers_count(shop) == 1
    with pytest.raises(customers.CodeRefused):  # single use
        customers.verify_code(GRACE, code, client_address="203.0.113.5", now=NOW + timedelta(minutes=14))
    # A second sign-in reuses the account.
    customers.request_code(GRACE, client_address=None, now=NOW + timedelta(minutes=20))
    again, _, _ = mailed(shop, smtp, GRACE, NOW + timedelta(minutes=20))
    token2 = customers.verify_code(GRACE, again, client_address=None, now=NOW + timedelta(minutes=21))
    assert customers.signed_in_customer(token2, now=NOW + timedelta(minutes=21)).customer_id == who.customer_id
    assert customers_count(shop) == 1
    with Session(shop.engine) as session:  # only hashes are stored
        rows = session.exec(select(CustomerSignInCode)).all()
        assert all(code not in (row.code_hash, row.code_salt) for row in rows)
        assert session.exec(select(CustomerSession.token_hash)).all() and token not in str(
            session.exec(select(CustomerSession.token_hash)).all())


def test_the_link_signs_in_once_and_spends_the_code(shop: Shop, smtp: SmtpServer) -> None:
    customers.request_code(GRACE, client_address=None, now=NOW)
    code, link, next_path = mailed(shop, smtp, GRACE)
    assert next_path == "/account/"
    token = customers.verify_link(link, now=NOW + timedelta(minutes=1))
    assert customers.signed_in_customer(token, now=NOW + timedelta(minutes=1)).email == GRACE
    with pytest.raises(customers.CodeRefused, match="expired or was already used"):
        customers.verify_link(link, now=NOW + timedelta(minutes=2))
    with pytest.raises(customers.CodeRefused):  # the code of the same mail is spent too
        customers.verify_code(GRACE, code, client_address=None, now=NOW + timedelta(minutes=2))


def test_expired_codes_and_links_are_refused(shop: Shop, smtp: SmtpServer) -> None:
    customers.request_code(GRACE, client_address=None, now=NOW)
    code, link, _ = mailed(shop, smtp, GRACE)
    later = NOW + customers.CODE_LIFETIME
    with pytest.raises(customers.CodeRefused):
        customers.verify_code(GRACE, code, client_address=None, now=later)
    with pytest.raises(customers.CodeRefused):
        customers.verify_link(link, now=later)
    assert customers_count(shop) == 0


def test_a_wrong_code_or_another_address_is_refused(shop: Shop, smtp: SmtpServer) -> None:
    customers.request_code(GRACE, client_address=None, now=NOW)
    code, _, _ = mailed(shop, smtp, GRACE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in (wrong, "12345", "abcdef", "", "1234567", "١٢٣٤٥٦"):
        with pytest.raises(customers.CodeRefused, match="not right"):
            customers.verify_code(GRACE, attempt, client_address=None, now=NOW)
    with pytest.raises(customers.CodeRefused):  # Grace's code is not Ada's
        customers.verify_code("ada@example.com", code, client_address=None, now=NOW)
    with pytest.raises(customers.CodeRefused):  # a malformed address is just a wrong code
        customers.verify_code("not an address", code, client_address=None, now=NOW)
    with pytest.raises(customers.CodeRefused, match="expired or was already used"):
        customers.verify_link("x" * 43, now=NOW)


def test_five_wrong_codes_kill_the_code_even_for_the_right_guess(shop: Shop, smtp: SmtpServer) -> None:
    customers.request_code(GRACE, client_address=None, now=NOW)
    code, link, _ = mailed(shop, smtp, GRACE)
    wrong = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 6)]
    for guess in wrong:
        with pytest.raises(customers.CodeRefused):
            customers.verify_code(GRACE, guess, client_address=f"198.51.100.{len(guess)}", now=NOW)
    with pytest.raises(customers.CodeRefused):  # the brute force cannot finish: the code is dead
        customers.verify_code(GRACE, code, client_address="192.0.2.1", now=NOW)
    # The link of the same mail still works (it cannot be guessed) — and a new code works.
    assert customers.verify_link(link, now=NOW)


def test_a_client_guessing_across_addresses_is_stopped(shop: Shop, smtp: SmtpServer) -> None:
    for n in range(customers.MAX_FAILURES_PER_CLIENT):
        with pytest.raises(customers.CodeRefused):
            customers.verify_code(f"victim{n}@example.com", "000000", client_address="198.51.100.7", now=NOW)
    with pytest.raises(TooManyRequests, match="Too many wrong codes"):
        customers.verify_code(GRACE, "000000", client_address="198.51.100.7", now=NOW)
    # Others are not affected, and the window passes.
    with pytest.raises(customers.CodeRefused):
        customers.verify_code(GRACE, "000000", client_address="198.51.100.8", now=NOW)
    with pytest.raises(customers.CodeRefused):
        customers.verify_code(GRACE, "000000", client_address="198.51.100.7", now=NOW + customers.WINDOW)


def test_asking_for_codes_is_rate_limited_per_address_and_per_client(shop: Shop, smtp: SmtpServer) -> None:
    for _ in range(customers.REQUESTS_PER_ADDRESS):
        customers.request_code(GRACE, client_address="203.0.113.1", now=NOW)
    with pytest.raises(TooManyRequests) as refused:
        customers.request_code(GRACE, client_address="203.0.113.2", now=NOW)
    assert refused.value.message == messages.CUSTOMER_CODE_LIMIT
    for n in range(customers.REQUESTS_PER_CLIENT - customers.REQUESTS_PER_ADDRESS):
        customers.request_code(f"person{n}@example.com", client_address="203.0.113.1", now=NOW)
    with pytest.raises(TooManyRequests):
        customers.request_code("someone.else@example.com", client_address="203.0.113.1", now=NOW)
    customers.request_code(GRACE, client_address="203.0.113.2", now=NOW + customers.WINDOW)  # the window passed
    with pytest.raises(InvalidInput):
        customers.request_code("not an address", client_address=None, now=NOW)


def test_no_enumeration_an_address_with_an_account_gets_the_same_answer_and_mail(shop: Shop, smtp: SmtpServer) -> None:
    customers.sign_in_verified(GRACE, now=NOW)
    known = customers.request_code(GRACE, client_address=None, now=NOW)
    unknown = customers.request_code("stranger@example.com", client_address=None, now=NOW)
    assert (known, unknown) == (GRACE, "stranger@example.com")
    shop.run_jobs(NOW)
    [to_grace], [to_stranger] = smtp.to(GRACE), smtp.to("stranger@example.com")
    strip = lambda mail: re.sub(r"\d{6}|token=[^&\s\"]+|[\w.]+@example\.com", "", mail.get_body(("plain",)).get_content())  # noqa: E731
    assert strip(to_grace) == strip(to_stranger)


def test_customer_sessions_are_separate_from_builder_sessions_and_end_on_the_server(shop: Shop, smtp: SmtpServer) -> None:
    token = customers.sign_in_verified(GRACE, now=NOW)
    assert sessions.signed_in_builder(token, now=NOW) is None  # a customer token opens no dashboard
    with write_session() as session:
        builder_token = sessions.start_session(session, shop.offer.builder.user_id, NOW)
    assert customers.signed_in_customer(builder_token, now=NOW) is None  # and a builder's opens no account
    assert customers.signed_in_customer(token, now=NOW + timedelta(minutes=119)) is not None  # idle < 2 h
    assert customers.signed_in_customer(token, now=NOW + timedelta(minutes=119 + 121)) is None  # idle 2 h
    fresh = customers.sign_in_verified(GRACE, now=NOW)
    for hour in range(1, 168, 1):  # used every hour: still ends at the absolute limit
        assert customers.signed_in_customer(fresh, now=NOW + timedelta(hours=hour)) is not None
    assert customers.signed_in_customer(fresh, now=NOW + timedelta(hours=168)) is None
    third = customers.sign_in_verified(GRACE, now=NOW)
    customers.sign_out_customer(third)
    assert customers.signed_in_customer(third, now=NOW) is None
    with Session(shop.engine) as session:
        assert session.exec(select(func.count()).select_from(CustomerSession)).one() == 2
    customers.forget_stale_records(now=NOW + timedelta(days=8))
    with Session(shop.engine) as session:
        assert session.exec(select(func.count()).select_from(CustomerSession)).one() == 0


def test_concurrent_guesses_cannot_race_past_five_tries(shop: Shop, smtp: SmtpServer) -> None:
    """Twenty wrong codes at once (from twenty clients): the checks queue (SQLite's write lock,
    PostgreSQL's advisory lock on the address), so exactly five count against the code and the
    rest find it dead — a guesser gets no extra tries by hurrying."""
    from concurrent.futures import ThreadPoolExecutor

    customers.request_code(GRACE, client_address=None, now=NOW)
    code, _, _ = mailed(shop, smtp, GRACE)
    guesses = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 21)]

    def guess(n: int) -> str:
        try:
            customers.verify_code(GRACE, guesses[n], client_address=f"192.0.2.{n}", now=NOW)
        except customers.CodeRefused:
            return "refused"
        return "signed in"

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(guess, range(20)))
    assert answers == ["refused"] * 20
    with Session(shop.engine) as session:
        assert session.exec(select(CustomerSignInCode.failures)).one() == customers.MAX_CODE_FAILURES
    with pytest.raises(customers.CodeRefused):
        customers.verify_code(GRACE, code, client_address="192.0.2.99", now=NOW)
