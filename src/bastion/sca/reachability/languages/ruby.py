"""Ruby: `require 'x'` (also `Kernel.require`, with or without parentheses) and
`autoload :Const, 'x'` of a literal path, and `Bundler.require`, which loads every gem of
the Gemfile (how a Rails application loads its gems: config/application.rb names none).
`require_relative` loads the project's own files and is not recorded; neither is
`gem 'x'`, which only activates a gem without loading it.
"""

from __future__ import annotations

from typing import ClassVar

from bastion.sca.reachability.base import ImportKind, ImportRef, Language
from bastion.sca.reachability.languages._treesitter import (
    compile_query,
    line,
    literal,
    matches,
    parse,
    text,
)

_CALLS = """
(call receiver: (_)? @receiver method: (identifier) @method
      arguments: (argument_list (string) @path))
(call receiver: (constant) @receiver method: (identifier) @method
      (#eq? @receiver "Bundler") (#eq? @method "require")) @bundler
"""
_MARKERS = (b"require", b"autoload")


class RubyReader:
    language: ClassVar[Language] = Language.RUBY
    suffixes: ClassVar[frozenset[str]] = frozenset({".rb", ".rake", ".ru"})

    def imports(self, source: bytes) -> list[ImportRef]:
        if not any(marker in source for marker in _MARKERS):
            return []
        refs: list[ImportRef] = []
        for _, match in matches(compile_query("ruby", _CALLS), parse("ruby", source)):
            receiver = match.get("receiver")
            receiver_name = text(receiver[0]) if receiver else None
            if "bundler" in match:
                refs.append(
                    ImportRef("Bundler.require", line(match["bundler"][0]), ImportKind.ALL_DIRECT)
                )
                continue
            method = text(match["method"][0])
            path = match["path"][0]
            arguments = path.parent
            if arguments is None:
                continue
            position = arguments.named_children.index(path)
            wanted = (
                method == "require" and receiver_name in (None, "Kernel") and position == 0
            ) or (method == "autoload" and receiver_name is None and position == 1)
            if not wanted:
                continue
            value = literal(path)
            if value:
                refs.append(ImportRef(value, line(path)))
        refs.sort(key=lambda ref: ref.line)
        return refs
