"""C#: `using A.B;`, `using static A.B.C;`, `using X = A.B;`, `global using A;`, and
qualified names written in code (`Newtonsoft.Json.JsonConvert.SerializeObject(…)`).

`using (var x = …)` is a statement about disposal, a different node, and never counts.
"""

from __future__ import annotations

from typing import ClassVar

from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.languages._treesitter import (
    Spans,
    captures,
    compile_query,
    dotted_chain,
    line,
    parse,
    text,
)

_QUERY = """
(using_directive) @using
(namespace_declaration name: (_) @skip)
(file_scoped_namespace_declaration name: (_) @skip)
(qualified_name qualifier: (identifier) @head)
(member_access_expression expression: (identifier) @head)
"""
_CHAINS = frozenset({"qualified_name", "member_access_expression"})


class CSharpReader:
    language: ClassVar[Language] = Language.CSHARP
    suffixes: ClassVar[frozenset[str]] = frozenset({".cs"})

    def imports(self, source: bytes) -> list[ImportRef]:
        found = captures(compile_query("csharp", _QUERY), parse("csharp", source))
        refs: list[ImportRef] = []
        skipped = Spans(found.get("skip", []))
        for directive in found.get("using", ()):
            skipped.add(directive)
            targets = [
                c for c in directive.named_children if c.type in ("qualified_name", "identifier")
            ]
            if targets:
                # `using X = A.B;` names the alias first and the namespace last.
                refs.append(ImportRef("".join(text(targets[-1]).split()), line(directive)))
        seen: set[tuple[str, int]] = set()
        for head in found.get("head", []):
            if head in skipped:
                continue
            names = dotted_chain(head, _CHAINS)
            if len(names) < 2:
                continue
            key = (".".join(names), line(head))
            if key not in seen:
                seen.add(key)
                refs.append(ImportRef(*key))
        refs.sort(key=lambda ref: ref.line)
        return refs
