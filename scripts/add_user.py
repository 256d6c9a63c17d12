"""Add a user to the login users file, or change their password: ``python -m scripts.add_user NAME``.

The file is ``--file`` or ``$PORTFOLIO_DESK_USERS``; it holds werkzeug password hashes, never the
password. The password is asked for twice at the terminal, or read from standard input with
``--password-stdin`` (for scripts: ``printf %s "$PW" | python -m scripts.add_user alice --password-stdin``).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from auth import USERS_ENV, LoginConfigError, add_user


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.read()
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise LoginConfigError("The two passwords differ; nothing was written.", code="bad_password")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.add_user", description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the user name (no colon)")
    parser.add_argument("--file", default=os.environ.get(USERS_ENV),
                        help=f"the users file (default ${USERS_ENV})")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    if not args.file:
        parser.error(f"name the users file with --file or {USERS_ENV}")
    try:
        new = add_user(Path(args.file), args.name, _password(args.password_stdin))
    except LoginConfigError as err:
        print(f"add_user: {err}", file=sys.stderr)
        return 1
    print(f"{'Added' if new else 'Changed the password of'} {args.name.strip()!r} in {args.file}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
