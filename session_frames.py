"""The server-side cache of parsed uploads, with keys bound to the browser session.

Each workspace (app.py's session ``dcc.Store``) carries a random session secret, made server
side with :mod:`secrets` at its first upload. A frame is stored under
``<kind>:HMAC-SHA256(secret, sha256 of the bytes)`` together with that SHA-256, and is read
back only with the secret that made its key: the same file loaded by two sessions gets two
keys, re-loading it in one session reuses its entry, and a key copied into another session
reads as missing. With login on, the secret in use is ``HMAC-SHA256(secret, user name)``: a workspace
copied from one user's browser into another user's session reads nothing either. A background job
runs as the user who started it (:func:`as_user`, set by ``components.jobs``). The cache is a diskcache folder (``PORTFOLIO_DESK_CACHE``, shared by path
between gunicorn workers and diskcache job processes) or Redis when ``REDIS_URL`` is set.

A cache that fails (its folder unwritable, deleted or full; Redis down) raises
:class:`~finance_core.errors.DataError` with code ``cache_unavailable`` and a message saying
what to do, never an ``OSError`` or a database error: pages show it as any other refused input.
A deleted folder is made again at the next write, and Redis clients reconnect by themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

import pandas as pd

from finance_core.errors import DataError
from store.identity import current_owner

__all__ = ["FrameStore", "frame_store", "cache_dir", "cache_errors", "SESSION", "with_session", "session_secret",
           "session_user", "as_user"]


def cache_dir() -> Path:
    """Folder for server-side caches (``PORTFOLIO_DESK_CACHE``, default ``./.cache``)."""
    return Path(os.environ.get("PORTFOLIO_DESK_CACHE", ".cache")).resolve()


def cache_errors() -> tuple[type[BaseException], ...]:
    """What a failing cache raises: file-system and SQLite errors (diskcache), and Redis's own errors."""
    try:
        from redis import RedisError
    except ImportError:  # pragma: no cover - redis is a requirement
        return OSError, sqlite3.Error
    return OSError, sqlite3.Error, RedisError


def _unavailable(where: str, action: str, err: BaseException) -> DataError:
    return DataError(
        f"The server could not {action} ({where}: {type(err).__name__}: {err}). Nothing was changed. "
        "Try again in a minute; if it keeps failing, ask whoever runs the desk to check that the cache "
        "(PORTFOLIO_DESK_CACHE, or REDIS_URL) is reachable, writable and not full.",
        code="cache_unavailable",
    )


