"""purl_for against the purl-spec PURL-TYPES examples, one or more per ecosystem."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packageurl import PackageURL

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.purl import package_url_for, purl_for


def dep(ecosystem: Ecosystem, name: str, version: str | None) -> Dependency:
    return Dependency(name=name, version=version, ecosystem=ecosystem, direct=True, source="x")


# (ecosystem, name as the lockfile spells it, version, canonical purl). Where the purl
# comes straight from purl-spec's PURL-TYPES.rst the name is spelled as there.
SPEC_EXAMPLES = [
    (Ecosystem.NPM, "foobar", "12.3.1", "pkg:npm/foobar@12.3.1"),
    (Ecosystem.NPM, "@angular/animation", "12.3.1", "pkg:npm/%40angular/animation@12.3.1"),
    (Ecosystem.PYPI, "django", "1.11.1", "pkg:pypi/django@1.11.1"),
    (Ecosystem.PYPI, "django-allauth", "12.23", "pkg:pypi/django-allauth@12.23"),
    (Ecosystem.PYPI, "Django_Allauth", "12.23", "pkg:pypi/django-allauth@12.23"),
    (Ecosystem.PYPI, "zope.interface", "5.0", "pkg:pypi/zope-interface@5.0"),
    (
        Ecosystem.GO,
        "github.com/gorilla/context",
        "234fd47e07d1004f0aed9c",
        "pkg:golang/github.com/gorilla/context@234fd47e07d1004f0aed9c",
    ),
    (
        Ecosystem.GO,
        "github.com/gin-gonic/gin",
        "v1.5.0",
        "pkg:golang/github.com/gin-gonic/gin@v1.5.0",
    ),
    (Ecosystem.GO, "golang.org/x/crypto", None, "pkg:golang/golang.org/x/crypto"),
    (Ecosystem.CRATES_IO, "rand", "0.7.2", "pkg:cargo/rand@0.7.2"),
    (
        Ecosystem.RUBYGEMS,
        "ruby-advisory-db-check",
        "0.12.4",
        "pkg:gem/ruby-advisory-db-check@0.12.4",
    ),
    (
        Ecosystem.MAVEN,
        "org.apache.xmlgraphics:batik-anim",
        "1.9.1",
        "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1",
    ),
    (
        Ecosystem.NUGET,
        "EnterpriseLibrary.Common",
        "6.0.1304",
        "pkg:nuget/EnterpriseLibrary.Common@6.0.1304",
    ),
    (Ecosystem.PACKAGIST, "laravel/laravel", "5.5.0", "pkg:composer/laravel/laravel@5.5.0"),
    (Ecosystem.COCOAPODS, "AFNetworking", "4.0.1", "pkg:cocoapods/AFNetworking@4.0.1"),
    (Ecosystem.COCOAPODS, "ShareKit/Twitter", "2.0", "pkg:cocoapods/ShareKit@2.0#Twitter"),
    (Ecosystem.PUB, "characters", "1.2.0", "pkg:pub/characters@1.2.0"),
    (Ecosystem.HEX, "jason", "1.1.2", "pkg:hex/jason@1.1.2"),
    (Ecosystem.HEX, "phoenix_html", "2.13.3", "pkg:hex/phoenix_html@2.13.3"),
    (
        Ecosystem.SWIFTURL,
        "github.com/Alamofire/Alamofire",
        "5.4.3",
        "pkg:swift/github.com/Alamofire/Alamofire@5.4.3",
    ),
    (
        Ecosystem.SWIFTURL,
        "https://github.com/RxSwiftCommunity/RxFlow.git",
        "2.12.4",
        "pkg:swift/github.com/RxSwiftCommunity/RxFlow@2.12.4",
    ),
    (Ecosystem.DEBIAN, "curl", "7.50.3-1", "pkg:deb/debian/curl@7.50.3-1"),
    (Ecosystem.ALPINE, "curl", "7.83.0-r0", "pkg:apk/alpine/curl@7.83.0-r0"),
]


@pytest.mark.parametrize(("ecosystem", "name", "version", "expected"), SPEC_EXAMPLES)
def test_spec_examples(ecosystem: Ecosystem, name: str, version: str | None, expected: str) -> None:
    assert purl_for(dep(ecosystem, name, version)) == expected


def test_every_ecosystem_has_a_spec_example() -> None:
    assert {example[0] for example in SPEC_EXAMPLES} == set(Ecosystem)


def test_cocoapods_subspec_goes_to_subpath() -> None:
    # purl-spec lists "#NSData+zlib"; implementations differ on encoding "+", so compare
    # the parsed parts rather than the string.
    purl = PackageURL.from_string(
        purl_for(dep(Ecosystem.COCOAPODS, "GoogleUtilities/NSData+zlib", "7.5.2")) or ""
    )
    assert (purl.name, purl.version, purl.subpath) == ("GoogleUtilities", "7.5.2", "NSData+zlib")


def test_maven_classifier_is_not_part_of_the_name() -> None:
    got = purl_for(dep(Ecosystem.MAVEN, "org.example:lib:tests", "1.0"))
    assert got == "pkg:maven/org.example/lib@1.0"


@pytest.mark.parametrize("ecosystem", list(Ecosystem))
def test_version_is_omitted_when_unknown(ecosystem: Ecosystem) -> None:
    got = purl_for(dep(ecosystem, "some/pkg", None))
    assert got is not None
    assert "@" not in got.removeprefix("pkg:").replace("%40", "")


@pytest.mark.parametrize("name", ["", "   ", "@scope/", "/"])
def test_names_that_cannot_form_a_purl(name: str) -> None:
    ecosystem = Ecosystem.GO if name == "/" else Ecosystem.NPM
    assert purl_for(dep(ecosystem, name, "1.0")) is None


@given(
    ecosystem=st.sampled_from(list(Ecosystem)),
    name=st.text(min_size=1, max_size=40),
    version=st.none() | st.text(min_size=1, max_size=20),
)
def test_never_raises_and_keeps_the_version(
    ecosystem: Ecosystem, name: str, version: str | None
) -> None:
    # Lockfiles are untrusted input: any name yields a parseable purl or None, never an
    # exception, and the version survives the encoding.
    got = purl_for(dep(ecosystem, name, version))
    as_object = package_url_for(dep(ecosystem, name, version))
    assert got == (None if as_object is None else as_object.to_string())
    if got is None:
        return
    parsed = PackageURL.from_string(got)
    assert parsed.type == PackageURL.from_string(SPEC_PURL_TYPE[ecosystem]).type
    assert parsed.version == ((version or "").strip() or None)


SPEC_PURL_TYPE = {example[0]: example[3] for example in SPEC_EXAMPLES}


def test_a_name_that_normalises_to_nothing_has_no_purl() -> None:
    # Found by hypothesis: packageurl strips "/" from npm names and then fails to render.
    assert purl_for(Dependency("/", None, Ecosystem.NPM, True, "package.json")) is None
