"""The team's sign-in list: user names with argon2id password hashes in a TOML file, never a password.

The file is ``.streamlit/users.toml`` beside app.py, or the path in ``$SEGMENT_STUDIO_USERS``::

    [users]
    "alice" = "$argon2id$v=19$m=65536,t=3,p=4$..."

Manage it from the command line (the password is asked twice, or read from standard input when
that is not a terminal)::

    python -m core users add NAME | remove NAME | list
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tomllib
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import CoreError
from core.storage.atomic import atomic_write_text

USERS_ENV = "SEGMENT_STUDIO_USERS"
DEFAULT_USERS_FILE = Path(__file__).resolve().parents[2] / ".streamlit" / "users.toml"
MIN_PASSWORD_CHARS = 10
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_HASHER = PasswordHasher()  # argon2id with argon2-cffi's RFC 9106 low-memory profile


@functools.cache
def _unknown_user_hash() -> str:
    """A hash to check an unknown user's password against, so that it costs as much as a wrong one (made on first
    need: hashing costs a fifth of a second, which every process paid at import)."""
    return _HASHER.hash("an unknown user name costs as much as a wrong password")


_HEADER = ("# Segment Studio sign-in: user name = argon2id hash of the password (never the password).\n"
           "# Manage with: python -m core users add NAME | remove NAME | list\n")


class UserListError(CoreError):
    """The user list cannot be read, or a user cannot be added or removed."""


def users_file() -> Path:
    """Where the user list lives: ``$SEGMENT_STUDIO_USERS``, else ``.streamlit/users.toml`` beside app.py."""
    return Path(os.environ.get(USERS_ENV) or DEFAULT_USERS_FILE)


def read_users(path: Path) -> dict[str, str]:
    """``{name: argon2 hash}`` from the list at ``path``; empty when the file does not exist."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserListError(f"The user list {path} cannot be read ({exc}); fix or remove it.") from None
    users = data.get("users", {})
    if not isinstance(users, dict) or not all(isinstance(h, str) and h.startswith("$argon2") for h in users.values()):
        raise UserListError(f"The user list {path} must hold a [users] table of name = argon2 hash lines; "
                            "add users with: python -m core users add NAME.")
    return dict(users)


def _write_users(path: Path, users: dict[str, str]) -> None:
    """Replace the list atomically; the file is readable by its owner only (mode 600)."""
    text = _HEADER + "[users]\n" + "".join(f"{json.dumps(n)} = {json.dumps(h)}\n" for n, h in sorted(users.items()))
    atomic_write_text(path, text)  # a temporary file from mkstemp: mode 600, kept by the rename


def normal_name(name: str) -> str:
    """A user name as stored and typed at sign-in: trimmed and lower-case."""
    return name.strip().lower()


def add_user(path: Path, name: str, password: str) -> None:
    """Add ``name`` with an argon2id hash of ``password``, or replace that user's password."""
    name = normal_name(name)
    if not _NAME.fullmatch(name):
        raise UserListError(f"{name!r} cannot be a user name: use 1 to 64 lower-case letters, digits, dots, "
                            "dashes or underscores, starting with a letter or digit.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserListError(f"The password is too short: use at least {MIN_PASSWORD_CHARS} characters.")
    users = read_users(path)
    users[name] = _HASHER.hash(password)
    _write_users(path, users)


def remove_user(path: Path, name: str) -> None:
    users = read_users(path)
    if users.pop(normal_name(name), None) is None:
        raise UserListError(f"There is no user {normal_name(name)!r} in {path}.")
    _write_users(path, users)


def verify_password(users: dict[str, str], name: str, password: str) -> bool:
    """Whether ``password`` is ``name``'s; an unknown name takes as long as a wrong password."""
    unknown = _unknown_user_hash()  # made by the first check, known name or not: it costs them the same
    stored = users.get(normal_name(name))
    try:
        return _HASHER.verify(stored or unknown, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def folder_name(user: str) -> str:
    """A folder name for ``user``'s workspace: the name itself when it is a valid user-list name, else
    (an identity provider's e-mail, any case) its safe characters and a short hash, so two users never share one."""
    if _NAME.fullmatch(user):
        return user
    user = user.lower()
    safe = re.sub(r"[^a-z0-9._-]+", "_", user).strip("._-")[:40] or "user"
    return f"{safe}-{hashlib.sha256(user.encode('utf-8')).hexdigest()[:10]}"
