"""``@checked``: a handler's arguments as the browser sent them, validated before it runs."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor

import reflex as rx

from booking_app.state.checked import Id, between, checked, text, uploads


def _run(coroutine):
    """In a thread of its own: in the full suite Playwright's loop runs in the main thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Handlers:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    @checked(booking_id=Id, note=text(5))
    def plain(self, booking_id: int, note: str = ""):
        self.calls.append((booking_id, note))

    @checked(step=between(-1, 1))
    async def coroutine(self, step: int):
        self.calls.append((step,))

    @checked()
    async def generator(self, _form: dict | None = None):
        self.calls.append((_form,))
        yield "done"


def test_valid_arguments_reach_the_handler_positionally_or_by_name() -> None:
    handlers = Handlers()
    handlers.plain(7, "hi")
    handlers.plain(booking_id=8)
    _run(handlers.coroutine(-1))

    async def drain():
        return [item async for item in handlers.generator({"email": "a@b.c"})]
    assert _run(drain()) == ["done"]
    assert handlers.calls == [(7, "hi"), (8, ""), (-1,), ({"email": "a@b.c"},)]


def test_malformed_arguments_are_dropped_before_the_handler_runs(caplog) -> None:
    handlers = Handlers()
    for args, kwargs in [((2**63,), {}), ((0,), {}), (("7",), {}), ((True,), {}), ((7, "too long"), {}),
                         ((), {}), ((7,), {"extra": 1}), ((7, "a", "b"), {}), (([7],), {})]:
        assert handlers.plain(*args, **kwargs) is None
    assert _run(handlers.coroutine(10**12)) is None
    assert handlers.generator("not a dict") is None
    assert handlers.calls == []
    assert caplog.text.count("refused event") == 11


def test_upload_handlers_take_only_upload_files_and_at_most_the_number_given(caplog) -> None:
    class Uploads:
        def __init__(self) -> None:
            self.got: list = []

        @checked(files=uploads(1))
        def upload(self, files: list[rx.UploadFile]):
            self.got.append(len(files))

    handler = Uploads()
    photo = rx.UploadFile(file=io.BytesIO(b"x"))
    handler.upload([photo])
    handler.upload(files=[])
    for refused in ([photo, photo], [{"file": "x"}], ["photo.png"], "photo.png", None):
        assert handler.upload(refused) is None
    assert handler.got == [1, 0]
    assert caplog.text.count("refused event") == 5
