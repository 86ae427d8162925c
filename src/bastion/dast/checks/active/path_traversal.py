"""Path traversal and local file inclusion (ZAP rule 6).

Payloads ask for a file every system of a kind has, in the encodings filters forget:
plain ``../`` runs, an absolute path, ``....//`` (survives one removal of ``../``),
``%2e%2e%2f`` for applications that decode twice, backslashes, ``file://`` and a run
that keeps the original directory as prefix. A hit is the file's content (``root:x:0:0:``
of /etc/passwd, ``[fonts]`` and ``[extensions]`` of win.ini), absent from the baseline.
The same traversal must then read a second file (/etc/group, system.ini) or the first
through another spelling. Payloads only read.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import ClassVar

from bastion.dast.checks.base import ActiveRule, Probe
from bastion.dast.checks.detect import decoded_variants, match_excerpt, search
from bastion.dast.checks.detect_probe import Budgeted, BudgetSpent
from bastion.dast.checks.payloads import GROUP, PASSWD, SYSTEM_INI, WIN_INI, KnownFile
from bastion.dast.model import (
    Confidence,
    DastFinding,
    HttpRequest,
    InsertionPoint,
    Location,
)
from bastion.models import Severity

_UP = "../" * 10


@dataclass(frozen=True, slots=True)
class Spelling:
    """How a payload reaches a file: ``{f}`` is the file's path with ``/`` separators;
    ``backslash`` converts them for Windows payloads."""

    template: str
    backslash: bool = False

    def payload(self, target: KnownFile) -> str:
        path = target.path.replace("/", "\\") if self.backslash else target.path
        return self.template.replace("{f}", path)


UNIX = (
    Spelling(_UP + "{f}"),
    Spelling("/{f}"),
    Spelling("....//" * 10 + "{f}"),
    Spelling("..%2f" * 10 + "{f}"),
    Spelling("file:///{f}"),
    Spelling("/.." * 10 + "/{f}"),
)
WINDOWS = (
    Spelling("..\\" * 10 + "{f}", backslash=True),
    Spelling(_UP + "{f}"),
    Spelling("c:\\{f}", backslash=True),
    Spelling("file:///c:/{f}"),
)
_SECOND = {PASSWD: GROUP, WIN_INI: SYSTEM_INI}


class PathTraversal(ActiveRule):
    rule_id: ClassVar[str] = "dast.path_traversal"
    name: ClassVar[str] = "Path traversal"
    cwe: ClassVar[int] = 22
    severity: ClassVar[Severity] = Severity.HIGH
    confidence: ClassVar[Confidence] = Confidence.HIGH
    description: ClassVar[str] = (
        "A request parameter names a file the server reads and returns, without "
        "confining it to a directory: any file the server can read is exposed "
        "(configuration, keys, source code)."
    )
    remediation: ClassVar[str] = (
        "Map user choices to files through an allow-list or an id lookup. When a path is "
        "unavoidable, resolve it (realpath) and check it is inside the intended "
        "directory before opening it."
    )
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A01", "WSTG-ATHZ-01")
    references: ClassVar[tuple[str, ...]] = (
        "https://owasp.org/www-community/attacks/Path_Traversal",
        "https://cwe.mitre.org/data/definitions/22.html",
    )
    locations: ClassVar[frozenset[Location]] = frozenset(
        {Location.QUERY, Location.FORM, Location.JSON, Location.XML, Location.PATH,
         Location.COOKIE}
    )  # fmt: skip
    max_requests: ClassVar[int] = 14

    async def scan(self, probe: Probe) -> DastFinding | None:
        budget = Budgeted(probe, self.max_requests)
        try:
            return await self._scan(budget)
        except BudgetSpent:
            return None

    def _spellings(self, point: InsertionPoint) -> list[tuple[KnownFile, Spelling]]:
        plan: list[tuple[KnownFile, Spelling]] = [(PASSWD, s) for s in UNIX]
        directory = posixpath.dirname(point.value.replace("\\", "/"))
        if directory and "://" not in point.value:
            # Filters that check the value starts with its usual directory.
            plan.insert(1, (PASSWD, Spelling(directory.replace("{", "") + "/" + _UP + "{f}")))
        plan += [(WIN_INI, s) for s in WINDOWS]
        return plan

    async def _scan(self, probe: Budgeted) -> DastFinding | None:
        baseline = decoded_variants(probe.baseline.text)
        for target, spelling in self._spellings(probe.point):
            payload = spelling.payload(target)
            exchange = await probe.send(payload)
            match = search(target.signature, exchange.response.text)
            if match is None or any(target.signature.search(text) for text in baseline):
                continue
            second = _SECOND[target]
            for confirm, again_spelling in (
                (second, spelling),
                (target, Spelling(spelling.template.replace("{f}", "./{f}"), spelling.backslash)),
            ):
                again = await probe.send(again_spelling.payload(confirm))
                if search(confirm.signature, again.response.text) is None:
                    continue
                if confirm is not target and any(confirm.signature.search(t) for t in baseline):
                    continue
                return self.make_finding(
                    request=exchange.request,
                    evidence=(
                        f"the response holds the content of /{target.path} "
                        f"({match.group(0)!r}); {again_spelling.payload(confirm)!r} read "
                        f"/{confirm.path} too"
                    ),
                    parameter=probe.point.name,
                    location=probe.point.location,
                    payload=payload,
                    response_excerpt=match_excerpt(match),
                    confirmations=(again.request,),
                )
            return None
        return None

    @classmethod
    def example(cls) -> DastFinding:
        request = HttpRequest(
            "GET", "https://docs.example/download?file=..%2F..%2F..%2F..%2Fetc%2Fpasswd"
        )
        return cls.make_finding(
            request=request,
            evidence=(
                "the response holds the content of /etc/passwd ('root:x:0:0:'); "
                "'../../../../etc/group' read /etc/group too"
            ),
            parameter="file",
            location=Location.QUERY,
            payload="../../../../etc/passwd",
            response_excerpt="root:x:0:0:root:/root:/bin/bash daemon:x:1:1:…",
            confirmations=(
                HttpRequest(
                    "GET", "https://docs.example/download?file=..%2F..%2F..%2F..%2Fetc%2Fgroup"
                ),
            ),
        )
