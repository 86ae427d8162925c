"""composer.json: require and require-dev constraints raised in place."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors.base import EditResult
from bastion.fixes.editors.composerjson import ComposerJsonEditor
from bastion.sca.extractors.base import ExtractInput
from bastion.sca.extractors.php.composerjson import ComposerJsonExtractor
from tests.fixes.editors.support import bump, version_and_fix

PACKAGIST = Ecosystem.PACKAGIST
PATH = PurePosixPath("composer.json")
EDITOR = ComposerJsonEditor()


def edit(text: str, *bumps: Any) -> EditResult:
    return EDITOR.edit(PATH, text.encode(), list(bumps))


def test_constraints_keep_their_operator_and_names_match_case_insensitively() -> None:
    doc = {
        "require": {"php": ">=8.1", "Symfony/HTTP-Kernel": "^5.4.1", "guzzlehttp/guzzle": "v7.4.0"},
        "require-dev": {"phpunit/phpunit": "~9.5.0", "monolog/monolog": "^1.0 || ^2.0"},
    }
    text = json.dumps(doc, indent=4) + "\n"
    result = edit(
        text,
        bump(PACKAGIST, "symfony/http-kernel", ("5.4.1", "5.4.20")),
        bump(PACKAGIST, "guzzlehttp/guzzle", ("7.4.0", "7.4.5")),
        bump(PACKAGIST, "phpunit/phpunit", ("9.5.0", "9.5.10")),
        bump(PACKAGIST, "monolog/monolog", ("2.0.0", "2.1.0")),
        bump(PACKAGIST, "psr/log", ("1.0.0", "1.1.0", False)),
    )
    assert result.data.decode() == (
        text.replace("^5.4.1", "^5.4.20").replace("v7.4.0", "v7.4.5").replace("~9.5.0", "~9.5.10")
    )
    assert [s.package for s in result.skipped] == ["monolog/monolog", "psr/log"]


def test_manifest_for() -> None:
    assert EDITOR.manifest_for(PurePosixPath("app/composer.lock")) == PurePosixPath(
        "app/composer.json"
    )


vendors = st.from_regex(r"[a-z]{1,5}/[a-z][a-z-]{0,6}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(st.data(), st.lists(vendors, min_size=1, max_size=6, unique=True), st.sampled_from((2, 4)))
def test_any_composer_json_changes_exactly_the_intended_constraints(
    data: st.DataObject, packages: list[str], indent: int
) -> None:
    doc: dict[str, Any] = {"name": "acme/app"}
    expected: dict[str, Any] = {"name": "acme/app"}
    bumps = []
    for name in packages:
        section = data.draw(st.sampled_from(("require", "require-dev")))
        installed, fixed = data.draw(version_and_fix())
        operator = data.draw(st.sampled_from(("", "^", "~", ">=")))
        doc.setdefault(section, {})[name] = operator + installed
        expected.setdefault(section, {})[name] = operator + installed
        if data.draw(st.booleans()):
            bumps.append(bump(PACKAGIST, name, (installed, fixed)))
            expected[section][name] = operator + fixed
    before = json.dumps(doc, indent=indent)

    result = edit(before, *bumps)

    assert result.data.decode() == json.dumps(expected, indent=indent)
    extractor = ComposerJsonExtractor()
    old = extractor.extract(ExtractInput(PATH, before.encode()))
    new = extractor.extract(ExtractInput(PATH, result.data))
    assert [(d.name, d.group) for d in new] == [(d.name, d.group) for d in old]
