"""Fingerprints: stable across spellings that name the same thing, different for
anything that names another finding, and pinned so a refactor cannot silently re-key
every stored finding."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.findings.fingerprint import dast_fingerprint, endpoint_url, sca_fingerprint

TARGET = uuid.UUID("6f1c1f44-1d7a-4a53-9a53-0c1f0e7a4b11")
names = st.text(min_size=1, max_size=40).filter(str.strip)
# GitHub's names are ASCII: lower-casing is the whole of their case-insensitivity.
repos = st.from_regex(r"[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}", fullmatch=True)
ecosystems = st.sampled_from(list(Ecosystem))
paths = st.lists(st.text("abcXYZ019-._~%", min_size=1, max_size=8), max_size=4).map(
    lambda parts: "/" + "/".join(parts)
)
queries = st.text("abc=&;%+19", max_size=20)


def test_pinned_values() -> None:
    """Changing these re-keys every stored finding: a migration, not a refactor."""
    sca = b'["SCA","acme/shop","npm","lodash","GHSA-35jh-r3h4-6jhm"]'
    assert hashlib.sha256(sca).hexdigest() == (
        "144de611c752fae2329e6aaec3c5369bf6934bebeb1313c02bb8a9ae8a9bd051"
    )
    assert sca_fingerprint("Acme/Shop", Ecosystem.NPM, "lodash", "GHSA-35jh-r3h4-6jhm") == (
        "144de611c752fae2329e6aaec3c5369bf6934bebeb1313c02bb8a9ae8a9bd051"
    )
    dast = f'["DAST","{TARGET}","xss-reflected","GET","https://a.test/s","q"]'.encode()
    assert hashlib.sha256(dast).hexdigest() == (
        "c608a60c9d02f7b75afec82fd29108f96a7855dfcc2dc127639887a74b6aca8a"
    )
    assert dast_fingerprint(TARGET, "xss-reflected", "get", "https://A.test/s?q=1", "q") == (
        "c608a60c9d02f7b75afec82fd29108f96a7855dfcc2dc127639887a74b6aca8a"
    )


@pytest.mark.parametrize(
    ("ecosystem", "a", "b"),
    [
        (Ecosystem.PYPI, "Django", "django"),
        (Ecosystem.PYPI, "zope.interface", "Zope_Interface"),
        (Ecosystem.CRATES_IO, "serde_json", "Serde-Json"),
        (Ecosystem.NUGET, "Newtonsoft.Json", "newtonsoft.json"),
        (
            Ecosystem.SWIFTURL,
            "https://github.com/Apple/swift-nio.git",
            "github.com/apple/swift-nio",
        ),
    ],
)
def test_package_spellings_of_one_package_agree(ecosystem: Ecosystem, a: str, b: str) -> None:
    assert sca_fingerprint("acme/shop", ecosystem, a, "X-1") == sca_fingerprint(
        "ACME/Shop", ecosystem, b, "X-1"
    )


@pytest.mark.parametrize(
    ("ecosystem", "a", "b"),
    [
        (Ecosystem.NPM, "Lodash", "lodash"),  # npm names are case-sensitive
        (Ecosystem.MAVEN, "org.Foo:bar", "org.foo:bar"),
        (Ecosystem.GO, "github.com/A/b", "github.com/a/b"),
    ],
)
def test_case_sensitive_ecosystems_keep_case(ecosystem: Ecosystem, a: str, b: str) -> None:
    assert sca_fingerprint("acme/shop", ecosystem, a, "X-1") != sca_fingerprint(
        "acme/shop", ecosystem, b, "X-1"
    )


@given(repos, ecosystems, names, names)
def test_sca_is_a_function_of_its_parts(
    repo: str, eco: Ecosystem, package: str, advisory: str
) -> None:
    first = sca_fingerprint(repo, eco, package, advisory)
    assert first == sca_fingerprint(repo.upper(), eco, package, advisory)
    assert first == sca_fingerprint(f" {repo} ", eco, package, advisory)
    assert len(first) == 64
    assert int(first, 16) >= 0


@given(repos, ecosystems, names, names, repos)
def test_sca_parts_are_not_interchangeable(
    repo: str, eco: Ecosystem, package: str, advisory: str, other: str
) -> None:
    base = sca_fingerprint(repo, eco, package, advisory)
    if other != advisory.strip():
        assert base != sca_fingerprint(repo, eco, package, other)
    if other.strip().lower() != repo.strip().lower():
        assert base != sca_fingerprint(other, eco, package, advisory)
    # No separator can shift a boundary: parts are JSON array items, not joined text.
    assert sca_fingerprint(f"{repo}|x", eco, package, advisory) != sca_fingerprint(
        repo, eco, f"x|{package}", advisory
    )


@given(paths, queries, queries, st.sampled_from(["", "#frag", "#a?b"]))
def test_query_and_fragment_do_not_matter(path: str, q1: str, q2: str, fragment: str) -> None:
    a = dast_fingerprint(TARGET, "r", "GET", f"https://Shop.Test{path}?{q1}{fragment}", "p")
    b = dast_fingerprint(TARGET, "r", "get", f"HTTPS://shop.test:443{path}?{q2}", "p")
    assert a == b


@given(paths, st.text(max_size=20), st.text(max_size=20))
def test_dast_parameters_and_parts_differ(path: str, p1: str, p2: str) -> None:
    url = f"https://shop.test{path}"
    base = dast_fingerprint(TARGET, "rule", "GET", url, p1)
    if p1 != p2:
        assert base != dast_fingerprint(TARGET, "rule", "GET", url, p2)
    assert base != dast_fingerprint(TARGET, "rule", "POST", url, p1)
    assert base != dast_fingerprint(TARGET, "other-rule", "GET", url, p1)
    assert base != dast_fingerprint(uuid.uuid4(), "rule", "GET", url, p1)
    assert base != dast_fingerprint(TARGET, "rule", "GET", f"{url}/more", p1)


def test_no_parameter_is_the_empty_parameter() -> None:
    url = "https://shop.test/"
    assert dast_fingerprint(TARGET, "r", "GET", url, None) == dast_fingerprint(
        TARGET, "r", "GET", url, ""
    )


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("HTTPS://Shop.Example:443/A/b?x=1#y", "https://shop.example/A/b"),
        ("http://shop.example:80", "http://shop.example/"),
        ("http://shop.example:8080/x", "http://shop.example:8080/x"),
        ("https://user:secret@shop.example/x", "https://shop.example/x"),
        ("http://[::1]:8000/x?y", "http://[::1]:8000/x"),
        ("http://[::1/x?y", "http://[::1/x"),  # unreadable: kept minus the query
        ("/relative?x", "/relative"),
    ],
)
def test_endpoint_url(url: str, endpoint: str) -> None:
    assert endpoint_url(url) == endpoint


@given(st.text(max_size=80))
def test_endpoint_url_never_raises_and_is_idempotent(url: str) -> None:
    endpoint = endpoint_url(url)
    assert "?" not in endpoint
    assert "#" not in endpoint
    assert endpoint_url(endpoint) == endpoint


@given(
    st.from_regex(
        r"https?://[A-Za-z0-9.-]{1,20}(:[0-9]{1,5})?(/[A-Za-z0-9%._~-]*)*", fullmatch=True
    )
)
def test_endpoint_url_is_idempotent_on_urls(url: str) -> None:
    assert endpoint_url(endpoint_url(url)) == endpoint_url(url)
