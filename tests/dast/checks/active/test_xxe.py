from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from bastion.dast.checks.active.xxe import XmlExternalEntity
from bastion.dast.model import (
    HttpRequest,
    HttpResponse,
    InputSource,
    InsertionPoint,
    Location,
    ScanInput,
)
from tests.dast.checks.active.fakes import App, escape, page, scan

# What the fake server's "disk" holds; any other URL resolves to nothing, so no test
# ever reads a real file.
FILES = {
    "file:///etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
    "file:///etc/group": "root:x:0:\n",
}


class FakeDisk(etree.Resolver):
    def resolve(self, system_url: str, public_id: str, context: Any = None) -> Any:
        return self.resolve_string(FILES.get(system_url, ""), context, base_url=None)


def order_app(*, resolve: bool, echo: str = "item") -> App:
    def handle(request: HttpRequest) -> HttpResponse:
        parser = etree.XMLParser(resolve_entities=resolve, load_dtd=resolve, no_network=True)
        parser.resolvers.add(FakeDisk())
        try:
            root = etree.fromstring(request.body, parser)
        except etree.XMLSyntaxError as exc:
            return page(f"<error>{escape(str(exc))}</error>", 400, content_type="application/xml")
        shown = root.findtext(echo) or ""
        return page(
            f"<result>Unknown {echo} {escape(shown)}</result>", content_type="application/xml"
        )

    return handle


BODY = b'<?xml version="1.0"?>\n<order><customer>ann</customer><item>pen</item><qty>2</qty></order>'


def request() -> HttpRequest:
    return HttpRequest("POST", "http://app.test/orders", body=BODY, content_type="application/xml")


@pytest.mark.parametrize("echo", ["customer", "item", "qty"])
def test_external_entity_read(echo: str) -> None:
    finding, probe = scan(
        XmlExternalEntity(),
        order_app(resolve=True, echo=echo),
        request(),
        Location.XML_DOCUMENT,
        "",
    )
    assert finding is not None
    assert finding.parameter == f"/order/{echo}"
    assert finding.request is not None
    assert b"<!ENTITY bstn SYSTEM" in finding.request.body
    assert finding.request in probe.sent
    assert "file:///etc/group" in finding.evidence


def test_parser_without_entities_is_safe() -> None:
    finding, _ = scan(
        XmlExternalEntity(), order_app(resolve=False), request(), Location.XML_DOCUMENT, ""
    )
    assert finding is None


def test_only_xml_bodies() -> None:
    rule = XmlExternalEntity()
    point = InsertionPoint(Location.XML_DOCUMENT, "", "{}")
    json_input = ScanInput(
        HttpRequest("POST", "http://app.test/", body=b"{}", content_type="application/json"),
        InputSource.FORM,
    )
    assert not rule.applies_to(json_input, point)
    assert not rule.applies_to(
        ScanInput(request(), InputSource.FORM), InsertionPoint(Location.XML, "/order/item", "pen")
    )
