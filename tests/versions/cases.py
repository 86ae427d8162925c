"""Table-driven version-ordering cases, read from ``testdata/<name>.txt``.

File format, one case per line::

    1.0.0-alpha < 1.0.0      # a sorts before b
    1.0 = 1.0.0              # same precedence
    2.0 > 1.9                # a sorts after b
    # a comment line; blank lines are ignored

A trailing ``<whitespace># ...`` comment is allowed. The operator must be surrounded by
single spaces, so versions may contain ``<``/``=``/``>`` themselves only if they are
not so surrounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bastion.ecosystems import Ecosystem
from bastion.versions import compare_versions, version_key

TESTDATA = Path(__file__).parent / "testdata"

_LINE = re.compile(r"(?P<a>.+?) (?P<op>[<=>]) (?P<b>.+)")
_TRAILING_COMMENT = re.compile(r"\s+#\s.*$")


@dataclass(frozen=True)
class Case:
    a: str
    op: str
    b: str
    where: str

    @property
    def expected(self) -> int:
        return {"<": -1, "=": 0, ">": 1}[self.op]


def load_cases(name: str) -> list[Case]:
    path = TESTDATA / f"{name}.txt"
    cases: list[Case] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = _TRAILING_COMMENT.sub("", raw).strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            raise ValueError(f"{path.name}:{number}: cannot parse {raw!r}")
        cases.append(Case(match["a"], match["op"], match["b"], f"{path.name}:{number}"))
    if not cases:
        raise ValueError(f"{path.name} holds no cases")
    return cases


def case_params(name: str, keep: Callable[[Case], bool] = lambda case: True) -> list[object]:
    return [
        pytest.param(case, id=f"{case.where} {case.a} {case.op} {case.b}")
        for case in load_cases(name)
        if keep(case)
    ]


def sign(value: int) -> int:
    return (value > 0) - (value < 0)


def check_case(compare: Callable[[str, str], int], case: Case) -> None:
    """Both directions, so an antisymmetry slip in the scheme cannot hide a wrong answer."""
    forward = sign(compare(case.a, case.b))
    backward = sign(compare(case.b, case.a))
    assert forward == case.expected, f"{case.where}: expected {case.a} {case.op} {case.b}"
    assert backward == -case.expected, f"{case.where}: reverse of {case.a} {case.op} {case.b}"


def check_ecosystem_case(ecosystem: Ecosystem, case: Case) -> None:
    """The public comparison and the key agree with the table, in both directions."""
    check_case(lambda a, b: compare_versions(ecosystem, a, b), case)
    key_a, key_b = version_key(ecosystem, case.a), version_key(ecosystem, case.b)
    assert sign((key_a > key_b) - (key_a < key_b)) == case.expected
    if case.expected == 0:
        assert key_a == key_b
        assert hash(key_a) == hash(key_b)
    else:
        assert key_a != key_b
