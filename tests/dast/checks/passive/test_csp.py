"""Content-Security-Policy parsing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.checks.passive._csp import enforced_policies, parse_header, parse_policy
from tests.dast.checks.passive.recorded import html_with


def test_parse_policy_lowercases_and_keeps_the_first_directive() -> None:
    policy = parse_policy(" Script-Src 'SELF' https://CDN.example ;; script-src * ; img-src")
    assert policy.get("script-src") == ("'self'", "https://cdn.example")
    assert policy.get("img-src") == ()
    assert policy.get("default-src") is None
    assert policy.script_sources() == ("'self'", "https://cdn.example")


def test_script_sources_fall_back_to_default_src() -> None:
    assert parse_policy("default-src 'none'").script_sources() == ("'none'",)
    assert parse_policy("img-src *").script_sources() is None


def test_a_header_value_may_hold_several_policies() -> None:
    policies = parse_header("default-src 'self', script-src 'none'")
    assert [policy.raw for policy in policies] == ["default-src 'self'", "script-src 'none'"]


def test_enforced_policies_come_from_headers_and_meta_tags() -> None:
    body = (
        b"<html><head><meta HTTP-EQUIV=Content-Security-Policy "
        b"content='img-src &apos;self&apos;'></head></html>"
    )
    recorded = html_with(
        ("Content-Security-Policy", "default-src 'self'"),
        ("Content-Security-Policy-Report-Only", "default-src 'none'"),
        body=body,
    )
    policies = enforced_policies(recorded.response)
    assert [policy.from_meta for policy in policies] == [False, True]
    assert policies[1].get("img-src") == ("'self'",)


@given(st.text(max_size=200))
def test_parse_header_never_fails_and_names_are_lower_case(value: str) -> None:
    for policy in parse_header(value):
        for name, sources in policy.directives.items():
            assert name == name.lower()
            assert name
            assert all(source == source.lower() and source for source in sources)


@given(
    st.dictionaries(
        st.sampled_from(["default-src", "script-src", "img-src", "frame-ancestors"]),
        st.lists(
            st.sampled_from(["'self'", "*", "https:", "'none'", "'unsafe-inline'"]), max_size=3
        ),
        max_size=4,
    )
)
def test_serialised_policies_parse_back(directives: dict[str, list[str]]) -> None:
    serialised = "; ".join(" ".join([name, *sources]) for name, sources in directives.items())
    parsed = parse_policy(serialised)
    assert {name: list(sources) for name, sources in parsed.directives.items()} == directives
