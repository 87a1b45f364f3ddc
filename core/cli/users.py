"""``python -m core users add NAME | remove NAME | list [--file PATH]``: manage the app's sign-in list
(:mod:`core.auth.users`). ``add`` asks for the password twice, or reads one line from standard input when
that is not a terminal; the list keeps only its argon2id hash."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from core.auth.users import (
    DEFAULT_USERS_FILE,
    USERS_ENV,
    UserListError,
    add_user,
    normal_name,
    read_users,
    remove_user,
    users_file,
)

NAME = "users"
HELP = "manage the app's sign-in list: add NAME, remove NAME, list"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--file", type=Path, default=None,
                        help=f"the user list (default: ${USERS_ENV} or {DEFAULT_USERS_FILE})")
    parser.add_argument("action", choices=("add", "remove", "list"),
                        help="add a user (or change their password), remove a user, or list the user names")
    parser.add_argument("name", nargs="?", help="the user name (add and remove)")


def _ask_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise UserListError("The two passwords differ; nothing was changed.")
    return password


def run(args: argparse.Namespace) -> int:
    path = args.file or users_file()
    if (args.name is None) != (args.action == "list"):
        raise UserListError(f"'{args.action}' takes {'no user name' if args.action == 'list' else 'a user name'}: "
                            "python -m core users add NAME | remove NAME | list.")
    if args.action == "add":
        add_user(path, args.name, _ask_password())
        print(f"{normal_name(args.name)} can sign in (user list: {path}).")
    elif args.action == "remove":
        remove_user(path, args.name)
        print(f"{normal_name(args.name)} removed from {path}.")
    else:
        print("\n".join(sorted(read_users(path))) or f"No users in {path}.")
    return 0
