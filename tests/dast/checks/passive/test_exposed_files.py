"""Exposed files: the path names the file AND the body has its shape."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import pytest

from bastion.dast.checks.passive.exposed_files import PROBE_PATHS, ExposedFileRule, match_exposed
from bastion.models import Severity
from tests.dast.checks.passive.recorded import exchange

SOFT_404 = b"<!doctype html><html><title>Not found</title><body>Sorry.</body></html>"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.php", "<?php echo 1;")
    return buffer.getvalue()


def _tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("a.txt")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"a"))
    return buffer.getvalue()


EXPOSED = [
    ("/.git/HEAD", b"ref: refs/heads/main\n", "Git HEAD file"),
    ("/.git/HEAD", b"3f786850e387550fdab836ed7e6dc881de23001b\n", "Git HEAD file"),
    ("/.git/config", b"[core]\n\trepositoryformatversion = 0\n", "Git configuration"),
    ("/app/.git/index", b"DIRC\x00\x00\x00\x02", "Git index"),
    ("/.svn/entries", b"12\n", "Subversion metadata"),
    ("/.svn/wc.db", b"SQLite format 3\x00....", "Subversion database"),
    ("/.hg/requires", b"dotencode\nfncache\nrevlogv1\nstore\n", "Mercurial metadata"),
    ("/.DS_Store", b"\x00\x00\x00\x01Bud1\x00\x00", "macOS .DS_Store"),
    ("/.env", b"# prod\nDB_HOST=db\nDB_PASSWORD=x\n\nexport API_KEY=y\n", "Environment file"),
    ("/.env.production", b"SECRET_KEY=abc\n", "Environment file"),
    ("/.htpasswd", b"admin:$apr1$abc$def\n", "Apache password file"),
    ("/id_rsa", b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n", "Private key"),
    ("/.aws/credentials", b"[default]\naws_access_key_id = AKIA...\n", "AWS credentials"),
    ("/WEB-INF/web.xml", b'<?xml version="1.0"?>\n<web-app version="3.0">', "Java web.xml"),
    ("/backup.sql", b"-- MySQL dump 10.13\nCREATE TABLE users (id int);\n", "SQL dump"),
    ("/db.sql.gz", gzip.compress(b"CREATE TABLE t (a int);"), "Compressed SQL dump"),
    ("/.index.php.swp", b"b0VIM 8.2\x00\x00", "Vim swap file"),
    ("/index.php.bak", b"<?php\n$db = connect();\n", "Backup copy of source code"),
    ("/index.php~", b"<?php echo 1;", "Backup copy of source code"),
    ("/web.config.old", b"<configuration>\n<appSettings/>", "Backup copy of source code"),
    ("/settings.py.orig", b"import os\nSECRET_KEY = 'x'\n", "Backup copy of source code"),
    ("/default.aspx.bak", b'<%@ Page Language="C#" %>', "Backup copy of source code"),
    ("/backup.zip", _zip(), "Backup archive"),
    ("/www.tar", _tar(), "Backup archive"),
    ("/site-backup-2024.tar.gz", gzip.compress(b"x"), "Backup archive"),
]


@pytest.mark.parametrize(("path", "body", "what"), EXPOSED, ids=[case[0] for case in EXPOSED])
def test_exposed_files_are_found(path: str, body: bytes, what: str) -> None:
    recorded = exchange(
        f"https://shop.example{path}",
        headers=(("Content-Type", "application/octet-stream"),),
        body=body,
    )
    [finding] = ExposedFileRule().check(recorded)
    assert finding.evidence.startswith(f"{what} served at {path}")
    assert finding.parameter is None


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/.git/HEAD", SOFT_404),
        ("/.env", SOFT_404),
        ("/.env", b'{"error": "not found"}'),
        ("/.git/config", b"Page not found"),
        ("/backup.zip", SOFT_404),
        ("/index.php.bak", SOFT_404),
        ("/index.html.bak", b"<!doctype html><html><script>function f() {}</script></html>"),
        ("/docs/changelog.old", b"Version 2: faster pages.\n"),
        ("/downloads/product-manual.zip", _zip()),  # an ordinary download
        ("/files/view", b"DB_PASSWORD=x\n"),  # right shape, but nothing names the file
        ("/.htpasswd", b"Forbidden"),
        ("/id_rsa", b"ssh-rsa AAAAB3 public key"),
    ],
)
def test_look_alikes_are_not_exposed_files(path: str, body: bytes) -> None:
    recorded = exchange(f"https://shop.example{path}", body=body)
    assert ExposedFileRule().check(recorded) == []


def test_only_successful_answers_count() -> None:
    for status in (301, 403, 404, 500):
        recorded = exchange(
            "https://shop.example/.git/HEAD", status=status, body=b"ref: refs/heads/main"
        )
        assert ExposedFileRule().check(recorded) == []


def test_secrets_are_not_quoted_and_severity_follows_the_file() -> None:
    recorded = exchange("https://shop.example/.env", body=b"DB_PASSWORD=hunter2\n")
    [finding] = ExposedFileRule().check(recorded)
    assert "hunter2" not in finding.evidence
    assert finding.severity is Severity.HIGH
    head = exchange("https://shop.example/.git/HEAD", body=b"ref: refs/heads/main\n")
    [finding] = ExposedFileRule().check(head)
    assert '"ref: refs/heads/main"' in finding.evidence
    assert finding.severity is Severity.MEDIUM


def test_percent_encoded_paths_are_decoded() -> None:
    recorded = exchange("https://shop.example/%2Egit/HEAD", body=b"ref: refs/heads/main\n")
    assert len(ExposedFileRule().check(recorded)) == 1


def test_every_probe_path_has_a_signature() -> None:
    assert len(set(PROBE_PATHS)) == len(PROBE_PATHS)
    assert all(path.startswith("/") for path in PROBE_PATHS)
    # Each probe must be recognisable: some body of the right shape matches it.
    shapes = [body for _, body, _ in EXPOSED]
    for path in PROBE_PATHS:
        assert any(match_exposed(path, body) for body in shapes), path