class FrameStore:
    """Parsed uploads keyed by ``<kind>:<digest>``, each stored with the SHA-256 of its bytes.

    Without a ``secret`` the digest is that SHA-256 (content-addressed results such as the tax
    replay's lots). With a session secret it is ``HMAC-SHA256(secret, sha256)``: the same file
    loaded in two sessions has two keys, and :meth:`get` answers a key only to the session whose
    secret made it (a key copied into another session reads as missing).
    """

    ttl_seconds = 7 * 24 * 3600

    def __init__(self, directory: Path | None = None, redis_url: str | None = None):
        self.redis_url = redis_url
        self.directory = (directory or cache_dir()) / "frames"
        self._disk = None
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=10, socket_connect_timeout=5,
                                               health_check_interval=30)

    @property
    def where(self) -> str:
        return "Redis" if self._redis is not None else f"cache folder {self.directory}"

    def _cache(self):
        """The diskcache, opened on first use and opened again (the folder made again) if it was deleted."""
        import diskcache

        if self._disk is not None and not self.directory.is_dir():
            self._disk.close()
            self._disk = None
        if self._disk is None:
            self._disk = diskcache.Cache(str(self.directory), size_limit=2**30)
        return self._disk

    @staticmethod
    def key_for(kind: str, raw: bytes, secret: bytes | None = None) -> str:
        return FrameStore._key(kind, hashlib.sha256(raw).hexdigest(), secret)

    @staticmethod
    def _key(kind: str, digest: str, secret: bytes | None) -> str:
        if secret is None:
            return f"{kind}:{digest}"
        return f"{kind}:{hmac.new(secret, digest.encode(), hashlib.sha256).hexdigest()}"

    def put(self, kind: str, raw: bytes, frame: pd.DataFrame, *, secret: bytes | None = None) -> str:
        digest = hashlib.sha256(raw).hexdigest()
        key = self._key(kind, digest, secret)
        blob = pickle.dumps((digest, frame), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            if self._redis is not None:
                self._redis.set(f"portfolio-desk:{key}", blob, ex=self.ttl_seconds)
            else:
                self._cache().set(key, blob, expire=self.ttl_seconds)
        except cache_errors() as err:
            raise _unavailable(self.where, f"store the {kind} file", err) from None
        return key

    def put_source(self, key: str, raw: bytes) -> None:
        """Keep the bytes a frame was read from beside it, so saved work can store the file itself."""
        if self._redis is not None:
            self._redis.set(f"portfolio-desk:source:{key}", raw, ex=self.ttl_seconds)
        else:
            self._disk.set(f"source:{key}", raw, expire=self.ttl_seconds)

    def get_source(self, key: str, *, secret: bytes | None = None) -> bytes | None:
        """The bytes behind ``key`` if ``secret`` made that key from them (as :meth:`get`), else None."""
        raw = (self._redis.get(f"portfolio-desk:source:{key}") if self._redis is not None
               else self._disk.get(f"source:{key}"))
        if not isinstance(raw, bytes):
            return None
        expected = self.key_for(key.partition(":")[0], raw, secret)
        return raw if hmac.compare_digest(expected, key) else None

    #: How long a file the browser posted (``components.upload``'s route) waits for the callback that reads it.
    inbox_ttl_seconds = 600

    def put_inbox(self, raw: bytes, owner: str | None) -> str:
        """Keep a posted file's bytes for the callback that reads them; returns their token (one read only)."""
        token = secrets.token_urlsafe(24)
        blob = pickle.dumps((owner, raw), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            if self._redis is not None:
                self._redis.set(f"portfolio-desk:inbox:{token}", blob, ex=self.inbox_ttl_seconds)
            else:
                self._cache().set(f"inbox:{token}", blob, expire=self.inbox_ttl_seconds)
        except cache_errors() as err:
            raise _unavailable(self.where, "receive the uploaded file", err) from None
        return token

    def take_inbox(self, token: str, owner: str | None) -> bytes | None:
        """The bytes posted under ``token`` by ``owner`` (the signed-in user, None with login off), removed as
        they are read; None when they expired, were read already, or another user posted them."""
        try:
            if self._redis is not None:
                pipe = self._redis.pipeline()
                pipe.get(f"portfolio-desk:inbox:{token}")
                pipe.delete(f"portfolio-desk:inbox:{token}")
                blob, _ = pipe.execute()
            else:
                blob = self._cache().pop(f"inbox:{token}", default=None)
        except cache_errors() as err:
            raise _unavailable(self.where, "read the uploaded file", err) from None
        record = None if blob is None else pickle.loads(blob)
        if not (isinstance(record, tuple) and len(record) == 2 and isinstance(record[1], bytes)):
            return None
        return record[1] if record[0] == owner else None

    def put_result(self, kind: str, frame: pd.DataFrame, *, secret: bytes | None = None) -> str:
        """Cache a computed frame under the SHA-256 of its pickle, so only the key goes to the browser."""
        blob = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        return self.put(kind, blob, frame, secret=secret)

    def get(self, key: str, *, secret: bytes | None = None) -> pd.DataFrame | None:
        """The frame under ``key`` if ``secret`` (None: no session) made that key, else None."""
        try:
            if self._redis is not None:
                blob = self._redis.get(f"portfolio-desk:{key}")
            else:
                blob = self._cache().get(key)
        except cache_errors() as err:
            raise _unavailable(self.where, f"read the uploaded {key.partition(':')[0]} file", err) from None
        record = None if blob is None else pickle.loads(blob)
        if not (isinstance(record, tuple) and len(record) == 2):  # missing, or stored before keys were bound
            return None
        digest, frame = record
        expected = self._key(key.partition(":")[0], digest, secret)
        return frame if hmac.compare_digest(expected, key) else None


#: The workspace field holding its session secret (hex), made server side by :func:`with_session`.
SESSION = "session"


def with_session(ws: dict) -> dict:
    """The workspace with a session secret (``secrets.token_hex``), made on its first upload."""
    if session_secret(ws) is not None:
        return ws
    return dict(ws, **{SESSION: secrets.token_hex(32)})


#: In a background job (no request, so no signed-in user): the user who started it.
_JOB_USER: ContextVar[str | None] = ContextVar("portfolio_desk_job_user", default=None)


def session_user() -> str | None:
    """The signed-in user the session secret is bound to: the request's, or the background job's starter;
    None with login off."""
    owner = current_owner()
    return owner if owner is not None else _JOB_USER.get()


@contextmanager
def as_user(name: str | None) -> Iterator[None]:
    """Run a background job's body as ``name`` (the user who submitted it), for :func:`session_secret`."""
    token = _JOB_USER.set(name)
    try:
        yield
    finally:
        _JOB_USER.reset(token)


def session_secret(ws: dict | None) -> bytes | None:
    """The workspace's session secret as bytes, None when it has none (or not a valid one); with a signed-in
    user, that secret bound to the user (``HMAC-SHA256(secret, "user:" + name)``)."""
    value = (ws or {}).get(SESSION)
    if not isinstance(value, str) or len(value) != 64:
        return None
    try:
        secret = bytes.fromhex(value)
    except ValueError:
        return None
    user = session_user()
    return secret if user is None else hmac.new(secret, f"user:{user}".encode(), hashlib.sha256).digest()


@cache
def frame_store() -> FrameStore:
    return FrameStore(redis_url=os.environ.get("REDIS_URL") or None)
