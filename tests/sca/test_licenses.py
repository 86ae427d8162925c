from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.advisories.store import AdvisoryInfo, AffectedEntry
from bastion.ecosystems import Ecosystem
from bastion.models import Dependency, LicenseCategory
from bastion.sca.licenses import (
    LicensePolicy,
    PolicyKind,
    any_of,
    classify_license,
    evaluate_licenses,
    normalise_license,
    parse_license_policy,
)
from bastion.sca.repo_config import parse_repo_config
from bastion.sca.scanner import scan_path
from tests.sca.extractors.test_properties import SETTINGS

P = LicenseCategory.PERMISSIVE
W = LicenseCategory.WEAK_COPYLEFT
C = LicenseCategory.COPYLEFT
U = LicenseCategory.UNKNOWN

PERMISSIVE = LicensePolicy(PolicyKind.PERMISSIVE)
COPYLEFT_OK = LicensePolicy(PolicyKind.COPYLEFT_OK)
CUSTOM = LicensePolicy(PolicyKind.CUSTOM, allow=("MIT", "Apache-2.0"), block=("GPL-3.0-only",))
BLOCK_ONLY = LicensePolicy(PolicyKind.CUSTOM, block=("AGPL-3.0-only", "AGPL-3.0-or-later"))


@pytest.mark.parametrize(
    ("declared", "expression", "category"),
    [
        ("MIT", "MIT", P),
        ("mit", "MIT", P),
        ("MIT OR Apache-2.0", "MIT OR Apache-2.0", P),
        ("(MIT AND BSD-3-Clause)", "MIT AND BSD-3-Clause", P),
        ("mit or apache-2.0", "MIT OR Apache-2.0", P),
        ("BSD-3-Clause-Clear", "BSD-3-Clause-Clear", P),
        ("0BSD", "0BSD", P),
        ("Unlicense", "Unlicense", P),
        ("PSF-2.0", "PSF-2.0", P),
        # Deprecated SPDX ids take their current form.
        ("GPL-2.0", "GPL-2.0-only", C),
        ("GPL-2.0+", "GPL-2.0-or-later", C),
        ("LGPL-2.1", "LGPL-2.1-only", W),
        ("AGPL-3.0", "AGPL-3.0-only", C),
        ("MPL-2.0", "MPL-2.0", W),
        ("EPL-2.0", "EPL-2.0", W),
        ("CDDL-1.1", "CDDL-1.1", W),
        ("SSPL-1.0", "SSPL-1.0", C),
        # Unambiguous legacy spellings.
        ("Apache 2.0", "Apache-2.0", P),
        ("Apache License, Version 2.0", "Apache-2.0", P),
        ("MIT/X11", "MIT", P),
        ("Apache 2.0 OR GPL-3.0", "Apache-2.0 OR GPL-3.0-only", P),
        # OR: the most permissive option; AND: the most restrictive part.
        ("MIT OR GPL-3.0-only", "MIT OR GPL-3.0-only", P),
        ("MIT AND GPL-3.0-only", "MIT AND GPL-3.0-only", C),
        ("MPL-2.0 AND (MIT OR GPL-3.0-only)", "MPL-2.0 AND (MIT OR GPL-3.0-only)", W),
        ("(MIT OR Apache-2.0) OR ISC", "MIT OR Apache-2.0 OR ISC", P),
        ("MIT AND Acme-License", "MIT AND Acme-License", U),
        ("GPL-3.0-only OR Acme-License", "GPL-3.0-only OR Acme-License", C),
        # A linking exception takes the copyleft out of the combined work.
        (
            "GPL-2.0-only WITH Classpath-exception-2.0",
            "GPL-2.0-only WITH Classpath-exception-2.0",
            W,
        ),
        ("Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception", P),
        # Not a license bastion can name.
        ("BSD", "BSD", U),
        # The GPL itself says: no version named, any version may be chosen.
        ("GPL", "GPL-1.0-or-later", C),
        ("GNU GPL", "GNU GPL", U),
        ("UNLICENSED", "UNLICENSED", U),
        ("SEE LICENSE IN LICENSE.md", "SEE LICENSE IN LICENSE.md", U),
        ("SEE LICENSE IN (weird", "SEE LICENSE IN (weird", U),
        ("LicenseRef-Acme", "LicenseRef-Acme", U),
        ("MIT, BSD", "MIT, BSD", U),
        ("OR", "OR", U),
        ("Artistic-2.0", "Artistic-2.0", U),  # SPDX knows it; the table does not
    ],
)
def test_normalise_and_classify(declared: str, expression: str, category: LicenseCategory) -> None:
    assert normalise_license(declared) == expression
    assert classify_license(declared) is category


