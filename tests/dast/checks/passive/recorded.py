"""Hand-built exchanges, as the scanner's client would record them."""

from __future__ import annotations

from bastion.dast.model import Exchange, Headers, HttpRequest, HttpResponse

HTML = (("Content-Type", "text/html; charset=utf-8"),)
PAGE = b"<!doctype html><html><head><title>Shop</title></head><body>Hi</body></html>"


def exchange(
    url: str = "https://shop.example/",
    *,
    status: int = 200,
    headers: Headers = HTML,
    body: bytes = PAGE,
    request_headers: Headers = (),
    method: str = "GET",
) -> Exchange:
    request = HttpRequest(method, url, headers=request_headers)
    response = HttpResponse(url=url, status=status, headers=headers, body=body, elapsed=0.01)
    return Exchange(request, response)


def html_with(
    *headers: tuple[str, str], body: bytes = PAGE, url: str = "https://shop.example/"
) -> Exchange:
    return exchange(url, headers=(*HTML, *headers), body=body)
