"""The whole discovery against real loopback sites."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import parse_qsl

import orjson
import pytest

from bastion.dast.crawler.client import TargetClient
from bastion.dast.crawler.crawl import crawl
from bastion.dast.crawler.errors import ScopeError, TargetError
from bastion.dast.model import InputSource, ScanStats
from bastion.dast.options import LoginForm
from tests.dast.crawler.conftest import Serve, find, options_for, run_crawl
from tests.dast.crawler.sites import Log, api_site, members, other_site, shop


@pytest.fixture
def shop_site(serve: Serve) -> tuple[str, Log, Log]:
    other_log, log = Log(), Log()
    other = serve(other_site(other_log))
    return serve(shop(log, other)), log, other_log


def test_the_crawl_finds_links_forms_frames_refresh_redirects_and_scripts(
    shop_site: tuple[str, Log, Log],
) -> None:
    site, log, _ = shop_site
    result, stats = run_crawl(options_for(site + "/"))
    for path in (
        "/about",
        "/framed",
        "/from-frame",
        "/refreshed",
        "/landing?from=redirect",
        "/static/app.js",
        "/api/from-js?x=1",
        "/thanks",
    ):
        assert log.hit(path), path
    pages = set(result.pages)
    assert f"{site}/about" in pages
    assert f"{site}/landing?from=redirect" in pages
    assert f"{site}/static/app.js" not in pages
    # GET form, POST form with all its fields, multipart form.
    (search,) = find(result.inputs, "GET", "/search")
    assert search.source is InputSource.FORM
    assert search.request.url.endswith("/search?q=bastion")
    (contact,) = find(result.inputs, "POST", "/contact")
    assert dict(parse_qsl(contact.request.body.decode())) == {
        "token": "t1",
        "email": "bastion@example.com",
        "message": "bastion",
        "topic": "sales",
        "send": "1",
    }
    assert contact.page == f"{site}/"
    assert ("POST", "/contact") in {(m, p) for m, p, _, _ in log.requests}
    (upload,) = find(result.inputs, "POST", "/upload")
    assert upload.request.content_type.startswith("multipart/form-data; boundary=")
    # JavaScript: inline fetch with a JSON body, linked script's XHR and fetch.
    (cart,) = find(result.inputs, "POST", "/api/cart")
    assert cart.source is InputSource.SCRIPT
    assert orjson.loads(cart.request.body) == {"id": 1}
    assert cart.request.content_type == "application/json"
    (xhr,) = find(result.inputs, "POST", "/api/xhr")
    assert xhr.request.body == b"a=1&b=2"
    assert find(result.inputs, "GET", "/api/from-js")[0].source is InputSource.SCRIPT
    # The redirect's source and target are both inputs.
    assert find(result.inputs, "GET", "/redirect")
    assert find(result.inputs, "GET", "/landing")[0].source is InputSource.REDIRECT
    assert stats.pages == len(result.pages)
    assert stats.inputs == len(result.inputs)
    assert stats.requests == len(log.requests)


def test_problems_become_notes_not_errors(shop_site: tuple[str, Log, Log]) -> None:
    site, log, _ = shop_site
    _, stats = run_crawl(options_for(site + "/"))
    notes = "\n".join(stats.notes)
    assert "redirect loop" in notes
    assert "binary response(s) not parsed" in notes  # /blob answered image/png
    assert "static resource(s) noted, not fetched" in notes
    assert not log.hit("/img/")
    assert not log.hit("/files/")
    assert "logout link(s) not followed" in notes
    assert stats.stop_reason == "completed"


def test_scope_keeps_to_the_origin_and_never_logs_out(shop_site: tuple[str, Log, Log]) -> None:
    site, log, other_log = shop_site
    result, _ = run_crawl(options_for(site + "/"))
    assert other_log.requests == []
    assert not log.hit("/account/logout")
    assert not log.hit("/bye")
    assert not [i for i in result.inputs if "logout" in i.request.url or "/bye" in i.request.url]
    assert all(i.request.url.startswith(site) for i in result.inputs)


def test_include_exclude_and_depth(shop_site: tuple[str, Log, Log]) -> None:
    site, log, _ = shop_site
    run_crawl(options_for(site + "/", exclude=("/admin/",), max_depth=2))
    assert not log.hit("/admin/")
    assert log.hit("/deep/2")  # depth 2
    assert not log.hit("/deep/3")


def test_include_patterns_replace_the_origin_rule(serve: Serve) -> None:
    other_log, log = Log(), Log()
    other = serve(other_site(other_log))
    site = serve(shop(log, other))
    run_crawl(options_for(site + "/", include=(r"127\.0\.0\.1",)))  # both sites
    assert other_log.paths() == ["/elsewhere"]


def test_robots_and_sitemap_are_discovery_hints(shop_site: tuple[str, Log, Log]) -> None:
    site, log, _ = shop_site
    result, _ = run_crawl(options_for(site + "/"))
    assert log.hit("/hidden-from-robots/")
    assert log.hit("/from-sitemap")
    sources = {i.request.url.removeprefix(site): i.source for i in result.inputs}
    assert sources["/hidden-from-robots/"] is InputSource.ROBOTS
    assert sources["/from-sitemap"] is InputSource.SITEMAP


def test_cookies_set_by_the_app_go_with_later_requests_and_inputs(
    shop_site: tuple[str, Log, Log],
) -> None:
    site, log, _ = shop_site
    result, _ = run_crawl(options_for(site + "/", cookies=(("static", "1"),)))
    # Secure, Domain and Path did not stop the cookie from coming back over plain HTTP.
    assert log.hit("/cookie-ok")
    later = [cookie for method, path, cookie, _ in log.requests if path == "/about"]
    assert later == ["visited=yes; static=1"]
    assert all(("visited", "yes") in i.request.cookies for i in result.inputs)


def test_value_only_variants_are_one_input_and_a_few_requests(
    shop_site: tuple[str, Log, Log],
) -> None:
    site, log, _ = shop_site
    result, _ = run_crawl(options_for(site + "/"))
    assert len(find(result.inputs, "GET", "/products")) == 1
    assert len([p for p in log.paths() if p.startswith("/products")]) == 10
    assert len(find(result.inputs, "GET", "/item/1") + find(result.inputs, "GET", "/item/2")) == 1
    keys = [(i.request.method, i.request.url, i.request.body) for i in result.inputs]
    assert len(keys) == len(set(keys))


def test_max_pages_bounds_the_crawl(shop_site: tuple[str, Log, Log]) -> None:
    site, _, _ = shop_site
    result, stats = run_crawl(options_for(site + "/", max_pages=3))
    assert len(result.pages) <= 3
    assert any("page limit reached" in note for note in stats.notes)


def test_max_requests_ends_the_crawl_with_what_it_found(shop_site: tuple[str, Log, Log]) -> None:
    site, log, _ = shop_site
    result, stats = run_crawl(options_for(site + "/", max_requests=5))
    assert len(log.requests) == 5
    assert stats.stop_reason == "request budget"
    assert result.pages[0] == f"{site}/"


def test_an_unreachable_target_is_a_target_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TargetError):
        run_crawl(options_for(f"http://127.0.0.1:{port}/"))


def test_unreachable_sets_the_stop_reason() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    stats = ScanStats()

    async def main() -> None:
        options = options_for(f"http://127.0.0.1:{port}/")
        async with TargetClient(options, stats=stats) as client:
            await crawl(options, client, stats=stats)

    with pytest.raises(TargetError):
        asyncio.run(main())
    assert stats.stop_reason.startswith("target unreachable: connection failed")


def test_invalid_scope_patterns_are_scope_errors(shop_site: tuple[str, Log, Log]) -> None:
    site, _, _ = shop_site
    with pytest.raises(ScopeError):
        run_crawl(options_for(site + "/", exclude=("[",)))


def test_login_form_with_csrf_token_opens_the_members_area(serve: Serve) -> None:
    log = Log()
    site = serve(members(log))
    login = LoginForm(url=f"{site}/login", username="alice", password="s3cret")
    result, stats = run_crawl(options_for(site + "/", login=login))
    assert not [n for n in stats.notes if n.startswith("login:")]
    assert log.hit("/members/profile")
    assert log.hit("/members/settings")
    assert not log.hit("/logout")
    # The login form is recorded as an input but never submitted again: that would
    # replace the session.
    assert log.paths("POST") == ["/login"]
    assert find(result.inputs, "POST", "/login")
    profile = find(result.inputs, "GET", "/members/profile")[0]
    assert ("session", "alice-session") in profile.request.cookies
    assert f"{site}/members/profile?tab=1" in result.pages


def test_a_failed_login_is_a_note(serve: Serve) -> None:
    log = Log()
    site = serve(members(log))
    login = LoginForm(url=f"{site}/login", username="alice", password="wrong")
    _, stats = run_crawl(options_for(site + "/", login=login))
    assert any("login form came back" in note for note in stats.notes)
    assert not log.hit("/members/")


def test_login_with_explicit_field_names(serve: Serve) -> None:
    log = Log()
    site = serve(members(log))
    login = LoginForm(
        url=f"{site}/login",
        username="alice",
        password="s3cret",
        username_field="username",
        password_field="password",
    )
    run_crawl(options_for(site + "/", login=login))
    assert log.hit("/members/profile")


def test_a_login_page_without_a_password_form_is_a_note(serve: Serve) -> None:
    site = serve(api_site(Log()))
    login = LoginForm(url=f"{site}/nothing-here", username="a", password="b")
    result, stats = run_crawl(options_for(site + "/", login=login))
    assert any(note.startswith("login: no form with a password field") for note in stats.notes)
    assert result.pages == [f"{site}/"]  # the crawl goes on without a session


def test_openapi_from_a_url_on_the_target(serve: Serve) -> None:
    log = Log()
    site = serve(api_site(log))
    result, stats = run_crawl(options_for(site + "/", openapi=f"{site}/docs/openapi.yaml"))
    imported = [i for i in result.inputs if i.source is InputSource.OPENAPI]
    assert len(imported) == 8
    assert all(i.request.url.startswith(f"{site}/v1/") or "/search-api/" in i.request.url
               for i in imported)  # fmt: skip
    assert all(i.page == f"{site}/docs/openapi.yaml" for i in imported)
    assert not [n for n in stats.notes if n.startswith("openapi:")]
    # Imported operations are inputs, not requests sent during discovery.
    assert not log.hit("/v1/")


def test_a_bad_openapi_definition_is_a_note(serve: Serve) -> None:
    log = Log()
    site = serve(api_site(log))
    result, stats = run_crawl(options_for(site + "/", openapi=f"{site}/docs/broken.yaml"))
    assert any(n.startswith("openapi:") and "neither JSON nor YAML" in n for n in stats.notes)
    assert result.pages == [f"{site}/"]
    _, stats = run_crawl(options_for(site + "/", openapi="/no/such/file.yaml"))
    assert any("cannot read the definition" in note for note in stats.notes)


def test_browser_missing_is_a_note(shop_site: tuple[str, Log, Log]) -> None:
    site, _, _ = shop_site
    _, stats = run_crawl(
        options_for(site + "/", browser=True, chromium_path="/nonexistent/chromium")
    )
    assert "browser: Chromium not found at /nonexistent/chromium; browser crawl skipped" in (
        stats.notes
    )
