"""Every language's import reader, and which files each one reads."""

from __future__ import annotations

from typing import assert_never

from bastion.sca.reachability.base import Language, LanguageReader
from bastion.sca.reachability.languages.apple import ObjectiveCReader, SwiftReader
from bastion.sca.reachability.languages.csharp import CSharpReader
from bastion.sca.reachability.languages.go import GoReader
from bastion.sca.reachability.languages.javascript import (
    JavaScriptReader,
    SvelteReader,
    TsxReader,
    TypeScriptReader,
    VueReader,
)
from bastion.sca.reachability.languages.jvm import JavaReader, KotlinReader
from bastion.sca.reachability.languages.php import PhpReader
from bastion.sca.reachability.languages.python import PythonReader
from bastion.sca.reachability.languages.ruby import RubyReader
from bastion.sca.reachability.languages.rust import RustReader


def reader_for(language: Language) -> LanguageReader:
    match language:
        case Language.PYTHON:
            return PythonReader()
        case Language.JAVASCRIPT:
            return JavaScriptReader()
        case Language.TYPESCRIPT:
            return TypeScriptReader()
        case Language.TSX:
            return TsxReader()
        case Language.VUE:
            return VueReader()
        case Language.SVELTE:
            return SvelteReader()
        case Language.GO:
            return GoReader()
        case Language.RUST:
            return RustReader()
        case Language.RUBY:
            return RubyReader()
        case Language.JAVA:
            return JavaReader()
        case Language.KOTLIN:
            return KotlinReader()
        case Language.CSHARP:
            return CSharpReader()
        case Language.PHP:
            return PhpReader()
        case Language.SWIFT:
            return SwiftReader()
        case Language.OBJC:
            return ObjectiveCReader()
        case _:
            assert_never(language)


READERS: dict[Language, LanguageReader] = {language: reader_for(language) for language in Language}
SUFFIXES: dict[str, Language] = {
    suffix: reader.language for reader in READERS.values() for suffix in reader.suffixes
}


def language_for(file_name: str) -> Language | None:
    """The language of a file, by its (case-insensitive) suffix."""
    dot = file_name.rfind(".")
    if dot <= 0:
        return None
    return SUFFIXES.get(file_name[dot:].lower())
