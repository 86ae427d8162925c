"""The service's pure parts: purls back to packages, page tokens, timestamps, queries."""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.models import Dependency
from bastion.osvapi.errors import InvalidArgument
from bastion.osvapi.purls import parse_purl
from bastion.osvapi.schemas import PackageIn, QueryIn
from bastion.osvapi.service import (
    CommitTarget,
    PackageTarget,
    page_offset,
    page_token,
    resolve,
    rfc3339,
)
from bastion.purl import package_url_for

NAMES = {
    Ecosystem.NPM: ["lodash", "@babel/core"],
    Ecosystem.PYPI: ["Jinja2", "zope.interface"],
    Ecosystem.GO: ["github.com/gin-gonic/gin", "stdlib", "golang.org/x/net"],
    Ecosystem.CRATES_IO: ["tokio", "serde_json"],
    Ecosystem.RUBYGEMS: ["rails"],
    Ecosystem.MAVEN: ["org.apache.logging.log4j:log4j-core"],
    Ecosystem.NUGET: ["Newtonsoft.Json"],
    Ecosystem.PACKAGIST: ["laravel/framework"],
    Ecosystem.COCOAPODS: ["GoogleUtilities/NSData+zlib", "Alamofire"],
    Ecosystem.PUB: ["http"],
    Ecosystem.HEX: ["plug"],
    Ecosystem.SWIFTURL: ["https://github.com/Alamofire/Alamofire.git"],
    Ecosystem.DEBIAN: ["openssl"],
    Ecosystem.ALPINE: ["busybox"],
}


def test_every_ecosystem_has_purl_examples() -> None:
    assert set(NAMES) == set(Ecosystem)


@pytest.mark.parametrize(
    ("ecosystem", "name"), [(e, n) for e, names in NAMES.items() for n in names]
)
def test_a_purl_bastion_writes_reads_back_as_the_same_package(
    ecosystem: Ecosystem, name: str
) -> None:
    purl = package_url_for(Dependency(name, "1.2.3", ecosystem, True, "test"))
    assert purl is not None
    parsed = parse_purl(purl.to_string())
    assert parsed is not None
    assert parsed.ecosystem is ecosystem
    assert normalize_package_name(ecosystem, parsed.name) == normalize_package_name(ecosystem, name)
    assert parsed.version == "1.2.3"


@pytest.mark.parametrize(
    "purl", ["pkg:generic/x@1", "pkg:deb/ubuntu/openssl@1", "pkg:apk/wolfi/busybox@1"]
)
def test_purls_of_other_types_name_nothing_bastion_matches(purl: str) -> None:
    assert parse_purl(purl) is None


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ("2024-10-10T17:35:05.000000Z", "2024-10-10T17:35:05Z"),
        ("2024-10-10T17:35:05.500000Z", "2024-10-10T17:35:05.500Z"),
        ("2023-09-08T20:23:17.288300Z", "2023-09-08T20:23:17.288300Z"),
        ("0001-01-01T00:00:00.000000Z", "0001-01-01T00:00:00Z"),
    ],
)
def test_modified_is_written_like_protobuf_timestamps(stored: str, written: str) -> None:
    assert rfc3339(stored) == written


def test_page_tokens_round_trip_only_for_their_query() -> None:
    django = PackageTarget((Ecosystem.PYPI,), "django", None)
    flask = PackageTarget((Ecosystem.PYPI,), "flask", None)
    token = page_token(django, 1000)
    assert page_offset(token, django) == 1000
    assert page_offset(None, django) == page_offset("", django) == 0
    assert page_offset(token, flask) is None
    assert page_offset(token, CommitTarget("ab" * 20)) is None
    for garbage in ("!!!", "x" * 500, "LTE6", "w7_Dvw"):
        assert page_offset(garbage, django) is None


def query(**fields: object) -> QueryIn:
    package = fields.pop("package", None)
    return QueryIn.model_validate(
        {**fields, **({"package": PackageIn.model_validate(package)} if package else {})}
    )


def test_a_query_resolves_to_what_it_asks_for() -> None:
    assert resolve(query(package={"name": "x", "ecosystem": "npm"}, version="1")) == (
        PackageTarget((Ecosystem.NPM,), "x", "1")
    )
    assert resolve(query(package={"purl": "pkg:cargo/tokio@1.0"})) == (
        PackageTarget((Ecosystem.CRATES_IO,), "tokio", "1.0")
    )
    anywhere = resolve(query(package={"name": "x"}))
    assert isinstance(anywhere, PackageTarget)
    assert anywhere.ecosystems == tuple(Ecosystem)
    assert resolve(query(commit="ABCDEF12")) == CommitTarget("abcdef12")
    assert resolve(query(package={"name": "x", "ecosystem": "Ubuntu:22.04"})) is None


def test_an_invalid_purl_is_reported_before_its_redundant_name() -> None:
    with pytest.raises(InvalidArgument, match=r"^Invalid Package URL"):
        resolve(query(package={"purl": "nonsense", "name": "x"}))
