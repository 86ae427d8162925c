"""Target URL validation and the normalised key behind ``409 target_exists``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.targets.errors import InvalidTargetUrl
from bastion.targets.urls import MAX_URL_LENGTH, parse_target_url


@pytest.mark.parametrize(
    ("url", "key", "host"),
    [
        ("https://app.example/", "https://app.example/", "app.example"),
        ("  https://app.example  ", "https://app.example/", "app.example"),
        ("HTTPS://App.EXAMPLE:443/Shop?Q=1#top", "https://app.example/Shop?Q=1", "app.example"),
        ("http://app.example:80", "http://app.example/", "app.example"),
        ("http://app.example:8080/", "http://app.example:8080/", "app.example"),
        ("https://app.example:80/", "https://app.example:80/", "app.example"),
        ("http://app.example./a", "http://app.example/a", "app.example"),
        ("http://127.0.0.1:3000/", "http://127.0.0.1:3000/", "127.0.0.1"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x", "::1"),
        ("http://[2001:DB8::1]/", "http://[2001:db8::1]/", "2001:db8::1"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/", "xn--bcher-kva.example"),
        ("http://under_score.internal/", "http://under_score.internal/", "under_score.internal"),
    ],
)
def test_valid_urls_and_their_keys(url: str, key: str, host: str) -> None:
    parsed = parse_target_url(url)
    assert parsed.key == key
    assert parsed.host == host
    assert parsed.url == url.strip().split("#")[0]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "url is empty"),
        ("   ", "url is empty"),
        ("#only-a-fragment", "url is empty"),
        ("ftp://app.example/", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("app.example/path", "http:// or https://"),
        ("http:app.example", "http:// or https://"),
        ("http:/app.example", "http:// or https://"),
        ("http://", "no host"),
        ("http://:8080/", "no host"),
        ("http://user@app.example/", "credentials"),
        ("http://user:pw@app.example/", "credentials"),
        ("http://app.example:0/", "invalid port"),
        ("http://app.example:65536/", "not a valid URL"),
        ("http://app.example:port/", "not a valid URL"),
        ("http://[::1/", "not a valid URL"),
        ("http://[fe80::1%25eth0]/", "zone"),
        ("http://[1.2.3.4]/", "cannot be in brackets"),
        ("http://[::ffff:zz]/", "not a valid URL"),
        ("http://app .example/", "spaces"),
        ("http://app.example/\x00", "control characters"),
        ("http://app.example/a\tb", "spaces"),
        ("http://-app.example/", "invalid host name"),
        ("http://app..example/", "invalid host name"),
        ("http://2130706433/", "invalid host name"),
        ("http://127.1/", "invalid host name"),
        ("http://0x7f.0.0.1/", "invalid host name"),
        ("http://a%2Eb/", "invalid host name"),
        ("https://app.example/" + "a" * MAX_URL_LENGTH, "longer than 2048"),
    ],
)
def test_invalid_urls_say_why(url: str, says: str) -> None:
    with pytest.raises(InvalidTargetUrl) as caught:
        parse_target_url(url)
    assert says in caught.value.message
    assert caught.value.code == "invalid_url"


def test_the_field_name_is_in_the_message() -> None:
    with pytest.raises(InvalidTargetUrl, match=r"^openapiUrl must be"):
        parse_target_url("ftp://x.example/", field="openapiUrl")


_label = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_hosts = st.lists(_label, min_size=1, max_size=3).filter(lambda ls: not ls[-1].isdigit())
_paths = st.lists(st.from_regex(r"[A-Za-z0-9._~%-]{0,8}", fullmatch=True), max_size=3)
_queries = st.one_of(st.just(""), st.from_regex(r"[a-z]{1,5}=[A-Za-z0-9]{0,5}", fullmatch=True))


@st.composite
def url_parts(draw: st.DrawFn) -> tuple[str, str, str, str, str]:
    """(scheme, host, port part, path, query) of a valid URL."""
    port = draw(st.one_of(st.none(), st.integers(1, 65535)))
    segments = draw(_paths)
    query = draw(_queries)
    return (
        draw(st.sampled_from(["http", "https"])),
        ".".join(draw(_hosts)),
        "" if port is None else f":{port}",
        "/" + "/".join(segments) if segments else "",
        f"?{query}" if query else "",
    )


@given(url_parts(), st.booleans())
def test_spellings_of_one_url_share_one_key(
    parts: tuple[str, str, str, str, str], shout: bool
) -> None:
    scheme, host, port, path, query = parts
    parsed = parse_target_url(f"{scheme}://{host}{port}{path}{query}")
    # Idempotent: the key is a URL with the same key.
    assert parse_target_url(parsed.key).key == parsed.key
    assert parsed.key == f"{scheme}://{host}{_kept(scheme, port)}{path or '/'}{query}"
    # Scheme and host case, a default port and a fragment do not matter.
    default = {"http": ":80", "https": ":443"}[scheme]
    scheme_spelling = scheme.upper() if shout else scheme
    variant = f"{scheme_spelling}://{host.upper()}{port or default}{path}{query}#fragment"
    assert parse_target_url(variant).key == parsed.key
    assert parsed.host == host


def _kept(scheme: str, port: str) -> str:
    """The port as the key spells it: dropped when it is the scheme's default."""
    return "" if {"http": ":80", "https": ":443"}[scheme] == port else port


@given(st.text(max_size=80))
def test_any_text_is_a_url_or_a_clear_error(text: str) -> None:
    try:
        parsed = parse_target_url(text)
    except InvalidTargetUrl as exc:
        message = exc.message
    else:
        message = ""
        assert parsed.key.startswith(("http://", "https://"))
        assert parse_target_url(parsed.key).key == parsed.key
    assert message == "" or message.startswith("url ")


@given(st.from_regex(r"https?://[a-z0-9.:@\[\]%-]{0,30}/?[ -~]{0,20}", fullmatch=True))
def test_url_like_text_is_a_url_or_a_clear_error(text: str) -> None:
    try:
        parsed = parse_target_url(text)
    except InvalidTargetUrl as exc:
        message = exc.message
    else:
        message = ""
        assert "@" not in parsed.key.split("/")[2]
        assert parse_target_url(parsed.key).key == parsed.key
    assert message == "" or message.startswith("url ")
