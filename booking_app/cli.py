"""Command line: ``python -m booking_app.cli <command>``.

Commands: ``migrate``, ``seed-demo``, ``create-builder``, ``reset-password``, ``worker``, ``jobs``,
``retry-job``, ``calendar-feed``, ``add-calendar``, ``sync-calendars``, ``create-api-key``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date

from booking_app import migrations
from booking_app.accounts.service import NewBuilder, create_builder, reset_password
from booking_app.db import write_session
from booking_app.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from booking_app.errors import DomainError
from booking_app.settings import get_settings


def _cmd_migrate(_args: argparse.Namespace) -> None:
    migrations.upgrade()
    print("Database is up to date.")


def _cmd_seed_demo(_args: argparse.Namespace) -> None:
    with write_session() as session:
        report = seed_demo(session, today=date.today())
    if report.builder_created or report.session_types_created:
        print(f"Demo data created: builder 'demo', session types {', '.join(report.session_types_created)}.")
    else:
        print("Demo data already present; nothing changed.")
    url = get_settings().app_url
    print(f"  Session types: {url}/api/builders/demo/session-types")
    print(f"  Builder login: e-mail {DEMO_EMAIL}  password {DEMO_PASSWORD}")
    print("  (If you changed the demo password, reset it with: python -m booking_app.cli reset-password)")


def _read_password(prompt: str) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(prompt)
    if first != getpass.getpass("Repeat the password: "):
        raise SystemExit("The passwords did not match.")
    return first


def _cmd_create_builder(args: argparse.Namespace) -> None:
    password = _read_password("Password for the new builder: ")
    with write_session() as session:
        builder = create_builder(
            session,
            NewBuilder(
                email=args.email,
                password=password,
                slug=args.slug,
                display_name=args.name,
                timezone=args.timezone,
                headline=args.headline,
            ),
        )
    print(f"Builder created: {get_settings().app_url}/book/{builder.slug}")


def _cmd_reset_password(args: argparse.Namespace) -> None:
    password = _read_password(f"New password for {args.email}: ")
    with write_session() as session:
        ended = reset_password(session, args.email, password)
    print(f"Password changed; {ended} signed-in session{'' if ended == 1 else 's'} ended.")


def _cmd_worker(args: argparse.Namespace) -> None:
    import asyncio
    import logging

    from booking_app.jobs.runner import JobRunner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runner = JobRunner()
    if args.once:
        print(f"Ran {runner.run_until_idle()} job(s).")
        return
    print(f"Job worker {runner.worker} running; stop with Ctrl+C.", flush=True)
    try:
        asyncio.run(runner.run_forever())
    except KeyboardInterrupt:
        pass


def _cmd_jobs(args: argparse.Namespace) -> None:
    from sqlmodel import select

    from booking_app.db import read_session
    from booking_app.models import Job, JobStatus

    with read_session() as session:
        query = select(Job).order_by(Job.id.desc()).limit(args.limit)
        if args.status != "all":
            query = query.where(Job.status == JobStatus(args.status))
        jobs = session.exec(query).all()
    if not jobs:
        print("No jobs.")
    for job in jobs:
        error = f"  last error: {job.last_error}" if job.last_error else ""
        print(f"#{job.id} {job.kind} [{job.status}] booking={job.booking_id} attempts={job.attempts}/"
              f"{job.max_attempts} run_at={job.run_at:%Y-%m-%d %H:%M:%S} UTC{error}")


def _cmd_retry_job(args: argparse.Namespace) -> None:
    from datetime import UTC, datetime

    from booking_app.jobs.queue import retry_dead

    if not retry_dead(args.job_id, now=datetime.now(UTC)):
        raise SystemExit(f"Job {args.job_id} is not dead (only dead jobs can be retried).")
    print(f"Job {args.job_id} queued again.")


def _cmd_calendar_feed(args: argparse.Namespace) -> None:
    from booking_app.calendars.feed import feed_address_of

    print(feed_address_of(args.slug))


def _builder_user(slug: str) -> int:
    from sqlmodel import select

    from booking_app.db import read_session
    from booking_app.models import Builder

    with read_session() as session:
        builder = session.exec(select(Builder).where(Builder.slug == slug)).first()
    if builder is None:
        raise SystemExit(f"No builder with the slug {slug!r}.")
    return builder.user_id


def _cmd_add_calendar(args: argparse.Namespace) -> None:
    from datetime import UTC, datetime

    from booking_app.calendars import connections

    actor, now = _builder_user(args.slug), datetime.now(UTC)
    if args.ics_url:
        view = connections.add_ics(actor, name=args.name or "Calendar", url=args.ics_url, now=now)
    else:
        password = _read_password(f"Password for {args.username} at {args.caldav_url}: ")
        view = connections.add_caldav(actor, name=args.name or "CalDAV", url=args.caldav_url,
                                      username=args.username, password=password, write_to=args.write_to, now=now)
    print(f"Calendar #{view.id} “{view.name}” ({view.display_url}) added; its first sync is queued "
          "(or run: python -m booking_app.cli sync-calendars).")


def _cmd_sync_calendars(args: argparse.Namespace) -> None:
    from datetime import UTC, datetime

    from booking_app.calendars import connections

    count = connections.sync_builder(args.slug, now=datetime.now(UTC))
    print(f"Synced {count} calendar connection(s).")


def _cmd_create_api_key(args: argparse.Namespace) -> None:
    from datetime import UTC, datetime

    from booking_app.integrations.api_keys import create_key_for_slug

    made = create_key_for_slug(args.builder_slug, args.name, now=datetime.now(UTC))
    print(made.secret)
    print(f"API key {made.key.name!r} created for builder {args.builder_slug!r}. It is shown only this once; "
          "use it as 'Authorization: Bearer <key>'.", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m booking_app.cli", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations (alembic upgrade head)").set_defaults(
        handler=_cmd_migrate
    )
    commands.add_parser("seed-demo", help="create the demo builder and their sessions (idempotent)").set_defaults(
        handler=_cmd_seed_demo
    )
    create = commands.add_parser("create-builder", help="create a builder account (password read from stdin)")
    create.add_argument("--email", required=True)
    create.add_argument("--slug", required=True, help="booking page address: /book/<slug>")
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--timezone", required=True, help="IANA zone, e.g. Europe/London")
    create.add_argument("--headline", default="", help="one line shown on the home page")
    create.set_defaults(handler=_cmd_create_builder)
    reset = commands.add_parser("reset-password", help="set a new password (read from stdin)")
    reset.add_argument("email")
    reset.set_defaults(handler=_cmd_reset_password)
    worker = commands.add_parser("worker", help="run the job runner (refunds, closing checkouts, expiring holds)")
    worker.add_argument("--once", action="store_true", help="run the jobs due now, then exit")
    worker.set_defaults(handler=_cmd_worker)
    jobs = commands.add_parser("jobs", help="list recent jobs (dead ones need a person)")
    jobs.add_argument("--status", choices=["all", "queued", "running", "succeeded", "dead"], default="all")
    jobs.add_argument("--limit", type=int, default=50)
    jobs.set_defaults(handler=_cmd_jobs)
    retry = commands.add_parser("retry-job", help="queue a dead job again with fresh attempts")
    retry.add_argument("job_id", type=int)
    retry.set_defaults(handler=_cmd_retry_job)
    feed = commands.add_parser("calendar-feed", help="print the secret address of a builder's bookings feed")
    feed.add_argument("slug")
    feed.set_defaults(handler=_cmd_calendar_feed)
    add = commands.add_parser("add-calendar", help="connect a calendar whose events block a builder's times")
    add.add_argument("slug")
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument("--ics-url", help="an iCalendar subscription address")
    source.add_argument("--caldav-url", help="a CalDAV server address (password read from stdin or a prompt)")
    add.add_argument("--username", default="", help="CalDAV user name")
    add.add_argument("--write-to", default="", help="CalDAV: the calendar (by name) to write bookings into")
    add.add_argument("--name", default="", help="a name for the connection")
    add.set_defaults(handler=_cmd_add_calendar)
    sync_all = commands.add_parser("sync-calendars", help="read every connected calendar now (of one builder)")
    sync_all.add_argument("slug", nargs="?")
    sync_all.set_defaults(handler=_cmd_sync_calendars)
    api_key = commands.add_parser("create-api-key", help="make a builder API key and print it (shown once)")
    api_key.add_argument("builder_slug", help="the builder's slug (/book/<slug>)")
    api_key.add_argument("--name", required=True, help="what the key is for, e.g. 'CRM sync'")
    api_key.set_defaults(handler=_cmd_create_api_key)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except DomainError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
