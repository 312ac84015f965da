"""Issue 19, finding 12, for every page at once: each event handler the app defines validates
its arguments (``@checked``). (Failed before: the developers page's handlers were unchecked,
and ``revoke_key("abc")`` raised inside the handler.)"""

import reflex as rx

import booking_app.booking_app  # noqa: F401 - registers every page and its State


def _states(state: type[rx.State]) -> list[type[rx.State]]:
    found = []
    for sub in state.__subclasses__():
        found += [sub, *_states(sub)]
    return found


def test_every_event_handler_of_the_app_checks_its_arguments() -> None:
    builtin = set(rx.State.event_handlers)
    unchecked = []
    for state in _states(rx.State):
        if not state.__module__.startswith("booking_app."):
            continue
        for name, handler in state.event_handlers.items():
            if name in builtin or name.startswith("set") and not hasattr(state, name):
                continue
            own = any(name in vars(klass) for klass in state.__mro__ if klass.__module__.startswith("booking_app."))
            if own and not getattr(handler.fn, "__checked__", False):
                unchecked.append(f"{state.__name__}.{name}")
    assert unchecked == []
