"""Property tests: no input makes a reader or a mapping raise (other than a Python file's
documented ImportParseError), and what comes back is well formed."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.sca.reachability.base import ImportParseError, ImportRef, Language
from bastion.sca.reachability.mapping.npm import package_name
from bastion.sca.reachability.mapping.pypi import default_imports, record_modules
from bastion.sca.reachability.mapping.registry import all_mappings
from bastion.sca.reachability.registry import READERS
from bastion.sca.reachability.walker import MAX_NESTING

# Pieces of every supported syntax, so that generated files reach deep into the readers
# rather than stopping at the first byte the grammar rejects.
TOKENS = [
    "import ",
    "from ",
    "require",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "<",
    ">",
    "'",
    '"',
    "`",
    "${",
    "#{",
    "x",
    "a.b",
    "a::b",
    "\\",
    "/",
    ".",
    ",",
    ";",
    ":",
    "=",
    "*",
    "@",
    "#",
    "$",
    "\n",
    " ",
    "\t",
    "use ",
    "extern crate ",
    "type ",
    "export ",
    "package ",
    "using ",
    "static ",
    "global ",
    "mod ",
    "as ",
    "_",
    "Bundler",
    "autoload",
    "@import ",
    "#import ",
    "#include ",
    "<script>",
    "</script>",
    'lang="ts"',
    "namespace ",
    "func ",
    "fn ",
    "//",
    "/*",
    "*/",
    '"""',
    "TYPE_CHECKING",
    "if ",
    "try:",
    "import_module",
    "__import__",
    "<?php",
    "\x00",
    "\xff",
    "é",
]
source_text = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)
LANGUAGES = sorted(Language, key=lambda language: language.value)


def check(language: Language, source: bytes) -> None:
    try:
        refs = READERS[language].imports(source)
    except ImportParseError:
        assert language is Language.PYTHON
        return
    for ref in refs:
        assert isinstance(ref, ImportRef)
        assert ref.line >= 1
        assert isinstance(ref.specifier, str)


@pytest.mark.parametrize("language", LANGUAGES)
@settings(max_examples=60, deadline=None)
@given(source=st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(language: Language, source: bytes) -> None:
    check(language, source)


@pytest.mark.parametrize("language", LANGUAGES)
@settings(max_examples=80, deadline=None)
@given(source=source_text)
def test_syntax_soup_never_raises(language: Language, source: str) -> None:
    check(language, source.encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(specifier=st.text(max_size=40))
def test_npm_package_name_total(specifier: str) -> None:
    name = package_name(specifier)
    assert name is None or (name and not name.startswith((".", "/")))


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=40))
def test_pypi_guesses_total(name: str) -> None:
    assert all(isinstance(guess, str) and guess for guess in default_imports(name))


@settings(max_examples=200, deadline=None)
@given(record=st.text(max_size=300))
def test_record_modules_total(record: str) -> None:
    assert all(module and "/" not in module for module in record_modules(record))


CONTEXT_FILES = sorted({name for mapping in all_mappings() for name in mapping.context_files})


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300), name=st.sampled_from(CONTEXT_FILES))
def test_mappings_learn_from_anything(data: bytes, name: str) -> None:
    for mapping in all_mappings():
        mapping.learn(PurePosixPath("pkg-1.0.dist-info") / name, data)
        mapping.import_prefixes("some-name")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("opener", [b"(", b"[", b"{", b"import (", b"use a::{"])
def test_nesting_up_to_the_limit_is_read(language: Language, opener: bytes) -> None:
    # The walker refuses deeper files (test_analysis); this deep still has to work.
    check(language, b"import x\n" + opener * (MAX_NESTING // 2))
