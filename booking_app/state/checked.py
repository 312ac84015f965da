"""What the browser sends is checked before any handler runs.

Every argument of a Reflex event handler comes from the websocket, and anyone can send any
event with any payload (Reflex passes it on unchecked: a list where an ``int`` is annotated, a
``booking_id`` of 2**63, extra or missing arguments). ``@checked`` validates a handler's
arguments with pydantic against its annotations (strictly: no coercion) and the limits given
by name, e.g. ``@checked(booking_id=Id, search=text(100))``; a malformed event is logged and
dropped without touching the state. Handlers still check what only they can know (that an
index exists in the current list, that a date is offered).

Use it under ``@rx.event``::

    @rx.event
    @checked(booking_id=Id)
    async def open_detail(self, booking_id: int): ...

Upload handlers (``rx.upload(on_drop=State.handler)``) receive the uploaded files, which
Reflex builds on the server from the multipart request; declare them with ``uploads(n)``
(a list of at most ``n`` ``rx.UploadFile``; nothing else gets through)::

    @rx.event
    @checked(files=uploads(1))
    async def upload_photo(self, files: list[rx.UploadFile]): ...

Helpers that the browser must not call are not event handlers: in a State class they start
with an underscore (Reflex turns every public method into an event handler).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, get_type_hints

from pydantic import ConfigDict, Field, InstanceOf, ValidationError, create_model

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

# A database id (PostgreSQL's and SQLite's integer keys fit; 2**63 does not).
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
# Free text typed into a field: generous (the services say what is too long, with a message),
# but bounded, so nobody parks megabytes in a tab's state.
TEXT_LIMIT = 10_000


def text(max_length: int = TEXT_LIMIT) -> Any:
    return Annotated[str, Field(max_length=max_length)]


def between(low: int, high: int) -> Any:
    return Annotated[int, Field(ge=low, le=high)]


def uploads(max_files: int = 1) -> Any:
    """The files of an upload handler: up to ``max_files`` ``rx.UploadFile`` objects."""
    from reflex_components_core.core._upload import UploadFile  # what rx.UploadFile is

    return Annotated[list[InstanceOf[UploadFile]], Field(max_length=max_files)]


def checked(**limits: Any) -> Callable[[F], F]:
    """Validate the handler's arguments (annotations, plus ``limits`` by argument name)."""

    def decorate(handler: F) -> F:
        hints = get_type_hints(handler)
        parameters = [p for p in inspect.signature(handler).parameters.values() if p.name != "self"]
        unknown = set(limits) - {p.name for p in parameters}
        if unknown:
            raise TypeError(f"{handler.__qualname__} has no argument {sorted(unknown)}")
        fields = {}
        # Fields named by position, the argument's name as alias: pydantic takes names with a
        # leading underscore for private attributes, and handlers have such arguments (``_form``).
        for position, parameter in enumerate(parameters):
            annotation = limits.get(parameter.name)
            if annotation is None:
                annotation = hints.get(parameter.name, Any)
                if annotation is str:
                    annotation = text()
            default = ... if parameter.default is inspect.Parameter.empty else parameter.default
            fields[f"argument_{position}"] = (Annotated[annotation, Field(alias=parameter.name)], default)
        model = create_model(f"{handler.__qualname__.replace('.', '_')}_arguments",
                             __config__=ConfigDict(strict=True, extra="forbid"), **fields)
        names = [parameter.name for parameter in parameters]

        def arguments(args: tuple, kwargs: dict) -> dict[str, Any] | None:
            given = dict(zip(names, args, strict=False)) | kwargs
            if len(args) > len(names):
                log.warning("refused event %s: %d arguments for %d", handler.__qualname__, len(args), len(names))
                return None
            try:
                valid = model.model_validate(given)
            except ValidationError as exc:
                problem = exc.errors()[0]
                where = ".".join(str(part) for part in problem["loc"]) or "arguments"
                log.warning("refused event %s: %s: %s", handler.__qualname__, where, problem["msg"])
                return None
            return {name: getattr(valid, f"argument_{position}") for position, name in enumerate(names)}

        if inspect.iscoroutinefunction(handler):
            @functools.wraps(handler)
            async def run_async(self, *args: Any, **kwargs: Any) -> Any:
                clean = arguments(args, kwargs)
                return None if clean is None else await handler(self, **clean)

            run_async.__checked__ = True  # type: ignore[attr-defined]
            return run_async  # type: ignore[return-value]

        # Plain functions and (async) generator functions: their result is returned as it is,
        # and Reflex iterates a generator it gets back.
        @functools.wraps(handler)
        def run(self, *args: Any, **kwargs: Any) -> Any:
            clean = arguments(args, kwargs)
            return None if clean is None else handler(self, **clean)

        run.__checked__ = True  # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return decorate
