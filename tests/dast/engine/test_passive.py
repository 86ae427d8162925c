from __future__ import annotations

from bastion.dast.engine.passive import PassiveRunner, origin
from bastion.dast.model import Exchange, HttpRequest, HttpResponse, ScanStats
from tests.dast.engine import rules


def exchange(url: str, body: bytes = b"", headers: tuple[tuple[str, str], ...] = ()) -> Exchange:
    return Exchange(HttpRequest("GET", url), HttpResponse(url, 200, headers, body, 0.0))


def test_endpoint_scope_is_one_finding_per_endpoint() -> None:
    runner = PassiveRunner([rules.TokenLeak()], ScanStats())
    for url in ["http://h/a?x=1", "http://h/a?x=2", "http://h/b", "http://h/c"]:
        runner.observe(exchange(url, b"SECRET-TOKEN" if url != "http://h/c" else b""))
    assert sorted(f.url for f in runner.findings()) == ["http://h/a?x=1", "http://h/b"]


def test_site_scope_is_one_finding_per_origin() -> None:
    rule = rules.MissingHeader()
    runner = PassiveRunner([rule], ScanStats())
    for url in ["http://h/a", "http://h/b", "http://H/c", "https://h/a", "https://h/b"]:
        runner.observe(exchange(url))
    assert [f.url for f in runner.findings()] == ["http://h/a", "https://h/a"]
    assert rule.checked == 2


def test_a_failing_rule_is_noted_once_and_others_still_run() -> None:
    stats = ScanStats()
    runner = PassiveRunner([rules.BrokenPassive(), rules.TokenLeak()], stats)
    runner.observe(exchange("http://h/a", b"SECRET-TOKEN"))
    runner.observe(exchange("http://h/b", b"SECRET-TOKEN"))
    assert len(runner) == 2
    assert len(stats.notes) == 1
    assert "ValueError: passive boom" in stats.notes[0]


def test_origin() -> None:
    assert origin("HTTP://Example.test:8080/x?y") == "http://example.test:8080"
    assert origin("http://[::1") == "http://[::1"
