"""Production entry point: ``reflex run --env prod`` whose granian workers are restarted when
one dies.

    python -m booking_app.serve --port 3000        # same options as `reflex run`

Reflex 0.10.1 starts granian without ``respawn_failed_workers``, so the exit of one worker
(killed by the OOM killer, a segfault in a C extension, ``kill -9``) stops the whole app and
every other worker's customers with it. Granian can restart the failed worker instead; Reflex
has no setting for it, so this wraps granian's server class before Reflex's CLI creates it.
Everything else is exactly ``reflex run --env prod``.
"""

from __future__ import annotations

import sys

import granian.server


class _RespawningServer(granian.server.Server):  # type: ignore[misc, valid-type]
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("respawn_failed_workers", True)
        super().__init__(*args, **kwargs)


def main(argv: list[str]) -> None:
    granian.server.Server = _RespawningServer  # read by reflex.utils.exec when it starts the backend
    from reflex.reflex import cli

    cli(["run", "--env", "prod", *argv], prog_name="reflex")


if __name__ == "__main__":
    main(sys.argv[1:])
