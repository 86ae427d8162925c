"""Python, read with the standard library's own parser.

Counted: `import a, b`, `import a.b as c`, `from a.b import c` (also inside functions,
`try:` blocks and conditionals: a lazy import still loads the package),
`importlib.import_module("lit")` / `__import__("lit")` with a literal name, and the dotted
paths of Django's `INSTALLED_APPS`/`MIDDLEWARE`/`AUTHENTICATION_BACKENDS` settings and of
`pytest_plugins`, which the framework imports by name (`"corsheaders"` is
django-cors-headers, loaded on every request).
Relative imports keep their dots (first-party). Imports under `if TYPE_CHECKING:` are
type-only.
A file that is not valid Python 3 is skipped by the caller with the reason.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from bastion.sca.reachability.base import ImportKind, ImportParseError, ImportRef, Language

_DYNAMIC = (b"import_module", b"__import__")
# Settings whose strings name modules the framework imports itself.
_DJANGO_SETTINGS = frozenset(
    {
        "INSTALLED_APPS",
        "MIDDLEWARE",
        "MIDDLEWARE_CLASSES",
        "AUTHENTICATION_BACKENDS",
        "pytest_plugins",
    }
)


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _statements(body: list[ast.stmt], kind: ImportKind) -> Iterator[tuple[ast.stmt, ImportKind]]:
    """Every statement, nested ones included, without visiting expressions: imports are
    statements, and skipping the expression trees is most of the work saved."""
    pending: list[tuple[list[ast.stmt], ImportKind]] = [(body, kind)]
    while pending:
        statements, current = pending.pop()
        for statement in statements:
            yield statement, current
            if isinstance(statement, ast.If) and _is_type_checking(statement.test):
                pending.append((statement.body, ImportKind.TYPE_ONLY))
                pending.append((statement.orelse, current))
                continue
            for field in ("body", "orelse", "finalbody"):
                nested = getattr(statement, field, None)
                if nested:
                    pending.append((nested, current))
            if isinstance(statement, ast.Try | ast.TryStar):
                for handler in statement.handlers:
                    pending.append((handler.body, current))
            elif isinstance(statement, ast.Match):
                for case in statement.cases:
                    pending.append((case.body, current))


def _setting_paths(statement: ast.stmt) -> Iterator[ImportRef]:
    if isinstance(statement, ast.Assign):
        targets, value = statement.targets, statement.value
    elif isinstance(statement, ast.AugAssign | ast.AnnAssign) and statement.value is not None:
        targets, value = [statement.target], statement.value
    else:
        return
    if not any(isinstance(t, ast.Name) and t.id in _DJANGO_SETTINGS for t in targets):
        return
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.List | ast.Tuple):
            pending.extend(node.elts)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            pending += [node.left, node.right]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
            yield ImportRef(node.value, node.lineno)


def _dynamic_imports(tree: ast.Module) -> Iterator[ImportRef]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        function = node.func
        name = (
            function.id
            if isinstance(function, ast.Name)
            else function.attr
            if isinstance(function, ast.Attribute)
            else None
        )
        if name not in ("import_module", "__import__"):
            continue
        argument = node.args[0]
        if (
            isinstance(argument, ast.Constant)
            and isinstance(argument.value, str)
            and argument.value
        ):
            yield ImportRef(argument.value, node.lineno)


class PythonReader:
    language: ClassVar[Language] = Language.PYTHON
    suffixes: ClassVar[frozenset[str]] = frozenset({".py", ".pyw"})

    def imports(self, source: bytes) -> list[ImportRef]:
        if b"import" not in source:
            return []
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            # ValueError: NUL bytes; RecursionError/MemoryError: absurdly deep nesting.
            raise ImportParseError(_reason(exc)) from exc
        refs: list[ImportRef] = []
        settings = any(name.encode() in source for name in _DJANGO_SETTINGS)
        for statement, kind in _statements(tree.body, ImportKind.RUNTIME):
            if settings:
                refs.extend(_setting_paths(statement))
            if isinstance(statement, ast.Import):
                refs.extend(
                    ImportRef(alias.name, statement.lineno, kind) for alias in statement.names
                )
            elif isinstance(statement, ast.ImportFrom):
                if statement.module == "__future__":
                    continue
                module = "." * statement.level + (statement.module or "")
                names = tuple(alias.name for alias in statement.names if alias.name != "*")
                refs.append(ImportRef(module, statement.lineno, kind, names=names))
        if any(marker in source for marker in _DYNAMIC):
            refs.extend(_dynamic_imports(tree))
        refs.sort(key=lambda ref: ref.line)
        return refs


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return f"not valid Python 3: {exc.msg}{where}"
    if isinstance(exc, RecursionError | MemoryError):
        return "nested too deeply to parse"
    return f"not valid Python 3: {exc}"
