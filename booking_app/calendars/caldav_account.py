"""A CalDAV account through the ``caldav`` library: its calendars, the events in a time range
(as iCalendar data, expanded by ``parse`` like any feed), and writing or removing one event by
its UID. Every failure is a ``CalendarError`` with a message for the builder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

import caldav
import requests
from caldav.lib import error as dav_error

from booking_app.calendars.fetch import CalendarError, check_url

TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class RemoteCalendar:
    name: str
    url: str


@contextmanager
def account(url: str, username: str, password: str) -> Iterator[caldav.DAVClient]:
    """A client for the account, after the address passed ``check_url``; failures of anything
    done with it inside the block become ``CalendarError``."""
    url = check_url(url)
    try:
        with caldav.DAVClient(url=url, username=username or None, password=password or None,
                              timeout=TIMEOUT_SECONDS) as client:
            yield client
    except CalendarError:
        raise
    except dav_error.AuthorizationError:
        raise CalendarError("The CalDAV server refused the user name or password.") from None
    except dav_error.NotFoundError:
        raise CalendarError("The CalDAV server has no calendars at this address.") from None
    except dav_error.DAVError as exc:
        raise CalendarError(f"The CalDAV server answered with an error ({type(exc).__name__}).") from None
    except requests.Timeout:
        raise CalendarError("The CalDAV server did not answer in time.") from None
    except (requests.RequestException, OSError) as exc:
        raise CalendarError(f"The CalDAV server could not be reached ({type(exc).__name__}).") from None


def calendars(client: caldav.DAVClient) -> list[RemoteCalendar]:
    found = []
    for calendar in client.principal().calendars():
        url = str(calendar.url)
        name = calendar.get_display_name() or urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        found.append(RemoteCalendar(str(name), url))
    return found


def event_data(client: caldav.DAVClient, calendar_urls: list[str], start: datetime, end: datetime) -> Iterator[str]:
    """The iCalendar data of every event overlapping ``[start, end)`` in these calendars
    (recurring ones whole: ``parse`` expands them)."""
    for url in calendar_urls:
        calendar = client.calendar(url=url)
        for event in calendar.search(start=start, end=end, event=True, expand=False):
            yield event.data


# Events are PUT and DELETEd at a resource named after the UID, directly: the library's
# save() raises the SEQUENCE on every write, and the SEQUENCE must be the booking's own.
def _resource(calendar_url: str, uid: str) -> str:
    return calendar_url.rstrip("/") + "/" + quote(uid, safe="") + ".ics"


def put_event(client: caldav.DAVClient, calendar_url: str, uid: str, data: bytes) -> None:
    """Create or replace the event with this UID."""
    response = client.put(_resource(calendar_url, uid), data.decode(), {"Content-Type": "text/calendar; charset=utf-8"})
    if response.status not in (200, 201, 204):
        raise CalendarError(f"The CalDAV server refused the booking's event ({response.status}).")


def delete_event(client: caldav.DAVClient, calendar_url: str, uid: str) -> None:
    """Remove the event with this UID; already gone is fine."""
    response = client.delete(_resource(calendar_url, uid))
    if response.status not in (200, 204, 404):
        raise CalendarError(f"The CalDAV server refused to remove the booking's event ({response.status}).")
