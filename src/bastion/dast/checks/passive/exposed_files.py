"""Files that should never be served: version-control metadata, environment files,
credentials, database dumps, backup archives and backup copies of source code (CWE-538).

A response counts only when its path names such a file AND its body has the file's
shape (``ref: refs/…`` for ``.git/HEAD``, ``PK`` for a zip…), so "not found" pages
answered with status 200 are not mistaken for the file. No page links to these files:
the engine requests ``PROBE_PATHS`` under the site root (and the target's folder) so
this rule gets to see them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from bastion.dast.checks.base import PassiveRule
from bastion.dast.model import Confidence, DastFinding, Exchange, HttpRequest
from bastion.models import Severity

# Requested once per scan by the engine (``engine/exposed.py``): the usual leftovers.
PROBE_PATHS: tuple[str, ...] = (
    "/.git/HEAD",
    "/.git/config",
    "/.svn/entries",
    "/.svn/wc.db",
    "/.hg/requires",
    "/.DS_Store",
    "/.env",
    "/.env.local",
    "/.env.production",
    "/.htpasswd",
    "/.aws/credentials",
    "/id_rsa",
    "/WEB-INF/web.xml",
    "/backup.zip",
    "/backup.tar.gz",
    "/backup.sql",
    "/dump.sql",
    "/db.sql",
    "/site.zip",
    "/www.zip",
    "/index.php.bak",
    "/index.php~",
    "/.index.php.swp",
    "/config.php.bak",
    "/wp-config.php.bak",
    "/web.config.bak",
)

# Only the start of a body is looked at: every signature sits there.
HEAD_BYTES = 64 * 1024


def _matches(pattern: bytes, flags: int = 0) -> Callable[[bytes], bool]:
    compiled = re.compile(pattern, flags)
    return lambda body: compiled.search(body) is not None


def _starts(*magics: bytes) -> Callable[[bytes], bool]:
    return lambda body: body.startswith(magics)


def _is_html_document(body: bytes) -> bool:
    return body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))


_ENV_LINE = re.compile(rb"^(?:export\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*=")


def _env_file(body: bytes) -> bool:
    """Mostly ``NAME=value`` lines (comments and blanks aside), and no markup."""
    if body.lstrip()[:1] in (b"<", b"{", b"["):
        return False
    lines = [line.strip() for line in body.splitlines()]
    lines = [line for line in lines if line and not line.startswith(b"#")]
    if not lines:
        return False
    assignments = sum(1 for line in lines if _ENV_LINE.match(line))
    return assignments >= max(1, (len(lines) * 4 + 4) // 5)


# Server-side code never appears in a page the server rendered.
_SERVER_CODE = re.compile(rb"<\?php|<\?=|<%[@=\-]?\s|<asp:|<cf(?:set|query|component)\b", re.I)
_SOURCE_LINE = re.compile(
    rb"^(?:#!/|import [\w.]+|from [\w.]+ import |package [\w.]+;?$|using System|"
    rb"require(?:_once)?\b|const \w+ = require\(|module\.exports|<configuration>|<\?xml )",
    re.MULTILINE,
)


def _source_code(body: bytes) -> bool:
    if _SERVER_CODE.search(body):
        return True
    return not _is_html_document(body) and _SOURCE_LINE.search(body) is not None


_SQL_STATEMENT = re.compile(
    rb"^(?:-- MySQL dump|-- PostgreSQL database dump|CREATE TABLE|INSERT INTO|DROP TABLE)",
    re.MULTILINE | re.IGNORECASE,
)


def _sql_dump(body: bytes) -> bool:
    return not _is_html_document(body) and _SQL_STATEMENT.search(body) is not None


_ARCHIVE_MAGIC: dict[str, tuple[bytes, ...]] = {
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "tar": (),  # "ustar" at offset 257, see _archive
    "tar.gz": (b"\x1f\x8b",),
    "tgz": (b"\x1f\x8b",),
    "gz": (b"\x1f\x8b",),
    "7z": (b"7z\xbc\xaf\x27\x1c",),
    "rar": (b"Rar!\x1a\x07",),
    "bz2": (b"BZh",),
    "tar.bz2": (b"BZh",),
    "tbz2": (b"BZh",),
}
_ARCHIVE_PATH = re.compile(
    r"/(?:[^/]*backup[^/]*|backups?|bak|site|www|wwwroot|htdocs|public_html|html|web|db|"
    r"database|dump|old|src|source|archive|release)\.(tar\.gz|tar\.bz2|zip|tar|tgz|gz|7z|"
    r"rar|bz2|tbz2)$",
    re.IGNORECASE,
)


def _archive(path: str, body: bytes) -> bool:
    match = _ARCHIVE_PATH.search(path)
    if match is None:
        return False
    kind = match.group(1).lower()
    if kind == "tar":
        return body[257:262] == b"ustar"
    return body.startswith(_ARCHIVE_MAGIC[kind])


@dataclass(frozen=True, slots=True)
class Signature:
    what: str
    path: re.Pattern[str]
    body: Callable[[bytes], bool]
    severity: Severity
    # Secret contents are never quoted in the finding.
    secret: bool = False


SIGNATURES: tuple[Signature, ...] = (
    Signature(
        "Git HEAD file",
        re.compile(r"/\.git/HEAD$"),
        _matches(rb"\A(?:ref: refs/\S+|[0-9a-f]{40}|[0-9a-f]{64})\s*\Z"),
        Severity.MEDIUM,
    ),
    Signature(
        "Git configuration",
        re.compile(r"/\.git/config$"),
        _matches(rb"^\s*\[core\]", re.MULTILINE),
        Severity.MEDIUM,
    ),
    Signature("Git index", re.compile(r"/\.git/index$"), _starts(b"DIRC"), Severity.MEDIUM),
    Signature(
        "Subversion metadata",
        re.compile(r"/\.svn/entries$"),
        _matches(rb"\A\d+\s*\n|<wc-entries"),
        Severity.MEDIUM,
    ),
    Signature(
        "Subversion database",
        re.compile(r"/\.svn/wc\.db$"),
        _starts(b"SQLite format 3\x00"),
        Severity.MEDIUM,
    ),
    Signature(
        "Mercurial metadata",
        re.compile(r"/\.hg/requires$"),
        _matches(rb"\A(?:(?:revlogv1|store|fncache|dotencode|generaldelta|[\w-]+)\n)+\Z"),
        Severity.MEDIUM,
    ),
    Signature(
        "macOS .DS_Store", re.compile(r"/\.DS_Store$"), _starts(b"\0\0\0\x01Bud1"), Severity.LOW
    ),
    Signature(
        "Environment file",
        re.compile(r"/\.env(?:\.[\w-]+)?$"),
        _env_file,
        Severity.HIGH,
        secret=True,
    ),
    Signature(
        "Apache password file",
        re.compile(r"/\.htpasswd$"),
        _matches(
            rb"^[^:\s#]+:(?:\$apr1\$|\$2[aby]\$|\{SHA\}|\$[156]\$|[./0-9A-Za-z]{13}\s*$)",
            re.MULTILINE,
        ),
        Severity.HIGH,
        secret=True,
    ),
    Signature(
        "Private key",
        re.compile(r"/(?:id_rsa|id_dsa|id_ecdsa|id_ed25519|[^/]+\.pem|[^/]+\.key)$"),
        _matches(rb"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
        Severity.HIGH,
        secret=True,
    ),
    Signature(
        "AWS credentials",
        re.compile(r"/\.aws/credentials$"),
        _matches(rb"aws_access_key_id\s*=", re.IGNORECASE),
        Severity.HIGH,
        secret=True,
    ),
    Signature(
        "Java web.xml",
        re.compile(r"/WEB-INF/web\.xml$", re.IGNORECASE),
        _matches(rb"<web-app\b"),
        Severity.MEDIUM,
    ),
    Signature(
        "SQL dump",
        re.compile(r"\.sql$", re.IGNORECASE),
        _sql_dump,
        Severity.HIGH,
        secret=True,
    ),
    Signature(
        "Compressed SQL dump",
        re.compile(r"\.sql\.gz$", re.IGNORECASE),
        _starts(b"\x1f\x8b"),
        Severity.HIGH,
    ),
    Signature(
        "Vim swap file",
        re.compile(r"\.sw[op]$"),
        _starts(b"b0VIM"),
        Severity.MEDIUM,
    ),
    Signature(
        "Backup copy of source code",
        re.compile(r"(?:\.(?:bak|old|orig|save|sav|backup|copy|tmp)|~)$", re.IGNORECASE),
        _source_code,
        Severity.MEDIUM,
    ),
)
_BACKUP_ARCHIVE = "Backup archive"


def match_exposed(path: str, body: bytes) -> Signature | None:
    """The signature a response of ``path`` with ``body`` matches, if any."""
    head = body[:HEAD_BYTES]
    for signature in SIGNATURES:
        if signature.path.search(path) and signature.body(head):
            return signature
    if _archive(path, head):
        return Signature(_BACKUP_ARCHIVE, _ARCHIVE_PATH, lambda _: True, Severity.HIGH)
    return None


def _preview(body: bytes) -> str:
    first = body[:HEAD_BYTES].split(b"\n", 1)[0][:80]
    if first.isascii() and all(32 <= byte < 127 or byte == 9 for byte in first):
        return f'"{first.decode("ascii")}"'
    return f"bytes {body[:8].hex(' ')}"


class ExposedFileRule(PassiveRule):
    rule_id: ClassVar[str] = "dast.exposure.sensitive-file"
    name: ClassVar[str] = "Sensitive file exposed"
    cwe: ClassVar[int] = 538
    severity: ClassVar[Severity] = Severity.MEDIUM
    confidence: ClassVar[Confidence] = Confidence.HIGH
    scope: ClassVar[str] = "endpoint"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-CONF-04")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/538.html",
        "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information",
    )
    description: ClassVar[str] = (
        "The server hands out a file that belongs to development or operations, not to "
        "the site: version-control metadata (.git, .svn, .hg; the whole source history "
        "can often be rebuilt from it), environment files and credentials, private keys, "
        "database dumps, backup archives or backup copies of server-side code."
    )
    remediation: ClassVar[str] = (
        "Delete the file from the web root and deploy build artefacts rather than working "
        "copies; deny dot-files and backup extensions in the server configuration; rotate "
        "every secret the file contained."
    )

    def check(self, exchange: Exchange) -> list[DastFinding]:
        response = exchange.response
        if not 200 <= response.status < 300 or not response.body:
            return []
        try:
            path = unquote(urlsplit(exchange.request.url).path)
        except ValueError:
            return []
        signature = match_exposed(path, response.body)
        if signature is None:
            return []
        shown = (
            "contents withheld" if signature.secret else f"starts with {_preview(response.body)}"
        )
        return [
            self.make_finding(
                request=exchange.request,
                evidence=(
                    f"{signature.what} served at {path[:200]} ({len(response.body)} bytes, {shown})"
                ),
                severity=signature.severity,
            )
        ]

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "https://shop.example/.git/config"),
            evidence='Git configuration served at /.git/config (92 bytes, starts with "[core]")',
        )
