"""Answering OSV API v1 queries from the local mirror, with the scanner's own matching.

A versioned package query is a dependency handed to :func:`find_vulnerabilities` over the
mirror, exactly as ``bastion scan`` matches a lockfile entry: the same name normalisation,
the same ``affected[]`` evaluation, the same handling of withdrawn records. The API and a
scan therefore cannot disagree about a package version. A whole batch is one call, so the
mirror is read once per ecosystem and chunk of names, not once per query.

Query semantics follow OSV.dev's ``do_query``: a purl carries ecosystem, name and maybe
the version; a package without a version lists every advisory naming the package; a name
without an ecosystem is looked up in every ecosystem; ``commit`` ignores the package.
Results are ordered by advisory id and paged; a page token is the offset of the next page
bound to a fingerprint of its query, so a token is refused for any other query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine

from bastion.clock import Clock, utcnow
from bastion.ecosystems import Ecosystem, normalize_package_name, parse_ecosystem
from bastion.jobs.ratelimit import RateLimit, RateLimiter
from bastion.models import Dependency
from bastion.osvapi import repository
from bastion.osvapi.errors import InvalidArgument, RateLimited, VulnNotFound
from bastion.osvapi.purls import parse_purl
from bastion.osvapi.schemas import PackageIn, QueryIn
from bastion.sca.matcher import find_vulnerabilities

DEFAULT_PAGE_SIZE = 1000
# OSV.dev refuses longer ids the same way.
MAX_ID_LENGTH = 100
_MAX_TOKEN_LENGTH = 200

# OSV ecosystems (https://ossf.github.io/osv-schema/#affectedpackage-field) that bastion
# has no version ordering for. OSV.dev accepts them, so a query naming one is valid; the
# mirror cannot match it, so the answer is empty. Any other unknown name is a 400, as on
# OSV.dev, which catches typos such as "pypi-" instead of silently answering nothing.
OSV_ECOSYSTEMS_NOT_MATCHED = frozenset(
    {
        "AlmaLinux",
        "Alpaquita",
        "Android",
        "BellSoft Hardened Containers",
        "Bioconductor",
        "Bitnami",
        "Chainguard",
        "ConanCenter",
        "CRAN",
        "Echo",
        "GHC",
        "GIT",
        "GitHub Actions",
        "Hackage",
        "Julia",
        "Kubernetes",
        "Linux",
        "Mageia",
        "MinimOS",
        "openEuler",
        "openSUSE",
        "OSS-Fuzz",
        "Photon OS",
        "Red Hat",
        "Rocky Linux",
        "SUSE",
        "Ubuntu",
        "VSCode",
        "Wolfi",
    }
)

_EVERY_ECOSYSTEM = tuple(Ecosystem)
# GIT events that name a commit the record itself says is affected.
_AFFECTED_COMMIT_EVENTS = ("introduced", "last_affected")
# Whole bytes, as OSV.dev decodes the hash; SHA-1 and SHA-256 object names fit.
_HEX = re.compile(r"(?:[0-9a-fA-F]{2}){1,32}")


@dataclass(frozen=True, slots=True)
class PackageTarget:
    # Several when the query names no ecosystem.
    ecosystems: tuple[Ecosystem, ...]
    name: str
    version: str | None

    def fingerprint(self) -> str:
        ecosystems = ",".join(e.value for e in self.ecosystems)
        return _digest(f"package\0{ecosystems}\0{self.name}\0{self.version or ''}")


@dataclass(frozen=True, slots=True)
class CommitTarget:
    commit: str  # lowercase hex

    def fingerprint(self) -> str:
        return _digest(f"commit\0{self.commit}")


# None: a valid query the mirror can only answer with nothing (an unsupported purl type
# or an OSV ecosystem bastion does not match).
Target = PackageTarget | CommitTarget | None


@dataclass(frozen=True, slots=True)
class Page:
    ids: list[str]
    next_page_token: str | None


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _set(value: str | None) -> str | None:
    """proto3 JSON: an empty string is the same as an absent field."""
    return value or None


def resolve(query: QueryIn) -> Target:
    """What ``query`` asks for, with OSV.dev's checks and messages, in OSV.dev's order."""
    package = query.package or PackageIn()
    name, version, commit = _set(package.name), _set(query.version), _set(query.commit)
    if commit is not None and version is not None:
        # OSV's Query has commit and version in one protobuf oneof.
        raise InvalidArgument("Invalid query: commit and version cannot both be set.")
    ecosystems: tuple[Ecosystem, ...] = _EVERY_ECOSYSTEM
    answerable = True
    purl_text = _set(package.purl)
    if purl_text is not None:
        purl = parse_purl(purl_text)
        if name is not None:
            raise InvalidArgument("name specified in a PURL query")
        if _set(package.ecosystem) is not None:
            raise InvalidArgument("ecosystem specified in a PURL query")
        if purl is None:
            return None
        if purl.version and version is not None:
            raise InvalidArgument("version specified in params and PURL query")
        ecosystems, name, version = (purl.ecosystem,), purl.name, purl.version or version
    elif (ecosystem_name := _set(package.ecosystem)) is not None:
        ecosystem = parse_ecosystem(ecosystem_name)
        if ecosystem is not None:
            ecosystems = (ecosystem,)
        elif ecosystem_name.split(":", 1)[0] in OSV_ECOSYSTEMS_NOT_MATCHED:
            answerable = False
        else:
            raise InvalidArgument("Invalid ecosystem.")
    if commit is not None:
        return CommitTarget(_commit(commit))
    if not answerable:
        return None
    if name is None:
        raise InvalidArgument("Invalid query.")
    # No stored name or version can contain NUL, and PostgreSQL refuses it in a parameter.
    if "\0" in name or (version is not None and "\0" in version):
        raise InvalidArgument("Invalid query: NUL character in name or version.")
    return PackageTarget(ecosystems, name, version)


def _commit(commit: str) -> str:
    if _HEX.fullmatch(commit) is None:
        raise InvalidArgument("Invalid hash.")
    return commit.lower()


def page_token(target: Target, offset: int) -> str:
    fingerprint = "" if target is None else target.fingerprint()
    return base64.urlsafe_b64encode(f"{offset}:{fingerprint}".encode()).rstrip(b"=").decode()


def page_offset(token: str | None, target: Target) -> int | None:
    """Where the page ``token`` asks for starts; None when the token is not one of ours
    for this query."""
    if not token:
        return 0
    if len(token) > _MAX_TOKEN_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    offset, _, fingerprint = raw.partition(":")
    expected = "" if target is None else target.fingerprint()
    if not offset.isdigit() or fingerprint != expected or int(offset) <= 0:
        return None
    return int(offset)


def rfc3339(normalised: str) -> str:
    """A stored ``modified`` (microsecond precision) the way protobuf's JSON writes a
    timestamp: no fraction, or 3 or 6 digits."""
    head, dot, fraction = normalised.removesuffix("Z").partition(".")
    if not dot or fraction.strip("0") == "":
        return f"{head}Z"
    if fraction.endswith("000"):
        fraction = fraction[:3]
    return f"{head}.{fraction}Z"


class OsvService:
    def __init__(
        self,
        engine: Engine,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        limiter: RateLimiter | None = None,
        rate_limit: RateLimit | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.engine = engine
        self.mirror = repository.MatchingMirror(engine)
        self.page_size = page_size
        self.limiter = limiter or RateLimiter(engine, clock=clock)
        # None: not limited (no token is required, so callers cannot be told apart).
        self.rate_limit = rate_limit

    def admit(self, token_id: uuid.UUID) -> None:
        """Count a request against the token's budget."""
        if self.rate_limit is None:
            return
        decision = self.limiter.hit(f"osv:{token_id}", self.rate_limit)
        if not decision.allowed:
            raise RateLimited(decision.retry_after)

    # -- the three routes ----------------------------------------------------------

    def query(self, query: QueryIn) -> bytes:
        """``POST /v1/query``: full records, as stored."""
        target = resolve(query)
        offset = page_offset(query.page_token, target)
        if offset is None:
            raise InvalidArgument("Invalid page token.")
        page = self._pages([target], [offset], {})[0]
        records = repository.live_records(self.engine, page.ids)
        # Records are spliced in as stored: re-encoding would cost time and could not
        # represent every valid JSON number the way the record wrote it.
        found = [records[i].encode() for i in page.ids if i in records]
        parts: list[bytes] = []
        if found:
            parts.append(b'"vulns":[' + b",".join(found) + b"]")
        if page.next_page_token:
            parts.append(b'"next_page_token":' + orjson.dumps(page.next_page_token))
        return b"{" + b",".join(parts) + b"}"

    def querybatch(self, queries: Sequence[QueryIn]) -> bytes:
        """``POST /v1/querybatch``: ids and ``modified`` per query, in query order."""
        targets = [resolve(query) for query in queries]
        offsets: list[int] = []
        for index, (query, target) in enumerate(zip(queries, targets, strict=True)):
            offset = page_offset(query.page_token, target)
            if offset is None:
                raise InvalidArgument(f"Invalid page token at index: {index}.")
            offsets.append(offset)
        # Matching reads ``modified`` of what it matched; the rest is read here.
        modified: dict[str, str] = {}
        pages = self._pages(targets, offsets, modified)
        missing = {i for page in pages for i in page.ids if i not in modified}
        modified.update(repository.modified_times(self.engine, missing))
        results: list[dict[str, Any]] = []
        for page in pages:
            result: dict[str, Any] = {}
            vulns = [{"id": i, "modified": rfc3339(modified[i])} for i in page.ids if i in modified]
            if vulns:
                result["vulns"] = vulns
            if page.next_page_token:
                result["next_page_token"] = page.next_page_token
            results.append(result)
        return orjson.dumps({"results": results})

    def vuln(self, vuln_id: str) -> bytes:
        """``GET /v1/vulns/{id}``: the stored record, withdrawn or not.

        An id no record has, but which is an alias of exactly one record (a CVE id the
        mirror holds a GHSA or PYSEC record for), answers that record: the mirror holds
        no CVE records of its own, unlike osv.dev. When several records share the alias,
        live ones are preferred; if that still leaves several, the answer is OSV.dev's
        404 naming them.
        """
        if len(vuln_id) > MAX_ID_LENGTH:
            raise InvalidArgument("ID too long")
        if "\0" in vuln_id:
            raise VulnNotFound()
        stored = repository.record(self.engine, vuln_id)
        if stored is not None:
            return stored.encode()
        holders = repository.alias_holders(self.engine, vuln_id)
        chosen = [h for h in holders if not h.withdrawn] or holders
        if len(chosen) == 1:
            stored = repository.record(self.engine, chosen[0].id)
            if stored is not None:
                return stored.encode()
        if holders:
            names = " ".join(h.id for h in holders)
            raise VulnNotFound(f"Bug not found, but the following aliases were: {names}")
        raise VulnNotFound()

    # -- matching ------------------------------------------------------------------

    def _pages(
        self, targets: Sequence[Target], offsets: Sequence[int], modified: dict[str, str]
    ) -> list[Page]:
        matched = self._match(targets, modified)
        pages: list[Page] = []
        for target, offset, ids in zip(targets, offsets, matched, strict=True):
            end = offset + self.page_size
            more = end < len(ids)
            pages.append(Page(ids[offset:end], page_token(target, end) if more else None))
        return pages

    def _match(self, targets: Sequence[Target], modified: dict[str, str]) -> list[list[str]]:
        """The sorted advisory ids answering each target; notes in ``modified`` the
        modification time of the advisories it read them for."""
        answers: list[set[str]] = [set() for _ in targets]

        # Versioned packages: one dependency per distinct (ecosystem, name, version).
        dependencies: list[Dependency] = []
        index_of: dict[tuple[Ecosystem, str, str], int] = {}
        wanted_by: dict[int, list[int]] = defaultdict(list)
        # Versionless packages: every advisory naming them.
        names: dict[Ecosystem, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        commits: dict[str, list[int]] = defaultdict(list)

        for position, target in enumerate(targets):
            if isinstance(target, CommitTarget):
                commits[target.commit].append(position)
            elif isinstance(target, PackageTarget):
                for ecosystem in target.ecosystems:
                    key = normalize_package_name(ecosystem, target.name)
                    if target.version is None:
                        names[ecosystem][key].append(position)
                        continue
                    dep_key = (ecosystem, key, target.version)
                    index = index_of.get(dep_key)
                    if index is None:
                        index = index_of[dep_key] = len(dependencies)
                        dependencies.append(
                            Dependency(target.name, target.version, ecosystem, True, "osv-api")
                        )
                    wanted_by[index].append(position)

        if dependencies:
            index_by_dependency = {dep: index for index, dep in enumerate(dependencies)}
            for finding in find_vulnerabilities(dependencies, self.mirror):
                vuln = finding.vulnerability
                if vuln.modified is not None:
                    modified[vuln.id] = vuln.modified
                for position in wanted_by[index_by_dependency[finding.dependency]]:
                    answers[position].add(vuln.id)

        for ecosystem, positions_by_name in names.items():
            entries = self.mirror.affected_entries(ecosystem, positions_by_name)
            for name, found in entries.items():
                for position in positions_by_name.get(name, ()):
                    answers[position].update(entry.advisory_id for entry in found)

        if commits:
            affected = self._affected_commits()
            for commit, positions in commits.items():
                for position in positions:
                    answers[position].update(affected.get(commit, ()))

        return [sorted(ids) for ids in answers]

    def _affected_commits(self) -> dict[str, set[str]]:
        """Commit → ids of the live records that name it as affected.

        Only commits a GIT range names in an ``introduced`` or ``last_affected`` event
        are known to be affected without the repository's history; OSV.dev also finds
        every commit between those events and the fix by walking the repository.
        """
        index: dict[str, set[str]] = defaultdict(set)
        for vuln_id, text in repository.live_records_mentioning(self.engine, '"GIT"'):
            try:
                record = orjson.loads(text)
            except orjson.JSONDecodeError:
                record = json.loads(text)
            for commit in _git_affected_commits(record):
                index[commit].add(vuln_id)
        return index


def _git_affected_commits(record: Any) -> set[str]:
    found: set[str] = set()
    for affected in record.get("affected") or ():
        if not isinstance(affected, dict):
            continue
        for rng in affected.get("ranges") or ():
            if not isinstance(rng, dict) or rng.get("type") != "GIT":
                continue
            for event in rng.get("events") or ():
                if not isinstance(event, dict):
                    continue
                for kind in _AFFECTED_COMMIT_EVENTS:
                    value = event.get(kind)
                    if isinstance(value, str) and value != "0":
                        found.add(value.strip().lower())
    return found
