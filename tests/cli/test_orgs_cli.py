"""`bastion orgs|users|members|tokens`: the admin flow, end to end, on a SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner, Result

from bastion.cli.main import app
from bastion.db.engine import make_engine
from bastion.settings import get_settings
from tests.orgs.support import org_api_client
from tests.support.github_standin import github_app_key

__all__ = ["github_app_key"]


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'admin.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    return url


def bastion(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def ok(*args: str) -> str:
    done = bastion(*args)
    assert done.exit_code == 0, (args, done.output)
    return done.stdout


def refused(*args: str) -> str:
    """The one line a refused command prints: exit 2, no traceback."""
    done = bastion(*args)
    assert done.exit_code == 2, (args, done.output)
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("bastion: error: ")
    return lines[0]


def _rows(table: str) -> list[list[str]]:
    return [line.split() for line in table.splitlines()[1:]]


def test_orgs_users_members_and_a_token_that_works_until_revoked(
    database_url: str, github_app_key: rsa.RSAPrivateKey
) -> None:
    assert ok("orgs", "create", "GH", "Acme") == "created organization gh/Acme\n"
    ok("orgs", "create", "gl", "acme")
    assert [row[0] for row in _rows(ok("orgs", "list"))] == ["gh/Acme", "gl/acme"]
    ok("users", "create", "Alice@Example.com")
    ok("users", "create", "bob@example.com", "--name", "Bob")
    ok("members", "add", "gh/acme", "alice@example.com", "--role", "admin")
    ok("members", "add", "gh/acme", "bob@example.com")
    # Re-adding changes the role.
    ok("members", "add", "gh/ACME", "bob@example.com", "--role", "Manager")
    members = _rows(ok("members", "list", "gh/acme"))
    assert [(row[0], row[1], row[2]) for row in members] == [
        ("alice@example.com", "alice@example.com", "admin"),
        ("bob@example.com", "Bob", "manager"),
    ]

    created = bastion("tokens", "create", "alice@example.com")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    prefix = token.split("_")[1]
    assert prefix in created.stderr
    assert "not shown again" in created.stderr

    engine = make_engine(database_url)
    try:
        with org_api_client(engine, github_app_key) as api:
            mine = api.get("/api/v3/organizations", headers={"api-token": token})
            assert mine.status_code == 200, mine.text
            assert [
                (o["provider"], o["name"], o["role"]) for o in mine.json()["organizations"]
            ] == [("gh", "Acme", "admin")]
            listed = ok("tokens", "list", "alice@example.com")
            assert token not in listed
            [row] = _rows(listed)
            assert row[:2] == [prefix, "cli"]
            assert row[3] != "-"  # last used: just now
            assert row[4:] == ["-", "-"]  # never expires, not revoked

            assert ok("tokens", "revoke", prefix) == f"revoked token {prefix}\n"
            again = api.get("/api/v3/organizations", headers={"api-token": token})
            assert again.status_code == 401
            assert again.json()["error"]["code"] == "unauthorized"
    finally:
        engine.dispose()
    [row] = _rows(ok("tokens", "list", "alice@example.com"))
    assert row[5] != "-"


def test_token_names_and_expiry(database_url: str) -> None:
    ok("users", "create", "alice@example.com")
    ok("tokens", "create", "ALICE@example.com", "--name", "ci-main", "--expires-in-days", "30")
    [row] = _rows(ok("tokens", "list", "alice@example.com"))
    assert row[1] == "ci-main"
    assert row[4] != "-"


def test_a_name_without_at_is_a_token_for_a_service_account(database_url: str) -> None:
    # `bastion tokens create ci` as before users had emails: the token's name, for the
    # service account of --account (default admin), created on first use.
    ok("tokens", "create", "ci")
    ok("tokens", "create", "deploy", "--account", "robots")
    assert [row[1] for row in _rows(ok("tokens", "list", "admin"))] == ["ci"]
    assert [row[1] for row in _rows(ok("tokens", "list", "robots"))] == ["deploy"]
    assert [row[:2] for row in _rows(ok("users", "list"))] == [["-", "admin"], ["-", "robots"]]


def test_disabled_users_get_no_new_tokens(database_url: str) -> None:
    ok("users", "create", "alice@example.com")
    assert ok("users", "disable", "alice@example.com") == "disabled user alice@example.com\n"
    assert "disabled" in refused("tokens", "create", "alice@example.com")
    assert _rows(ok("users", "list"))[0][3] != "-"
    ok("users", "enable", "alice@example.com")
    ok("tokens", "create", "alice@example.com")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("orgs", "create", "github", "acme"), "use one of gh, ghe, gl, gle, bb, bbe"),
        (("orgs", "create", "gh", "ACME"), "Organization gh/Acme already exists"),
        (("orgs", "create", "gh", "two words"), "Invalid organization name"),
        (("users", "create", "alice"), "'alice' is not an email address"),
        (("users", "create", "Alice@example.com"), "already exists"),
        (("users", "create", "erin@example.com", "--name", "alice@example.com"), "already"),
        (("users", "disable", "erin@example.com"), "No user with email 'erin@example.com'"),
        (("members", "add", "gh/acme", "erin@example.com"), "bastion users create EMAIL"),
        (("members", "add", "gh/nope", "alice@example.com"), "bastion orgs create PROVIDER"),
        (("members", "add", "acme", "alice@example.com"), "expected PROVIDER/NAME"),
        (("members", "add", "gh/acme", "alice@example.com", "--role", "owner"), "Unknown role"),
        (("members", "add", "gh/acme", "alice"), "not an email address"),
        (("members", "remove", "gh/acme", "bob@example.com"), "not a member of gh/Acme"),
        (("members", "list", "gl/acme"), "No organization gl/acme"),
        (("tokens", "create", "erin@example.com"), "bastion users create EMAIL"),
        (("tokens", "create", "alice@example.com", "--account", "x"), "--account"),
        (("tokens", "create", "ci", "--name", "x"), "no --name"),
        (("tokens", "list", "nobody"), "no account named 'nobody'"),
        (("tokens", "revoke", "abcdefgh"), "no active token"),
    ],
)
def test_refusals_say_what_is_wrong(database_url: str, args: tuple[str, ...], says: str) -> None:
    ok("orgs", "create", "gh", "Acme")
    ok("users", "create", "alice@example.com")
    ok("users", "create", "bob@example.com")
    assert says in refused(*args)


def test_the_installed_command_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'admin.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "bastion", "members", "add", "gh/acme", "alice@example.com"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "bastion: error: No organization gh/acme (create it first: bastion orgs create PROVIDER "
        "NAME)"
    ]
