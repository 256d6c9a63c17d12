"""The users file: user name -> werkzeug password hash, as JSON; never a plain password.

``PORTFOLIO_DESK_USERS`` names the file (``python -m scripts.add_user`` writes it). The file is
read again whenever it changes on disk, so adding or removing a user, or changing a password,
needs no restart: a removed user's or a changed password's sessions end at their next request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from finance_core.errors import FinanceError

__all__ = ["LoginConfigError", "User", "UsersFile", "add_user", "check_user_name", "check_password"]

#: The hash methods werkzeug writes (``generate_password_hash``); anything else is not a hash.
HASH_METHODS = ("scrypt", "pbkdf2")
MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 200  # the store's owner column is String(200)
#: Checked against when the user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("portfolio-desk-no-such-user")


class LoginConfigError(FinanceError):
    """The login settings or the users file cannot be used; the message says how to fix them."""

    default_code = "login_config"


@dataclass(frozen=True)
class User:
    """A user of the file: ``name`` and a ``fingerprint`` of the password hash (see ``UsersFile.fingerprint``)."""

    name: str
    fingerprint: str

    # Flask-Login's user protocol
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.name


def check_user_name(name: str) -> str:
    """The name stripped; refused when blank, too long or holding a colon (HTTP Basic splits on it)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or ":" in name or not name.isprintable():
        raise LoginConfigError(f"A user name must be 1 to {MAX_NAME_LENGTH} printable characters without "
                               f"a colon, not {name!r}.", code="bad_user_name")
    return name


def check_password(password: str) -> str:
    """The password as given (a trailing newline from --password-stdin dropped); refused if too short."""
    password = password.removesuffix("\n").removesuffix("\r")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise LoginConfigError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
                               code="bad_password")
    return password


def _parse(path: Path, text: str) -> dict[str, str]:
    try:
        users = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as err:
        raise LoginConfigError(f"The users file {path} is not valid JSON (line {err.lineno}: {err.msg}); "
                               "it must be an object {\"user name\": \"password hash\"}: recreate it "
                               "with python -m scripts.add_user.", code="bad_users_file") from None
    if not isinstance(users, dict):
        raise LoginConfigError(f"The users file {path} must hold a JSON object {{\"user name\": \"password "
                               "hash\"}}: recreate it with python -m scripts.add_user.", code="bad_users_file")
    for name, hashed in users.items():
        if not isinstance(hashed, str) or "$" not in hashed or hashed.split(":")[0] not in HASH_METHODS:
            raise LoginConfigError(f"The users file {path} holds no password hash for user {name!r} (a plain "
                                   "password is never accepted): set it with python -m scripts.add_user "
                                   f"{path} {name}.", code="bad_users_file")
    return users


def _read(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LoginConfigError(f"The users file {path} (PORTFOLIO_DESK_USERS) does not exist: create it "
                               f"with python -m scripts.add_user {path} NAME.", code="no_users_file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise LoginConfigError(f"The users file {path} cannot be read ({err}).", code="bad_users_file") from None
    return _parse(path, text)


class UsersFile:
    """The users of one file, read again when the file's modification time or size changes."""

    def __init__(self, path: Path, secret_key: str):
        self.path = Path(path)
        self._secret = secret_key.encode()
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._users: dict[str, str] = {}

    def hashes(self) -> dict[str, str]:
        """user name -> password hash; raises LoginConfigError when the file is missing or bad."""
        try:
            stat = self.path.stat()
        except OSError:
            return _read(self.path)  # raises the message for a missing file
        seen = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if seen != self._seen:
                self._users, self._seen = _read(self.path), seen
            return self._users

    def fingerprint(self, hashed: str) -> str:
        """HMAC of the password hash under the secret key: kept in the session, so a new password
        (a new hash) ends the sessions made with the old one."""
        return hmac.new(self._secret, hashed.encode(), hashlib.sha256).hexdigest()[:32]

    def user(self, name: str) -> User | None:
        """The user called ``name`` if the file has them."""
        hashed = self.hashes().get(name)
        return None if hashed is None else User(name, self.fingerprint(hashed))

    def verify(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else None (an unknown name costs a hash check too)."""
        hashed = self.hashes().get(name)
        if not check_password_hash(hashed or _DUMMY_HASH, password) or hashed is None:
            return None
        return User(name, self.fingerprint(hashed))


def add_user(path: Path, name: str, password: str) -> bool:
    """Write ``name``'s werkzeug hash of ``password`` into the users file (made if missing, mode 0600,
    replaced atomically); True when the user was new, False when their password was replaced."""
    path = Path(path)
    name, password = check_user_name(name), check_password(password)
    users = _read(path) if path.exists() else {}
    new = name not in users
    users[name] = generate_password_hash(password)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(users, out, indent=2, sort_keys=True)
            out.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return new
