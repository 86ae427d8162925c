from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.reports.summary import endpoint_label, printable, severity_breakdown
from tests.dast.reports.factories import header, mixed_report, sqli


def test_labels() -> None:
    assert endpoint_label(sqli()) == "POST http://shop.test:8080/login?next=%2F (form user)"
    assert endpoint_label(header()) == "GET http://shop.test:8080/"
    assert severity_breakdown(mixed_report().findings) == "1 high, 1 medium, 1 low"
    assert severity_breakdown(()) == ""


@given(st.text())
def test_printable_leaves_no_control_characters_but_tab_and_newline(text: str) -> None:
    cleaned = printable(text)
    assert len(cleaned) == len(text)
    assert not any((ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F for c in cleaned)
