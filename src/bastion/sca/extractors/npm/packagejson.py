"""npm's ``package.json`` as a manifest, for projects without a lockfile.

A manifest declares ranges, not versions: every dependency is listed with version None
and the range in its note, never a guessed version. Any lockfile beside it (npm, Yarn,
pnpm, Bun) says what is really installed, so the manifest gives way to it.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.npm import _jsonc
from bastion.sca.extractors.npm._common import LOCAL, json_kind, split_spec

_SECTIONS: dict[str, str | None] = {
    "dependencies": None,
    "devDependencies": "dev",
    "optionalDependencies": "optional",
    "peerDependencies": "peer",
}
_GIT_PREFIXES = ("git+", "git:", "github:", "gitlab:", "bitbucket:", "gist:")
_LOCAL_PREFIXES = ("./", "../", "/", "~/")


class PackageJsonExtractor:
    name: ClassVar[str] = "npm/packagejson"
    superseded_by: ClassVar[frozenset[str]] = frozenset(
        {
            "package-lock.json",
            "npm-shrinkwrap.json",
            "yarn.lock",
            "pnpm-lock.yaml",
            "bun.lock",
            "bun.lockb",
        }
    )

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "package.json"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        lines = _jsonc.scan(text, jsonc=False, max_key_depth=2).lines
        doc = _jsonc.loads(text)
        if not isinstance(doc, dict):
            raise ExtractionError(f"expected a JSON object at the top, got {json_kind(doc)}", 1)
        where = str(source.path)
        found: list[Dependency] = []
        for section, entries in doc.items():
            if section not in _SECTIONS:
                continue
            if not isinstance(entries, dict):
                raise ExtractionError(
                    f"'{section}' should be an object, got {json_kind(entries)}",
                    lines.get((section,)),
                )
            for declared, spec in entries.items():
                line = lines.get((section, declared))
                if not isinstance(spec, str):
                    raise ExtractionError(
                        f"'{declared}' in '{section}' should be a string, got {json_kind(spec)}",
                        line,
                    )
                if not declared.strip():
                    raise ExtractionError(f"a dependency in '{section}' has no name", line)
                name, note, local = _describe(declared, spec.strip())
                found.append(
                    Dependency(
                        name=name,
                        version=None,
                        ecosystem=Ecosystem.NPM,
                        direct=True,
                        source=where,
                        line=line,
                        extractor=self.name,
                        group=LOCAL if local else _SECTIONS[section],
                        path=(name,),
                        note=note,
                    )
                )
        return found


def _describe(name: str, spec: str) -> tuple[str, str, bool]:
    """(real name, why there is no version, is a local package) of one declaration."""
    if spec.startswith("npm:"):
        real, target = split_spec(spec[4:])
        if real:
            return real, f"declared range {target or '*'} as alias {name}, not resolved", False
    if spec.startswith("workspace:"):
        return name, f"local workspace package ({spec})", True
    if spec.startswith(("link:", "portal:")):
        return name, f"linked local folder ({spec})", True
    if spec.startswith("file:") or spec.startswith(_LOCAL_PREFIXES) or spec in (".", ".."):
        return name, f"local package ({spec})", True
    if spec.startswith(_GIT_PREFIXES) or (spec.endswith(".git") and "://" in spec):
        return name, f"git dependency ({spec})", False
    if spec.startswith(("http://", "https://")):
        return name, f"tarball URL ({spec})", False
    if ":" in spec:
        return name, f"declared as {spec}, not resolved", False
    if "/" in spec:
        # npm reads "user/repo" as a GitHub repository.
        return name, f"git dependency ({spec})", False
    return name, f"declared range {spec or '*'}, not resolved", False
