"""The sign-in list keeps argon2id hashes, never a password; names are checked; the CLI adds and removes users."""

from __future__ import annotations

import io
import subprocess
import sys
import tomllib

import pytest

from core.auth.users import UserListError, add_user, folder_name, read_users, remove_user, users_file, verify_password
from core.cli import main
from tests.conftest import ROOT

PASSWORD = "correct horse battery"


def test_the_file_holds_an_argon2id_hash_and_never_the_password(tmp_path):
    path = tmp_path / "users.toml"
    add_user(path, "Alice", PASSWORD)
    text = path.read_text()
    assert PASSWORD not in text and "correct" not in text
    users = tomllib.loads(text)["users"]
    assert list(users) == ["alice"] and users["alice"].startswith("$argon2id$")
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only


@pytest.mark.slow
def test_verify_accepts_the_password_only(tmp_path):
    path = tmp_path / "users.toml"
    add_user(path, "alice", PASSWORD)
    add_user(path, "bob", "another long password")
    users = read_users(path)
    assert verify_password(users, "alice", PASSWORD) and verify_password(users, " ALICE ", PASSWORD)
    assert not verify_password(users, "alice", "another long password")
    assert not verify_password(users, "bob", PASSWORD)
    assert not verify_password(users, "carol", PASSWORD)
    assert not verify_password(users, "alice", "")


@pytest.mark.slow
def test_two_hashes_of_one_password_differ_and_a_new_password_replaces_the_old(tmp_path):
    path = tmp_path / "users.toml"
    add_user(path, "alice", PASSWORD)
    add_user(path, "bob", PASSWORD)
    first = read_users(path)
    assert first["alice"] != first["bob"]  # salted
    add_user(path, "alice", "a brand new password")
    users = read_users(path)
    assert not verify_password(users, "alice", PASSWORD) and verify_password(users, "alice", "a brand new password")


@pytest.mark.parametrize("name", ["", "../etc", "a b", "x" * 65, ".hidden", "ünï"])
def test_bad_names_are_refused_in_one_sentence(tmp_path, name):
    with pytest.raises(UserListError, match="cannot be a user name"):
        add_user(tmp_path / "users.toml", name, PASSWORD)


def test_short_passwords_are_refused_and_removal_works(tmp_path):
    path = tmp_path / "users.toml"
    with pytest.raises(UserListError, match="too short"):
        add_user(path, "alice", "short")
    add_user(path, "alice", PASSWORD)
    remove_user(path, "alice")
    assert read_users(path) == {}
    with pytest.raises(UserListError, match="no user"):
        remove_user(path, "alice")


def test_a_missing_list_is_empty_and_a_broken_one_is_an_error(tmp_path):
    assert read_users(tmp_path / "none.toml") == {}
    broken = tmp_path / "broken.toml"
    broken.write_text("[users]\nalice = 'plain text password'\n")
    with pytest.raises(UserListError, match="argon2"):
        read_users(broken)
    broken.write_text("[users\n")
    with pytest.raises(UserListError, match="cannot be read"):
        read_users(broken)


def test_folder_names_are_safe_and_distinct():
    assert folder_name("alice") == "alice"
    email = folder_name("Alice.Smith@example.com")
    assert email.startswith("alice.smith_example.com-") and "/" not in email and "@" not in email
    assert folder_name("a/b@x.com") != folder_name("a_b@x.com")
    assert folder_name("Carol@Example.com") == folder_name("carol@example.com")
    assert folder_name("oidc:alice") != folder_name("alice")
    assert folder_name("../..") not in ("..", ".", "") and "/" not in folder_name("../..")


def test_users_file_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGMENT_STUDIO_USERS", str(tmp_path / "team.toml"))
    assert users_file() == tmp_path / "team.toml"


def test_the_users_command_adds_lists_and_removes_with_the_password_on_stdin(tmp_path, monkeypatch, capsys):
    path = tmp_path / "users.toml"

    def cli(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return main(["users", "--file", str(path), *args])

    assert cli("add", "Alice", stdin=PASSWORD + "\n") == 0
    assert verify_password(read_users(path), "alice", PASSWORD) and PASSWORD not in path.read_text()
    capsys.readouterr()
    assert cli("list") == 0 and capsys.readouterr().out.split() == ["alice"]
    assert cli("add", "bob", stdin="short\n") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert cli("remove", "alice") == 0 and read_users(path) == {}
    for wrong in (["add"], ["list", "bob"]):
        assert cli(*wrong) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and len(err.splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize("entry", [["core", "users"], ["core.runs.users"]], ids=["python -m core users",
                                                                              "python -m core.runs.users"])
def test_both_entry_points_add_list_and_remove_with_the_password_on_stdin(tmp_path, entry):
    path = tmp_path / "users.toml"

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", *entry, "--file", str(path), *args], input=stdin,
                              capture_output=True, text=True, cwd=ROOT, timeout=60)

    added = cli("add", "alice", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert verify_password(read_users(path), "alice", PASSWORD) and PASSWORD not in path.read_text()
    assert cli("list").stdout.split() == ["alice"]
    short = cli("add", "bob", stdin="short\n")
    assert short.returncode == 2 and short.stderr.startswith("error: ") and len(short.stderr.splitlines()) == 1
    assert cli("remove", "alice").returncode == 0 and read_users(path) == {}