@pytest.mark.parametrize(
    ("declared", "policy", "allowed", "reason"),
    [
        ("MIT", PERMISSIVE, True, "MIT is permissive"),
        (
            "GPL-3.0-only",
            PERMISSIVE,
            False,
            "GPL-3.0-only is copyleft; the permissive policy allows only permissive licenses",
        ),
        ("LGPL-2.1-only", PERMISSIVE, False, "LGPL-2.1-only is weak copyleft"),
        ("MIT OR GPL-3.0-only", PERMISSIVE, True, "MIT is permissive"),
        ("MIT AND GPL-3.0-only", PERMISSIVE, False, "GPL-3.0-only is copyleft"),
        ("UNLICENSED", PERMISSIVE, None, "grants no license"),
        ("GPL-3.0-only OR Acme", PERMISSIVE, None, "Acme is not an SPDX license id; review it"),
        ("GPL-3.0-only AND Acme", PERMISSIVE, False, "GPL-3.0-only is copyleft"),
        ("AGPL-3.0-only", COPYLEFT_OK, True, "AGPL-3.0-only is copyleft"),
        ("BSD", COPYLEFT_OK, None, "BSD names a family of licenses, not one; review it"),
        ("MIT", CUSTOM, True, "MIT is on the allow list"),
        ("GPL-3.0-or-later", CUSTOM, False, "GPL-3.0-or-later is not on the allow list"),
        ("GPL-3.0-only OR Apache-2.0", CUSTOM, True, "Apache-2.0 is on the allow list"),
        ("GPL-3.0-only AND Apache-2.0", CUSTOM, False, "GPL-3.0-only is on the block list"),
        ("Acme", CUSTOM, None, "review it"),
        ("ISC", BLOCK_ONLY, True, "ISC is not on the block list"),
        ("AGPL-3.0", BLOCK_ONLY, False, "AGPL-3.0-only is on the block list"),
        ("SEE LICENSE IN x", BLOCK_ONLY, None, "review it"),
    ],
)
def test_policies(declared: str, policy: LicensePolicy, allowed: bool | None, reason: str) -> None:
    (finding,) = evaluate_licenses([_dep(declared)], policy)
    assert finding.allowed is allowed
    assert reason in finding.reason


def test_without_a_policy_nothing_is_judged() -> None:
    deps = [_dep("MIT"), _dep("GPL-3.0-only"), _dep(None), _dep(" "), _dep("Acme")]
    findings = evaluate_licenses(deps, None)
    assert [(f.dependency.license, f.category, f.allowed) for f in findings] == [
        ("MIT", P, None),
        ("GPL-3.0-only", C, None),
        ("Acme", U, None),
    ]
    assert [f.reason for f in findings] == [
        "MIT is permissive",
        "GPL-3.0-only is copyleft",
        "Acme is not an SPDX license id",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("permissive", PERMISSIVE),
        ("Copyleft-OK", COPYLEFT_OK),
        (
            {"allow": ["mit", "Apache 2.0"], "block": "GPL-3.0"},
            LicensePolicy(PolicyKind.CUSTOM, ("MIT", "Apache-2.0"), ("GPL-3.0-only",)),
        ),
        ({"allow": ["LicenseRef-Acme"]}, LicensePolicy(PolicyKind.CUSTOM, ("LicenseRef-Acme",))),
        (
            {"block": ["GPL-2.0-only WITH Classpath-exception-2.0"]},
            LicensePolicy(PolicyKind.CUSTOM, (), ("GPL-2.0-only WITH Classpath-exception-2.0",)),
        ),
    ],
)
def test_parse_policy(value: Any, expected: LicensePolicy) -> None:
    assert parse_license_policy(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("strict", "must be permissive, copyleft_ok or a mapping"),
        (3, "must be permissive, copyleft_ok or a mapping"),
        ({}, "an allow or a block list"),
        ({"allow": []}, "an allow or a block list"),
        ({"deny": ["MIT"]}, "unknown key(s) deny"),
        ({"allow": "MIT", "block": ["mit"]}, "mit both allowed and blocked"),
        ({"allow": [1]}, "allow must be a list of SPDX license ids"),
        ({"allow": ["MTI"]}, "allow: 'MTI' is not an SPDX license id"),
        ({"block": ["MIT OR GPL-3.0-only"]}, "is not an SPDX license id"),
        ({"block": ["BSD"]}, "is not an SPDX license id"),
    ],
)
def test_invalid_policies(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_license_policy(value)


def test_policy_labels() -> None:
    assert PERMISSIVE.label == "permissive"
    assert CUSTOM.label == "custom (allow MIT, Apache-2.0; block GPL-3.0-only)"
    assert BLOCK_ONLY.label == "custom (block AGPL-3.0-only, AGPL-3.0-or-later)"


def test_repo_config_reads_the_policy() -> None:
    config = parse_repo_config({"license": {"policy": {"allow": ["MIT"]}}}, ".bastion.yml")
    assert config.warnings == ()
    assert config.license_policy == LicensePolicy(PolicyKind.CUSTOM, ("MIT",))
    assert parse_repo_config({"license": {"policy": "permissive"}}, "x").license_policy == (
        PERMISSIVE
    )
    assert parse_repo_config({"license": {}}, "x").license_policy is None


@pytest.mark.parametrize("value", ["lenient", {"allow": ["Not-A-License"]}, ["MIT"]])
def test_repo_config_falls_back_to_no_policy(value: Any) -> None:
    config = parse_repo_config({"license": {"policy": value}}, ".bastion.yml")
    assert config.license_policy is None
    (warning,) = config.warnings
    assert warning.startswith(".bastion.yml: license.policy: ")
    assert warning.endswith("; no license policy is applied")


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([], None),
        (["MIT"], "MIT"),
        (["MIT", " MIT "], "MIT"),
        (["MIT", "Apache 2.0"], "MIT OR (Apache 2.0)"),
        (["", "  "], None),
    ],
)
def test_any_of(parts: list[str], expected: str | None) -> None:
    assert any_of(parts) == expected


