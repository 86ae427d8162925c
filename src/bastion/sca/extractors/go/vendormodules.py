"""Go ``vendor/modules.txt``: the modules ``go mod vendor`` copied into ``vendor/``.

The format, as cmd/go's ``modload/vendor.go`` reads it:

* ``# module version`` starts a module, optionally followed by ``=> replacement`` or
  ``=> replacement version``;
* ``## explicit``, ``## explicit; go 1.17`` or ``## go 1.17`` annotate the module above;
* every other line names one vendored package of the module above.

A module is in the build when it provides a package or go.mod requires it (``explicit``).
Since Go 1.14 the file also ends with ``# module [version] => replacement`` lines for
every ``replace`` directive that no module above used, with neither packages nor
annotations: those replacements had no effect, so they are not reported. Files from
before Go 1.14 carry no annotations at all; there every versioned module line counts.

``explicit`` means "required by go.mod", which since Go 1.17 includes ``// indirect``
requirements, so directness comes from the neighbouring ``../go.mod`` when it can be
read; otherwise every explicit module is taken as direct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.go.gomod import parse_gomod

# golang.org/x/mod/semver.IsValid, which decides whether "# a b" names a version.
_SEMVER = re.compile(
    r"v(0|[1-9]\d*)(\.(0|[1-9]\d*)(\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?"
    r"(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?)?"
)


@dataclass(slots=True)
class _Module:
    path: str
    version: str
    line: int
    replacement: tuple[str, str | None] | None  # (path, version or None for a directory)
    explicit: bool = False
    packages: int = 0
    annotated: bool = False


class GoVendorModulesExtractor:
    name: ClassVar[str] = "go/vendormodules"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "modules.txt" and path.parent.name == "vendor"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        modules = _parse(source.text())
        annotated = any(module.annotated for module in modules)
        direct_paths = _direct_from_gomod(source)
        where = str(source.path)
        found: list[Dependency] = []
        for module in modules:
            if annotated and not module.explicit and not module.packages:
                continue  # an unused replacement (see the module docstring)
            direct = module.path in direct_paths if direct_paths is not None else module.explicit
            name: str = module.path
            version: str | None = module.version
            note: str | None = None
            if module.replacement is not None:
                new_path, new_version = module.replacement
                if new_version is None:
                    version = None
                    note = f"replaced by local path {new_path}, no version"
                else:
                    # The replacement is what was vendored, so advisories are about it.
                    note = f"{module.path} {module.version} replaced by {new_path} {new_version}"
                    name, version = new_path, new_version
            found.append(
                Dependency(
                    name=name,
                    version=version,
                    ecosystem=Ecosystem.GO,
                    direct=direct,
                    source=where,
                    line=module.line,
                    extractor=self.name,
                    path=(name,) if direct else (),
                    note=note,
                )
            )
        return found


def _parse(text: str) -> list[_Module]:
    modules: list[_Module] = []
    current: _Module | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if line.startswith("# "):
            current = _module_line(line, number)
            if current is not None:
                modules.append(current)
            continue
        if line.startswith("## "):
            if current is None:
                raise ExtractionError("annotation before any '# module' line", number)
            current.annotated = True
            for entry in line[3:].split(";"):
                if entry.strip() == "explicit":
                    current.explicit = True
            continue
        fields = line.split()
        if len(fields) != 1 or line.startswith("#"):
            raise ExtractionError(f"expected a package path, got {line.strip()!r}", number)
        if current is None:
            # Also the first line of anything that is not a modules.txt at all.
            raise ExtractionError("package line before any '# module version' line", number)
        current.packages += 1
    return modules


def _module_line(line: str, number: int) -> _Module | None:
    """The module a ``# ...`` line starts, or None for a wildcard replacement."""
    fields = line.split()[1:]
    if len(fields) < 2:
        raise ExtractionError(f"expected '# module version', got {line.strip()!r}", number)
    if fields[1] == "=>":
        return None  # "# module => replacement": applies to no single vendored version
    if not _SEMVER.fullmatch(fields[1]):
        raise ExtractionError(f"{fields[1]!r} is not a module version", number)
    module = _Module(fields[0], fields[1], number, None)
    rest = fields[2:]
    if not rest:
        return module
    if rest[0] != "=>" or len(rest) not in (2, 3):
        raise ExtractionError(
            f"expected '# module version => replacement [version]', got {line.strip()!r}",
            number,
        )
    module.replacement = (rest[1], rest[2] if len(rest) == 3 else None)
    return module


def _direct_from_gomod(source: ExtractInput) -> set[str] | None:
    """Module paths go.mod requires without ``// indirect``; None when it cannot tell."""
    data = source.read_relative(source.path.parent.parent / "go.mod")
    if data is None:
        return None
    try:
        parsed = parse_gomod(data.decode("utf-8"))
    except (UnicodeDecodeError, ExtractionError):
        # A broken go.mod is reported when go.mod itself is scanned; here it only
        # costs the direct/indirect split.
        return None
    return {module for module, _, indirect, _ in parsed.requires if not indirect}
