"""From a query's package URL back to the (ecosystem, name, version) the mirror indexes.

The inverse of :func:`bastion.purl.package_url_for`: each purl type maps to the ecosystem
that builds it, and namespace and name join the way that ecosystem spells its package
names (``@scope/name`` for npm, ``group:artifact`` for Maven, ``module/path`` for Go).
Qualifiers and, except for CocoaPods subspecs, the subpath do not name a different
package and are ignored, as OSV.dev does.
"""

from __future__ import annotations

from dataclasses import dataclass

from packageurl import PackageURL

from bastion.ecosystems import Ecosystem
from bastion.osvapi.errors import InvalidArgument

_ECOSYSTEM_FOR_TYPE = {
    "npm": Ecosystem.NPM,
    "pypi": Ecosystem.PYPI,
    "golang": Ecosystem.GO,
    "cargo": Ecosystem.CRATES_IO,
    "gem": Ecosystem.RUBYGEMS,
    "maven": Ecosystem.MAVEN,
    "nuget": Ecosystem.NUGET,
    "composer": Ecosystem.PACKAGIST,
    "cocoapods": Ecosystem.COCOAPODS,
    "pub": Ecosystem.PUB,
    "hex": Ecosystem.HEX,
    "swift": Ecosystem.SWIFTURL,
}
# deb and apk purls name their distribution in the namespace; other distributions
# (pkg:deb/ubuntu, pkg:apk/wolfi) are OSV ecosystems bastion does not match.
_DISTRIBUTIONS = {
    ("deb", "debian"): Ecosystem.DEBIAN,
    ("apk", "alpine"): Ecosystem.ALPINE,
}


@dataclass(frozen=True, slots=True)
class PurlPackage:
    ecosystem: Ecosystem
    name: str
    version: str | None


def parse_purl(text: str) -> PurlPackage | None:
    """The package a purl names; None for a valid purl of a type bastion does not match.

    Raises :class:`InvalidArgument` when ``text`` is not a package URL at all.
    """
    try:
        purl = PackageURL.from_string(text)
    except ValueError as exc:
        raise InvalidArgument(f"Invalid Package URL: {exc}") from None
    namespace = purl.namespace or ""
    ecosystem = _ECOSYSTEM_FOR_TYPE.get(purl.type) or _DISTRIBUTIONS.get(
        (purl.type, namespace.lower())
    )
    if ecosystem is None:
        return None
    return PurlPackage(ecosystem, _package_name(ecosystem, purl), purl.version or None)


def _package_name(ecosystem: Ecosystem, purl: PackageURL) -> str:
    namespace = purl.namespace or ""
    name: str = purl.name
    match ecosystem:
        case Ecosystem.MAVEN:
            return f"{namespace}:{name}" if namespace else name
        case Ecosystem.NPM | Ecosystem.GO | Ecosystem.PACKAGIST | Ecosystem.SWIFTURL:
            return f"{namespace}/{name}" if namespace else name
        case Ecosystem.COCOAPODS:
            return f"{name}/{purl.subpath}" if purl.subpath else name
        case _:
            # Debian and Alpine keep the distribution in the namespace; the rest have none.
            return name
