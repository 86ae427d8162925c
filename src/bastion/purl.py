"""Package URLs (https://github.com/package-url/purl-spec) for dependencies.

This is the only place that builds purls, so SBOMs, JSON reports and the HTTP API all
name a package the same way. packageurl-python does the percent-encoding and the
per-type normalisation the spec requires; this module only decides how each ecosystem's
package name splits into purl ``namespace``, ``name`` and ``subpath``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import assert_never

from packageurl import PackageURL

from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.models import Dependency


# Reports ask for the same dependency's purl once per finding.
@lru_cache(maxsize=65536)
def purl_for(dep: Dependency) -> str | None:
    """The canonical purl of ``dep``, or None when its name cannot form one.

    The version is left out when the dependency has none (a range, a git URL).
    """
    purl = package_url_for(dep)
    return None if purl is None else purl.to_string()


def package_url_for(dep: Dependency) -> PackageURL | None:
    """Like :func:`purl_for`, as a :class:`PackageURL` for libraries that want one."""
    name = dep.name.strip()
    if not name:
        return None
    namespace: str | None = None
    subpath: str | None = None
    match dep.ecosystem:
        case Ecosystem.NPM:
            purl_type = "npm"
            if name.startswith("@") and "/" in name:
                namespace, name = name.split("/", 1)
        case Ecosystem.PYPI:
            purl_type = "pypi"
            # packageurl-python only lowercases and maps "_"; PEP 503 also folds "." and
            # runs of separators, and that is the spelling PyPI itself redirects to.
            name = normalize_package_name(Ecosystem.PYPI, name)
        case Ecosystem.GO:
            purl_type = "golang"
            # Module paths keep their case: Go treats them as case-sensitive, and the
            # spec only warns about an uppercase golang namespace.
            namespace, name = _split_last(name)
        case Ecosystem.CRATES_IO:
            purl_type = "cargo"
        case Ecosystem.RUBYGEMS:
            purl_type = "gem"
        case Ecosystem.MAVEN:
            purl_type = "maven"
            if ":" in name:
                namespace, name = name.split(":", 1)
                # "group:artifact:classifier" spellings exist; the artifact is the name.
                name = name.split(":", 1)[0]
        case Ecosystem.NUGET:
            purl_type = "nuget"
        case Ecosystem.PACKAGIST:
            purl_type = "composer"
            if "/" in name:
                namespace, name = name.split("/", 1)
        case Ecosystem.COCOAPODS:
            purl_type = "cocoapods"
            # A subspec ("GoogleUtilities/NSData+zlib") belongs in the subpath.
            if "/" in name:
                name, subpath = name.split("/", 1)
        case Ecosystem.PUB:
            purl_type = "pub"
            name = name.lower()
        case Ecosystem.HEX:
            purl_type = "hex"
        case Ecosystem.SWIFTURL:
            purl_type = "swift"
            # OSV names Swift packages by clone URL; purl wants "host/owner" + "repo",
            # with the original case (pkg:swift/github.com/Alamofire/Alamofire).
            location = name
            for prefix in ("https://", "http://"):
                location = location.removeprefix(prefix)
            location = location.removesuffix("/").removesuffix(".git")
            namespace, name = _split_last(location)
        case Ecosystem.DEBIAN:
            purl_type = "deb"
            namespace = "debian"
        case Ecosystem.ALPINE:
            purl_type = "apk"
            namespace = "alpine"
        case _:
            assert_never(dep.ecosystem)
    if not name:
        return None
    try:
        purl = PackageURL(
            type=purl_type,
            namespace=namespace or None,
            name=name,
            version=(dep.version or "").strip() or None,
            subpath=subpath or None,
        )
        # packageurl normalises some names to nothing only while rendering (npm "/"), so
        # render once here: every PackageURL handed out can be serialised.
        purl.to_string()
    except (TypeError, ValueError):
        return None
    return purl


def _split_last(path: str) -> tuple[str | None, str]:
    """Split ``a/b/c`` into ``("a/b", "c")``; a single segment has no namespace."""
    path = path.strip("/")
    if "/" not in path:
        return None, path
    namespace, name = path.rsplit("/", 1)
    return namespace, name