@SETTINGS
@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(
            st.sampled_from(["MIT", "GPL-3.0", "(", ")", " AND ", " OR ", " WITH ", "Foo", ","]),
            max_size=12,
        ).map("".join),
    ),
    st.sampled_from([None, PERMISSIVE, COPYLEFT_OK, CUSTOM, BLOCK_ONLY]),
)
def test_any_text_gets_a_verdict(text: str, policy: LicensePolicy | None) -> None:
    findings = evaluate_licenses([_dep(text)], policy)
    if not text.strip():
        assert findings == ()
        return
    (finding,) = findings
    assert finding.expression
    assert finding.reason
    if policy is None or policy.kind is PolicyKind.COPYLEFT_OK:
        assert finding.allowed is not False


def _dep(license: str | None) -> Dependency:
    return Dependency("pkg", "1.0.0", Ecosystem.NPM, True, "package-lock.json", license=license)


class _NoAdvisories:
    """Licenses need no advisory data."""

    def record_count(self) -> int:
        return 0

    def affected_entries(
        self, ecosystem: Ecosystem, names: Iterable[str]
    ) -> dict[str, list[AffectedEntry]]:
        return {}

    def advisories(self, ids: Iterable[str]) -> dict[str, AdvisoryInfo]:
        return {}


def test_scan_reports_licenses_without_changing_the_conclusion(tmp_path: Path) -> None:
    lock = {
        "lockfileVersion": 3,
        "packages": {
            "": {"dependencies": {"a": "1", "b": "1", "c": "1"}},
            "node_modules/a": {"version": "1.0.0", "license": "MIT"},
            "node_modules/b": {"version": "1.0.0", "license": "GPL-3.0-only"},
            "node_modules/c": {"version": "1.0.0"},
        },
    }
    (tmp_path / "package-lock.json").write_text(json.dumps(lock, indent=2))
    unconfigured = scan_path(tmp_path, _NoAdvisories())
    assert unconfigured.license_policy is None
    assert [(f.dependency.name, f.category, f.allowed) for f in unconfigured.licenses] == [
        ("a", P, None),
        ("b", C, None),
    ]

    (tmp_path / ".bastion.yml").write_text("license:\n  policy: permissive\n")
    scanned = scan_path(tmp_path, _NoAdvisories())
    assert scanned.warnings == ()
    assert scanned.license_policy == "permissive"
    assert [(f.dependency.name, f.allowed) for f in scanned.licenses] == [
        ("a", True),
        ("b", False),
    ]
    assert scanned.conclusion is unconfigured.conclusion
