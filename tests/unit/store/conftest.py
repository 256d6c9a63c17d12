"""Store fixtures: a fresh SQLite file per test, and one private PostgreSQL server per session.

The PostgreSQL server is Debian's ``postgresql`` binaries (``make postgres`` installs them):
``initdb`` into a temporary folder, ``pg_ctl start`` on a free local port, stopped afterwards.
initdb refuses root, so as root the server runs as the ``postgres`` user via ``runuser``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.database import make_engine, upgrade
from store.repository import Store


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin "
                    "(run `make postgres` to install Debian's postgresql package)")
    folder = Path(tempfile.mkdtemp(prefix="desk-pg-"))
    data, port = folder / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        folder.chmod(0o700)
    subprocess.run(_as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", "desk",
                                    "--auth=trust", "-E", "UTF8"]),
                   check=True, capture_output=True)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                                    "-l", str(folder / "log"), "-w", "start"]),
                   check=True, capture_output=True)
    try:
        subprocess.run(_as_server_user([str(bindir / "createdb"), "-h", "127.0.0.1",
                                        "-p", str(port), "-U", "desk", "desk"]),
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://desk@127.0.0.1:{port}/desk"
    finally:
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                                        "-w", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _reset_postgres(url: str) -> None:
    from sqlalchemy import text

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """An empty database: a SQLite file, then the session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.sqlite'}"
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


class FakeClock:
    """A clock the test moves by hand, to cross the undo minute without waiting."""

    def __init__(self) -> None:
        from datetime import UTC, datetime

        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(db_url, clock) -> Iterator[Store]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield Store(engine, clock=clock)
    engine.dispose()
