"""A local production-shaped deployment: PostgreSQL for data, Redis for Reflex state, several
granian workers behind one port (``python -m booking_app.serve``), the Stripe emulator.

    python -m benchmarks.deployment --workers 2 --port 3000     # runs until Ctrl-C

Each start uses a fresh PostgreSQL database (``--database``, dropped and created again, then
migrated and seeded with the demo builder) and flushes its Redis database, so runs do not see
each other's state. The load test and the fault runs use ``local_deployment`` directly.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

from booking_app.settings import PROJECT_ROOT
from tests.e2e.app_server import free_port, wait_until_up

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/3"  # a database of its own, flushed at each start


def _recreate_database(name: str) -> str:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


@dataclass
class Deployment:
    url: str
    database_url: str
    log_path: Path
    env: dict[str, str]
    port: int
    process: subprocess.Popen | None = None
    started: list[float] = field(default_factory=list)

    def start(self) -> None:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "booking_app.serve", "--frontend-port", str(self.port),
                 "--backend-port", str(self.port)],
                cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_until_up(self.url, self.process, self.log_path)
        self.started.append(time.monotonic())

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        """Stop the whole app and start it again (what a deploy or a host reboot does)."""
        self.stop()
        self.start()

    def worker_pids(self) -> list[int]:
        """The granian workers: the children of the supervisor process."""
        if self.process is None:
            return []
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in found.stdout.split()]

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker, in MB (from /proc)."""
        sizes = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue  # exited between listing and reading
            kilobytes = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            sizes.append(kilobytes / 1024)
        return sizes

    def kill_worker(self) -> int:
        """SIGKILL one worker (as the OOM killer would); granian starts a new one."""
        victim = self.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        return victim


@contextmanager
def local_deployment(*, workers: int = 2, port: int | None = None, database: str = "makerhours_local",
                     extra_env: dict[str, str] | None = None) -> Iterator[Deployment]:
    database_url = _recreate_database(database)
    redis.Redis.from_url(REDIS_URL).flushdb()
    port = port or free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REFLEX_REDIS_URL": REDIS_URL,
        "GRANIAN_WORKERS": str(workers),
        "APP_URL": f"http://localhost:{port}",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        # Load tests book from one client address; real deployments keep the default limit.
        "MAX_ACTIVE_HOLDS": "100",
        "MAX_FREE_BOOKINGS_PER_DAY": "100",
        "MAX_FREE_BOOKINGS_PER_CLIENT_PER_DAY": "1000",
        **(extra_env or {}),
    }
    env.pop("STRIPE_SECRET_KEY", None)
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run([sys.executable, "-m", "booking_app.cli", *command], cwd=PROJECT_ROOT, env=env, check=True,
                       capture_output=True)
    log_path = Path(tempfile.mkdtemp(prefix="deployment-")) / "server.log"
    deployment = Deployment(url=f"http://localhost:{port}", database_url=database_url, log_path=log_path, env=env,
                            port=port)
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


def services_answer() -> bool:
    """Whether PostgreSQL and Redis answer on 127.0.0.1."""
    try:
        with psycopg.connect(POSTGRES_ADMIN, connect_timeout=3):
            pass
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except (psycopg.Error, redis.RedisError):
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check-services", action="store_true",
                        help="only say (by the exit status) whether PostgreSQL and Redis answer")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--database", default="makerhours_local")
    args = parser.parse_args()
    if args.check_services:
        sys.exit(0 if services_answer() else 1)
    with local_deployment(workers=args.workers, port=args.port, database=args.database) as deployment:
        print(f"{args.workers} workers at {deployment.url} on {deployment.database_url} + {REDIS_URL}; "
              f"log: {deployment.log_path}. Ctrl-C stops.", flush=True)
        try:
            while deployment.process and deployment.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
