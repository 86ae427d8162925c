"""The polite client against real loopback servers: retries, budgets, caps, headers."""

from __future__ import annotations

import asyncio
import socket
import time

import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bastion.dast.crawler.client import TargetClient
from bastion.dast.crawler.errors import ClientStopped, TargetError
from bastion.dast.model import Exchange, HttpRequest, ScanStats
from bastion.dast.options import DastOptions
from tests.dast.crawler.conftest import Serve, options_for, run, send_all


def make_app() -> Starlette:
    hits = {"limited": 0}

    async def echo(request: Request) -> Response:
        return JSONResponse(
            {
                "headers": dict(request.headers.items()),
                "body": (await request.body()).decode(),
                "method": request.method,
            }
        )

    async def limited(request: Request) -> Response:
        hits["limited"] += 1
        if hits["limited"] == 1:
            return PlainTextResponse("slow down", status_code=429, headers={"Retry-After": "1"})
        return PlainTextResponse("fine")

    async def storm(request: Request) -> Response:
        return PlainTextResponse("unavailable", status_code=503)

    async def big(request: Request) -> Response:
        return PlainTextResponse("x" * 100_000)

    async def slow(request: Request) -> Response:
        await asyncio.sleep(2)
        return PlainTextResponse("late")

    async def redirect(request: Request) -> Response:
        return RedirectResponse("/echo", status_code=302)

    return Starlette(
        routes=[
            Route("/echo", echo, methods=["GET", "POST"]),
            Route("/limited", limited),
            Route("/storm", storm),
            Route("/big", big),
            Route("/slow", slow),
            Route("/redirect", redirect),
        ]
    )


def get(url: str) -> HttpRequest:
    return HttpRequest("GET", url)


def test_static_headers_cookies_and_user_agent_go_with_every_request(serve: Serve) -> None:
    site = serve(make_app())
    options = options_for(
        site,
        headers=(("Authorization", "Bearer t0k3n"), ("X-Api-Key", "k")),
        cookies=(("session", "static"), ("theme", "dark")),
        user_agent="bastion-test",
    )
    request = HttpRequest(
        "POST",
        f"{site}/echo",
        cookies=(("theme", "light"), ("csrf", "abc")),
        body=b"a=1",
        content_type="application/x-www-form-urlencoded",
    )
    (response,) = send_all(options, [request])
    seen = orjson.loads(response.body)
    headers = seen["headers"]
    assert headers["authorization"] == "Bearer t0k3n"
    assert headers["x-api-key"] == "k"
    assert headers["user-agent"] == "bastion-test"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    # One Cookie header; the request's own value wins over the static one.
    assert headers["cookie"] == "theme=light; csrf=abc; session=static"
    assert seen["body"] == "a=1"


def test_redirects_are_returned_not_followed(serve: Serve) -> None:
    site = serve(make_app())
    (response,) = send_all(options_for(site), [get(f"{site}/redirect")])
    assert response.status == 302
    assert response.header("location") == "/echo"


def test_429_with_retry_after_is_retried_after_the_pause(serve: Serve) -> None:
    site = serve(make_app())
    stats = ScanStats()

    async def main() -> tuple[int, float]:
        async with TargetClient(options_for(site, retries=2), stats=stats) as client:
            started = time.monotonic()
            response = await client.send(get(f"{site}/limited"))
            return response.status, time.monotonic() - started

    status, elapsed = run(main())
    assert status == 200
    assert elapsed >= 0.9  # Retry-After: 1
    assert stats.retries == 1
    assert stats.requests == 2


def test_a_503_storm_stops_the_client_after_max_consecutive_failures(serve: Serve) -> None:
    site = serve(make_app())
    stats = ScanStats()
    options = options_for(site, max_consecutive_failures=5)
    statuses: list[int] = []

    async def main() -> None:
        async with TargetClient(options, stats=stats) as client:
            for _ in range(10):
                statuses.append((await client.send(get(f"{site}/storm"))).status)

    with pytest.raises(ClientStopped) as raised:
        run(main())
    assert statuses == [503] * 5
    assert raised.value.reason.startswith("target failing: 5 consecutive failures")
    assert stats.stop_reason == raised.value.reason
    assert stats.requests == 5


def test_success_resets_the_failure_count(serve: Serve) -> None:
    site = serve(make_app())
    options = options_for(site, max_consecutive_failures=3)
    urls = [f"{site}/storm", f"{site}/storm", f"{site}/echo"] * 3
    responses = send_all(options, [get(url) for url in urls])
    assert [r.status for r in responses] == [503, 503, 200] * 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_connection_refused_is_a_target_error_after_retries() -> None:
    options = options_for(f"http://127.0.0.1:{free_port()}/", retries=1)
    stats = ScanStats()

    async def main() -> None:
        async with TargetClient(options, stats=stats) as client:
            await client.send(get(options.target))

    with pytest.raises(TargetError) as raised:
        run(main())
    assert not isinstance(raised.value, ClientStopped)
    assert "connection failed" in str(raised.value)
    assert stats.requests == 2
    assert stats.retries == 1
    assert stats.errors == 1


