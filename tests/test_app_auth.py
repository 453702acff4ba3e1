"""mcdesk.app.auth: scrypt password hashes, the users file and MCDESK_USERS."""

from __future__ import annotations

import base64
import hashlib
import io
import stat

import pytest

from mcdesk.app.auth import (
    AuthError,
    hash_password,
    load_users,
    save_user,
    valid_username,
    verify_password,
)
from mcdesk.cli import main


@pytest.fixture(autouse=True)
def _no_env_users(monkeypatch):
    monkeypatch.delenv("MCDESK_USERS", raising=False)
    monkeypatch.delenv("MCDESK_USERS_FILE", raising=False)


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password("correct horse")


def test_hash_format_and_value():
    salt = b"0123456789abcdef"
    h = hash_password("s3cret pass", salt=salt)
    kind, n, r, p, b64salt, b64digest = h.split("$")
    assert (kind, n, r, p) == ("scrypt", "16384", "8", "1")
    assert base64.urlsafe_b64decode(b64salt) == salt
    want = hashlib.scrypt(b"s3cret pass", salt=salt, n=16384, r=8, p=1, dklen=32)
    assert base64.urlsafe_b64decode(b64digest) == want
    assert hash_password("s3cret pass", salt=salt) == h  # same salt, same hash
    assert hash_password("s3cret pass") != hash_password("s3cret pass")  # random salts


def test_verify(stored):
    assert verify_password("correct horse", stored) is True
    assert verify_password("correct horsf", stored) is False
    assert verify_password("", stored) is False
    assert verify_password("Correct horse", stored) is False


def test_unicode_password():
    h = hash_password("pässwörd ✓")
    assert verify_password("pässwörd ✓", h) and not verify_password("passwoerd ✓", h)


def test_tampered_hash_is_false(stored):
    kind, n, r, p, salt, digest = stored.split("$")
    raw = bytearray(base64.urlsafe_b64decode(digest))
    raw[0] ^= 1
    flipped = base64.urlsafe_b64encode(bytes(raw)).decode()
    other_salt = base64.urlsafe_b64encode(b"x" * 16).decode()
    for bad in (f"{kind}${n}${r}${p}${salt}${flipped}",
                f"{kind}${n}${r}${p}${other_salt}${digest}",
                f"{kind}$1024${r}${p}${salt}${digest}",
                f"bcrypt${n}${r}${p}${salt}${digest}"):
        assert verify_password("correct horse", bad) is False, bad


@pytest.mark.parametrize("garbage", [
    "", "scrypt", "plain-text-password", "scrypt$16384$8$1$salt", "scrypt$x$8$1$c2FsdA==$ZGln",
    "scrypt$16384$8$1$c2FsdA==$", "scrypt$16384$8$1$!!!$ZGlnZXN0", "scrypt$16383$8$1$c2FsdA==$ZGln",
    "scrypt$16384$8$1$c2FsdA==$ZGln$extra", "scrypt$16384$0$1$c2FsdA==$ZGln",
    "scrypt$16384$8$1$c2FsdA==$é",
])
def test_garbage_hash_is_false(garbage):
    assert verify_password("anything", garbage) is False


@pytest.mark.parametrize("name, ok", [
    ("alice", True), ("Bob_2", True), ("a.b@example.com", True), ("x-y", True), ("a" * 64, True),
    ("", False), ("a" * 65, False), (".hidden", False), ("_x", False), ("a..b", False),
    ("a/b", False), ("a b", False), ("a:b", False), ("ä", False), ("a,b", False),
])
def test_valid_username(name, ok):
    assert valid_username(name) is ok


def test_save_user_mode_and_load(tmp_path):
    path = tmp_path / "conf" / "users"
    save_user(path, "alice", "password1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    save_user(path, "bob", "password2")
    save_user(path, "alice", "password3")  # replaced, not added twice
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [x for x in path.read_text().splitlines() if not x.startswith("#")]
    assert [x.split(":")[0] for x in lines] == ["alice", "bob"]
    users = load_users(path)
    assert set(users) == {"alice", "bob"}
    assert verify_password("password3", users["alice"]) and not verify_password("password1", users["alice"])
    assert verify_password("password2", users["bob"])


def test_save_user_refuses(tmp_path):
    path = tmp_path / "users"
    with pytest.raises(AuthError, match="user name"):
        save_user(path, "bad name", "password1")
    with pytest.raises(AuthError, match="8 characters"):
        save_user(path, "carol", "short")
    assert not path.exists()


def test_load_users_from_env_file_and_list(tmp_path, monkeypatch, stored):
    path = tmp_path / "users"
    save_user(path, "alice", "password1")
    monkeypatch.setenv("MCDESK_USERS_FILE", str(path))
    assert set(load_users()) == {"alice"}
    monkeypatch.setenv("MCDESK_USERS", f"bob:{stored}, carol:{stored}")
    users = load_users()
    assert set(users) == {"alice", "bob", "carol"}
    assert users["bob"] == stored and verify_password("correct horse", users["carol"])
    monkeypatch.delenv("MCDESK_USERS_FILE")
    assert set(load_users()) == {"bob", "carol"}


def test_load_users_none(tmp_path):
    assert load_users() == {}


def test_load_users_errors(tmp_path, monkeypatch):
    with pytest.raises(AuthError, match="cannot read"):
        load_users(tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.write_text("# users\n\nalice:plaintext\n")
    with pytest.raises(AuthError, match="line 3"):
        load_users(bad)
    monkeypatch.setenv("MCDESK_USERS", "nocolon")
    with pytest.raises(AuthError, match="MCDESK_USERS"):
        load_users()


def test_cli_users_add(tmp_path, monkeypatch, capsys):
    path = tmp_path / "users"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["users", "add", "dave", "--file", str(path), "--password-stdin"]) == 0
    assert "dave saved" in capsys.readouterr().out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = load_users(path)
    assert list(users) == ["dave"] and verify_password("a long password", users["dave"])


def test_cli_users_add_refuses_short_password(tmp_path, monkeypatch, capsys):
    path = tmp_path / "users"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "dave", "--file", str(path), "--password-stdin"]) != 0
    assert "8 characters" in capsys.readouterr().err
    assert not path.exists()
