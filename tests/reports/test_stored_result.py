"""The stored JSON of a result renders the same Markdown report as the result itself."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.models import (
    Conclusion,
    Dependency,
    Finding,
    LicenseCategory,
    LicenseFinding,
    ScanIssue,
    ScanResult,
    Severity,
    Vulnerability,
)
from bastion.reports import markdown
from bastion.reports.json import result_to_dict
from bastion.reports.stored_result import StoredResultError, result_from_dict
from tests.scans.support import vulnerable_result

texts = st.text(max_size=12)
maybe_texts = st.none() | texts
names = st.from_regex(r"@?[a-z][a-z0-9._:/-]{0,15}", fullmatch=True)
versions = st.none() | st.from_regex(
    r"[0-9]{1,3}(\.[0-9]{1,3}){0,2}([-+~][a-z0-9.]{1,6})?", fullmatch=True
)

dependencies = st.builds(
    Dependency,
    name=names,
    version=versions,
    ecosystem=st.sampled_from(list(Ecosystem)),
    direct=st.booleans(),
    source=st.sampled_from(["package-lock.json", "poetry.lock", "go.mod", "a/b/uv.lock"]),
    line=st.none() | st.integers(1, 10**6),
    group=maybe_texts,
    path=st.lists(names, max_size=3).map(tuple),
    note=maybe_texts,
    approximate=st.booleans(),
    license=maybe_texts,
)
vulnerabilities = st.builds(
    Vulnerability,
    id=st.from_regex(r"(GHSA|PYSEC|GO|RUSTSEC|CVE)-[0-9a-z-]{4,12}", fullmatch=True),
    aliases=st.lists(st.from_regex(r"CVE-20[0-9]{2}-[0-9]{4,6}", fullmatch=True), max_size=2).map(
        tuple
    ),
    summary=texts,
    details=texts,
    severity=st.sampled_from(list(Severity)),
    cvss_score=st.none() | st.floats(0, 10, allow_nan=False),
    cvss_vector=maybe_texts,
    fixed_version=versions,
    affected_ranges=texts,
    url=st.sampled_from(["", "https://osv.dev/vulnerability/X", "https://e.com/a)b"]),
    informational=st.none() | st.sampled_from(["unmaintained", "unsound"]),
    published=maybe_texts,
    modified=maybe_texts,
)


@st.composite
def results(draw: st.DrawFn) -> ScanResult:
    # The scanner's findings and licenses name dependencies from the result's own list.
    listed = draw(
        st.lists(
            dependencies,
            max_size=6,
            unique_by=lambda d: replace(d, note=None, approximate=False),
        )
    )
    findings: list[Finding] = []
    licenses: list[LicenseFinding] = []
    if listed:
        picks = st.sampled_from(listed)
        findings = draw(
            st.lists(
                st.builds(
                    Finding,
                    dependency=picks,
                    vulnerability=vulnerabilities,
                    is_imported=st.booleans(),
                    reachability=st.sampled_from(["imported", "not_imported", "not_analyzed"]),
                    approximate=st.booleans(),
                ),
                max_size=5,
            )
        )
        licenses = draw(
            st.lists(
                st.builds(
                    LicenseFinding,
                    dependency=picks,
                    expression=texts,
                    category=st.sampled_from(list(LicenseCategory)),
                    allowed=st.none() | st.booleans(),
                    reason=texts,
                ),
                max_size=3,
            )
        )
    return ScanResult(
        findings=tuple(findings),
        dependencies=tuple(listed),
        ecosystems=tuple(draw(st.lists(texts, max_size=3))),
        scanned_at=draw(texts),
        duration_ms=draw(st.integers(0, 10**7)),
        conclusion=draw(st.sampled_from(list(Conclusion))),
        errors=tuple(
            draw(
                st.lists(
                    st.builds(ScanIssue, texts, texts, st.none() | st.integers(1, 10**6)),
                    max_size=2,
                )
            )
        ),
        warnings=tuple(draw(st.lists(texts, max_size=2))),
        advisories_loaded=draw(st.integers(0, 10**6)),
        notes=tuple(draw(st.lists(texts, max_size=2))),
        licenses=tuple(licenses),
        license_policy=draw(st.none() | st.sampled_from(["permissive", "copyleft_ok"])),
    )


def stored(result: ScanResult) -> Any:
    """As the report row keeps it: JSON text."""
    return orjson.loads(orjson.dumps(result_to_dict(result)))


@settings(max_examples=100, deadline=None)
@given(result=results())
def test_a_stored_result_renders_the_same_markdown(result: ScanResult) -> None:
    data = stored(result)
    back = result_from_dict(data)
    assert result_to_dict(back) == data
    assert markdown.render(back) == markdown.render(result)


def test_a_real_result_comes_back_whole() -> None:
    result = vulnerable_result()
    back = result_from_dict(stored(result))
    assert markdown.render(back) == markdown.render(result)
    assert back.conclusion is Conclusion.FAILURE
    assert len(back.findings) == len(result.findings)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=15,
)


@given(data=st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_anything_else_is_refused_with_its_own_error(data: dict[str, Any]) -> None:
    with contextlib.suppress(StoredResultError):
        result_from_dict(data)


@settings(max_examples=100, deadline=None)
@given(result=results(), data=st.data())
def test_a_damaged_stored_result_never_raises_anything_else(
    result: ScanResult, data: st.DataObject
) -> None:
    document = stored(result)
    key = data.draw(st.sampled_from(sorted(document)))
    document[key] = data.draw(json_values)
    with contextlib.suppress(StoredResultError):
        result_from_dict(document)


@pytest.mark.parametrize(
    "damage",
    [
        {"conclusion": "maybe"},
        {"findings": [{"dependency": {}}]},
        {"duration": "12"},
    ],
)
def test_damage_is_reported(damage: dict[str, Any]) -> None:
    document = {**stored(vulnerable_result()), **damage}
    with pytest.raises(StoredResultError, match="stored scan result"):
        result_from_dict(document)