def test_a_timeout_is_a_target_error(serve: Serve) -> None:
    site = serve(make_app())
    options = options_for(site, timeout=0.3)
    with pytest.raises(TargetError, match="timed out"):
        send_all(options, [get(f"{site}/slow")])


def test_bodies_are_capped_while_streaming(serve: Serve) -> None:
    site = serve(make_app())
    capped, whole = send_all(
        options_for(site, max_response_bytes=1000), [get(f"{site}/big"), get(f"{site}/echo")]
    )
    assert len(capped.body) == 1000
    assert capped.truncated
    assert not whole.truncated
    assert orjson.loads(whole.body)["method"] == "GET"


def test_the_request_rate_is_respected(serve: Serve) -> None:
    site = serve(make_app())
    options = options_for(site, requests_per_second=20.0, concurrency=4)

    async def main() -> float:
        async with TargetClient(options, stats=ScanStats()) as client:
            started = time.monotonic()
            await asyncio.gather(*(client.send(get(f"{site}/echo")) for _ in range(11)))
            return time.monotonic() - started

    # 11 requests 50 ms apart: at least 0.5 s, whatever the concurrency.
    assert run(main()) >= 0.45


def test_max_requests_stops_the_client(serve: Serve) -> None:
    site = serve(make_app())
    stats = ScanStats()
    sent: list[int] = []

    async def main() -> None:
        async with TargetClient(options_for(site, max_requests=3), stats=stats) as client:
            for _ in range(5):
                sent.append((await client.send(get(f"{site}/echo"))).status)

    with pytest.raises(ClientStopped) as raised:
        run(main())
    assert sent == [200, 200, 200]
    assert raised.value.reason == "request budget"
    assert stats.stop_reason == "request budget"


def test_a_passed_deadline_stops_the_client(serve: Serve) -> None:
    site = serve(make_app())

    async def main() -> str | None:
        options = options_for(site)
        client = TargetClient(options, stats=ScanStats(), deadline=time.monotonic() - 1)
        async with client:
            with pytest.raises(ClientStopped, match="time budget"):
                await client.send(get(f"{site}/echo"))
            return client.stopped

    assert run(main()) == "time budget"


def test_the_observer_sees_every_completed_exchange(serve: Serve) -> None:
    site = serve(make_app())
    seen: list[Exchange] = []

    async def main() -> None:
        async with TargetClient(options_for(site), stats=ScanStats(), observer=seen.append) as c:
            await c.send(get(f"{site}/echo"))
            await c.send(get(f"{site}/redirect"))

    run(main())
    assert [(e.request.url, e.response.status) for e in seen] == [
        (f"{site}/echo", 200),
        (f"{site}/redirect", 302),
    ]


@pytest.mark.parametrize(
    "request_",
    [
        HttpRequest("GET", "http://[::1"),
        HttpRequest("GET", "ftp://example.com/"),
        HttpRequest("GET", "/relative"),
    ],
)
def test_unusable_urls_are_target_errors(request_: HttpRequest) -> None:
    options = DastOptions(target="http://127.0.0.1:9/", retries=0)
    with pytest.raises(TargetError):
        send_all(options, [request_])


def test_a_malformed_header_is_refused_without_counting_as_a_target_failure(
    serve: Serve,
) -> None:
    site = serve(make_app())
    stats = ScanStats()
    bad = HttpRequest("GET", f"{site}/echo", headers=(("X-Bad", "a\r\nInjected: 1"),))

    async def main() -> int:
        async with TargetClient(options_for(site, max_consecutive_failures=1), stats=stats) as c:
            with pytest.raises(TargetError):
                await c.send(bad)
            return (await c.send(get(f"{site}/echo"))).status

    assert run(main()) == 200


def test_an_unparsable_location_is_returned_not_raised(serve: Serve) -> None:
    """A traversal probe can make an app answer ``Location: c:\\windows\\win.ini``;
    httpx cannot parse some such values, but the answer is evidence a rule must see."""

    async def bad_location(request: Request) -> Response:
        return Response(status_code=302, headers={"Location": "http://[::1:bad/x"})

    async def hostless(request: Request) -> Response:
        return Response(status_code=302, headers={"Location": "http:..%2F..%2Fetc%2Fpasswd"})

    site = serve(Starlette(routes=[Route("/go", bad_location), Route("/hostless", hostless)]))
    first, second = send_all(options_for(site), [get(f"{site}/go"), get(f"{site}/hostless")])
    assert (first.status, first.header("location")) == (302, "http://[::1:bad/x")
    assert (second.status, second.header("location")) == (302, "http:..%2F..%2Fetc%2Fpasswd")
