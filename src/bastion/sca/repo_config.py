"""Per-repository settings from `.bastion.yml` (or `.dpendx.yml`), SPEC §5.

A repository's own file must never stop its scan: every key is checked on its own, and a
bad value falls back to its default with a warning that names the key and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bastion.ecosystems import Ecosystem, parse_ecosystem
from bastion.models import Severity
from bastion.sca.extractors import _yaml
from bastion.sca.extractors.base import ExtractionError
from bastion.sca.licenses import LicensePolicy, parse_license_policy
from bastion.sca.verdict import BlockOn

CONFIG_NAMES = (".bastion.yml", ".bastion.yaml", ".dpendx.yml", ".dpendx.yaml")
MAX_CONFIG_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """An advisory the team accepts, why, and until when (after that it applies again)."""

    id: str
    reason: str | None = None
    expires: date | None = None

    def active(self, today: date) -> bool:
        return self.expires is None or today <= self.expires


@dataclass(frozen=True)
class RepoConfig:
    mode: str = "full"
    ecosystems: frozenset[Ecosystem] | None = None  # None: every ecosystem
    exclude_paths: tuple[str, ...] = ()
    vulnerability_enabled: bool = True
    severity_threshold: Severity = Severity.UNKNOWN  # UNKNOWN: show everything
    block_on: BlockOn = BlockOn.IMPORTED
    ignore_ids: tuple[IgnoreRule, ...] = ()
    reachability_enabled: bool = True
    license_policy: LicensePolicy | None = None  # None: licenses are classified, not judged
    source: str | None = None  # which file it came from
    warnings: tuple[str, ...] = field(default=())


def find_config(root: Path) -> Path | None:
    directory = root if root.is_dir() else root.parent
    for name in CONFIG_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def load_repo_config(root: Path) -> RepoConfig:
    path = find_config(root)
    if path is None:
        return RepoConfig()
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            return RepoConfig(
                source=path.name, warnings=(f"{path.name}: larger than 256 KiB, ignored",)
            )
        document = _load(path.read_bytes())
    except (OSError, UnicodeDecodeError, ExtractionError) as exc:
        if isinstance(exc, ExtractionError):
            where = f" at line {exc.line}" if exc.line is not None else ""
            reason = f"{exc.message.removeprefix('invalid YAML: ')}{where}"
        else:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return RepoConfig(
            source=path.name, warnings=(f"{path.name}: not valid YAML ({reason}); defaults used",)
        )
    return parse_repo_config(document, path.name)


def _load(data: bytes) -> Any:
    """The one YAML document of a settings file (None if empty)."""
    documents = _yaml.load_all(data.decode("utf-8-sig"))
    if len(documents) > 1:
        raise ExtractionError(f"expected one document, found {len(documents)}")
    return documents[0].data if documents else None


def parse_repo_config(document: Any, source: str) -> RepoConfig:
    warnings: list[str] = []
    if document is None:
        return RepoConfig(source=source)
    if not isinstance(document, dict):
        return RepoConfig(
            source=source,
            warnings=(f"{source}: expected a mapping at the top level; defaults used",),
        )

    def section(name: str) -> dict[str, Any]:
        value = document.get(name, {})
        if value is None:
            return {}
        if not isinstance(value, dict):
            warnings.append(f"{source}: '{name}' must be a mapping; its defaults are used")
            return {}
        return value

    def pick(
        where: dict[str, Any], key: str, label: str, convert: Callable[[Any], Any], default: Any
    ) -> Any:
        if key not in where or where[key] is None:
            return default
        try:
            return convert(where[key])
        except (ValueError, TypeError) as exc:
            warnings.append(f"{source}: {label}: {exc}; using the default ({_show(default)})")
            return default

    scan, vulnerability, reachability, license_ = (
        section("scan"),
        section("vulnerability"),
        section("reachability"),
        section("license"),
    )
    known = {"scan", "vulnerability", "reachability", "license"}
    for key in document:
        if key not in known:
            warnings.append(f"{source}: unknown key '{key}' ignored")

    return RepoConfig(
        mode=pick(scan, "mode", "scan.mode", _choice("full", "diff"), "full"),
        ecosystems=pick(scan, "ecosystems", "scan.ecosystems", _ecosystems, None),
        exclude_paths=pick(scan, "exclude_paths", "scan.exclude_paths", _strings, ()),
        vulnerability_enabled=pick(
            vulnerability, "enabled", "vulnerability.enabled", _boolean, True
        ),
        severity_threshold=pick(
            vulnerability,
            "severity_threshold",
            "vulnerability.severity_threshold",
            _severity,
            Severity.UNKNOWN,
        ),
        block_on=pick(
            vulnerability, "block_on", "vulnerability.block_on", BlockOn, BlockOn.IMPORTED
        ),
        ignore_ids=pick(
            vulnerability,
            "ignore_ids",
            "vulnerability.ignore_ids",
            lambda value: _ignore_ids(value, source, warnings),
            (),
        ),
        reachability_enabled=pick(reachability, "enabled", "reachability.enabled", _boolean, True),
        license_policy=_license_policy(license_, source, warnings),
        source=source,
        warnings=tuple(warnings),
    )


def _show(value: Any) -> str:
    if value is None:
        return "all"
    if isinstance(value, frozenset | tuple):
        return ", ".join(sorted(str(v) for v in value)) or "none"
    return str(getattr(value, "value", value))


def _choice(*allowed: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, not {value!r}")
        return str(value)

    return convert


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value


def _license_policy(
    section: dict[str, Any], source: str, warnings: list[str]
) -> LicensePolicy | None:
    # Not through pick(): its "using the default (...)" cannot say that the default is
    # no policy at all.
    value = section.get("policy")
    if value is None:
        return None
    try:
        return parse_license_policy(value)
    except ValueError as exc:
        warnings.append(f"{source}: license.policy: {exc}; no license policy is applied")
        return None


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of strings")
    return tuple(value)


def _ecosystems(value: Any) -> frozenset[Ecosystem]:
    names = _strings(value)
    parsed = {name: parse_ecosystem(name) for name in names}
    unknown = [name for name, eco in parsed.items() if eco is None]
    if unknown:
        raise ValueError(f"unknown ecosystem(s) {', '.join(unknown)}")
    return frozenset(eco for eco in parsed.values() if eco is not None)


def _severity(value: Any) -> Severity:
    if not isinstance(value, str):
        raise ValueError(f"must be one of critical, high, medium, low, not {value!r}")
    label = value.upper()
    if label == "MODERATE":
        label = "MEDIUM"
    try:
        return Severity(label)
    except ValueError:
        raise ValueError(f"must be one of critical, high, medium, low, not {value!r}") from None


def _ignore_ids(value: Any, source: str, warnings: list[str]) -> tuple[IgnoreRule, ...]:
    """Plain ids, or mappings ``{id, reason, expires: YYYY-MM-DD}``. A bad entry is
    skipped on its own: the others still apply."""
    if not isinstance(value, list):
        raise ValueError("must be a list")
    rules: list[IgnoreRule] = []
    for item in value:
        try:
            rules.append(_ignore_rule(item))
        except ValueError as exc:
            warnings.append(f"{source}: vulnerability.ignore_ids: {exc}; entry skipped")
    return tuple(rules)


def _ignore_rule(item: Any) -> IgnoreRule:
    if isinstance(item, str) and item.strip():
        return IgnoreRule(item.strip())
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        reason = item.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise ValueError(f"the reason of {item['id']} must be text")
        return IgnoreRule(item["id"].strip(), reason, _expiry(item))
    raise ValueError(f"entries must be ids or mappings with an 'id', not {item!r}")


def _expiry(item: dict[str, Any]) -> date | None:
    value = item.get("expires")
    if value is None:
        return None
    if isinstance(value, date):  # a caller may hand over parsed data, not only YAML text
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"the expiry of {item['id']} must be a date (YYYY-MM-DD), not {value!r}")
