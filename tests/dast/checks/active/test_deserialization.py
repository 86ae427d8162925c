from __future__ import annotations

import base64
import io
import pickle
import re
import struct
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from bastion.dast.checks.active.deserialization import (
    Format,
    InsecureDeserialization,
    Wrapping,
    classify,
    java_unknown_class,
    pickle_sleep,
)
from bastion.dast.model import (
    HttpRequest,
    HttpResponse,
    InputSource,
    InsertionPoint,
    Location,
    ScanInput,
)
from tests.dast.checks.active.fakes import App, cookie, escape, get, page, param, scan

SESSION = base64.b64encode(pickle.dumps({"user": "alice"})).decode()


class Recorder:
    """Stands in for ``time.sleep``: the fake server adds the requested seconds to the
    response's ``elapsed`` instead of sleeping."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, seconds: float) -> None:
        self.seconds += seconds


def pickle_app(*, trusting: bool) -> App:
    def handle(request: HttpRequest) -> HttpResponse:
        recorder = Recorder()

        class Unpickler(pickle.Unpickler):
            def find_class(self, module: str, name: str) -> Any:
                if trusting and (module, name) == ("time", "sleep"):
                    return recorder
                raise pickle.UnpicklingError(f"global {module}.{name} refused")

        try:
            # Cookie parsers (http.cookies, Starlette) drop RFC 6265's optional quotes.
            value = cookie(request, "session").strip('"')
            data = Unpickler(io.BytesIO(base64.b64decode(value))).load()
        except Exception:
            return page("<p>Bad session</p>", 400)
        return page(f"<p>Hello {escape(str(data))}</p>", elapsed=0.02 + recorder.seconds)

    return handle


def yaml_app(*, trusting: bool) -> App:
    def handle(request: HttpRequest) -> HttpResponse:
        recorder = Recorder()

        class Loader(yaml.SafeLoader):
            pass

        def apply(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
            assert suffix == "time.sleep"
            assert isinstance(node, yaml.SequenceNode)
            recorder(*[int(str(loader.construct_object(n))) for n in node.value])

        if trusting:
            Loader.add_multi_constructor("tag:yaml.org,2002:python/object/apply:", apply)
        try:
            data = yaml.load(param(request, "config"), Loader=Loader)
        except yaml.YAMLError:
            return page("<p>Bad config</p>", 400)
        return page(f"<p>{escape(str(data))}</p>", elapsed=0.02 + recorder.seconds)

    return handle


def java_app(*, trusting: bool) -> App:
    def handle(request: HttpRequest) -> HttpResponse:
        data = base64.b64decode(param(request, "state") + "==")
        if not trusting or data[:6] != b"\xac\xed\x00\x05\x73\x72":
            return page("<p>Invalid state</p>", 400)
        (length,) = struct.unpack(">H", data[6:8])
        name = data[8 : 8 + length].decode()
        if name == "app.State":
            return page("<p>State restored</p>")
        return page(f"<pre>java.lang.ClassNotFoundException: {escape(name)}</pre>", 500)

    return handle


def php_app(*, trusting: bool) -> App:
    def handle(request: HttpRequest) -> HttpResponse:
        value = param(request, "cart")
        match = re.match(r'O:\d+:"(\w+)"', value)
        if trusting and match and match[1] != "Cart":
            return page(
                "<pre>object(__PHP_Incomplete_Class)#1 (1) { "
                f'["__PHP_Incomplete_Class_Name"]=> string "{match[1]}" }}</pre>'
            )
        return page("<pre>Cart: 0 items</pre>")

    return handle


Case = tuple[Callable[..., App], HttpRequest, Location, str]
CASES: dict[str, Case] = {
    "pickle cookie": (
        pickle_app,
        HttpRequest("GET", "http://app.test/", cookies=(("session", SESSION),)),
        Location.COOKIE,
        "session",
    ),
    "quoted pickle cookie": (
        pickle_app,
        HttpRequest("GET", "http://app.test/", cookies=(("session", f'"{SESSION}"'),)),
        Location.COOKIE,
        "session",
    ),
    "yaml form field": (
        yaml_app,
        get("http://app.test/import?config=---%0Aname%3A%20demo%0A"),
        Location.QUERY,
        "config",
    ),
    "java base64": (
        java_app,
        get(
            "http://app.test/view?state="
            + base64.b64encode(java_unknown_class("app.State")).decode().rstrip("=")
        ),
        Location.QUERY,
        "state",
    ),
    "php serialize": (
        php_app,
        get('http://app.test/cart?cart=O:4:"Cart":0:{}'),
        Location.QUERY,
        "cart",
    ),
}


@pytest.mark.parametrize(
    ("factory", "request_", "location", "name"), CASES.values(), ids=CASES.keys()
)
def test_trusting_deserializers_are_found(
    factory: Callable[..., App], request_: HttpRequest, location: Location, name: str
) -> None:
    finding, probe = scan(
        InsecureDeserialization(), factory(trusting=True), request_, location, name
    )
    assert finding is not None
    assert finding.request in probe.sent
    assert finding.confirmations


@pytest.mark.parametrize(
    ("factory", "request_", "location", "name"), CASES.values(), ids=CASES.keys()
)
def test_safe_deserializers_are_not(
    factory: Callable[..., App], request_: HttpRequest, location: Location, name: str
) -> None:
    finding, _ = scan(InsecureDeserialization(), factory(trusting=False), request_, location, name)
    assert finding is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (SESSION, (Format.PICKLE, Wrapping.BASE64)),
        (
            base64.b64encode(pickle.dumps([1], protocol=0)).decode(),
            (Format.PICKLE, Wrapping.BASE64),
        ),
        (
            base64.urlsafe_b64encode(b"\xac\xed\x00\x05sr\xff\xfe").decode(),
            (Format.JAVA, Wrapping.BASE64URL),
        ),
        ("aced0005737200", (Format.JAVA, Wrapping.HEX)),
        ('a:1:{s:1:"a";i:1;}', (Format.PHP, Wrapping.RAW)),
        (base64.b64encode(b'O:8:"stdClass":0:{}').decode(), (Format.PHP, Wrapping.BASE64)),
        ('{"py/object": "app.Cart"}', (Format.JSONPICKLE, Wrapping.RAW)),
        ("!!python/object:app.Cart {}", (Format.YAML, Wrapping.RAW)),
        (f'"{SESSION}"', (Format.PICKLE, Wrapping.BASE64)),
        ("hello world", None),
        ("12345", None),
        ("dGhpcyBpcyBwbGFpbiB0ZXh0", None),  # base64 of plain text
        ("", None),
    ],
)
def test_classify(value: str, expected: tuple[Format, Wrapping] | None) -> None:
    found = classify(value)
    assert (None if found is None else (found.format, found.wrapping)) == expected


def test_only_serialized_values_are_probed() -> None:
    rule = InsecureDeserialization()
    target = ScanInput(get("http://app.test/"), InputSource.LINK)
    assert not rule.applies_to(target, InsertionPoint(Location.QUERY, "q", "shoes"))
    assert rule.applies_to(target, InsertionPoint(Location.COOKIE, "session", SESSION))


def test_pickle_payload_only_sleeps() -> None:
    calls: list[tuple[str, str]] = []

    class Spy(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            calls.append((module, name))
            return Recorder()

    Spy(io.BytesIO(pickle_sleep(2))).load()
    assert calls == [("time", "sleep")]
