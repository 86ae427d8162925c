"""`bastion github manifest`: the App manifest, and the page that submits it to GitHub."""

from __future__ import annotations

import html
import json
import re

import pytest
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.github.manifest import web_url_for

runner = CliRunner()


def manifest(*args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    result = runner.invoke(app, ["github", "manifest", *args], env=env)
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout)
    assert isinstance(parsed, dict)
    return parsed


def test_manifest_from_scan_base_url() -> None:
    assert manifest(env={"SCAN_BASE_URL": "https://bastion.example.com/"}) == {
        "name": "bastion",
        "url": "https://bastion.example.com",
        "description": "Self-hosted security scanner: vulnerable dependencies in pull requests.",
        "hook_attributes": {"url": "https://bastion.example.com/webhook", "active": True},
        "redirect_url": "https://bastion.example.com",
        "public": False,
        "default_permissions": {
            "contents": "write",
            "metadata": "read",
            "checks": "write",
            "pull_requests": "write",
        },
        "default_events": ["pull_request", "push", "check_run", "check_suite"],
    }


def test_manifest_options_override() -> None:
    result = manifest(
        "--base-url",
        "https://scan.internal:8443",
        "--name",
        "acme-bastion",
        "--webhook-url",
        "https://hooks.example.com/bastion",
        "--redirect-url",
        "https://scan.internal:8443/setup",
        "--public",
        env={"SCAN_BASE_URL": "https://ignored.example.com"},
    )
    assert result["name"] == "acme-bastion"
    assert result["url"] == "https://scan.internal:8443"
    assert result["hook_attributes"] == {"url": "https://hooks.example.com/bastion", "active": True}
    assert result["redirect_url"] == "https://scan.internal:8443/setup"
    assert result["public"] is True


def test_events_github_refuses_are_not_requested() -> None:
    events = manifest("--base-url", "https://b.example.com")["default_events"]
    assert isinstance(events, list)
    assert "installation" not in events
    assert "installation_repositories" not in events


def test_html_page_posts_the_manifest_to_github() -> None:
    result = runner.invoke(
        app,
        ["github", "manifest", "--html", "--org", "acme", "--base-url", "https://b.example.com"],
        env={"GITHUB_API_URL": "https://api.github.com"},
    )
    assert result.exit_code == 0, result.output
    action = re.search(r'<form action="([^"]+)" method="post">', result.stdout)
    assert action is not None
    assert re.fullmatch(
        r"https://github\.com/organizations/acme/settings/apps/new\?state=[\w-]{16,}",
        html.unescape(action.group(1)),
    )
    value = re.search(r'name="manifest" value="([^"]+)"', result.stdout)
    assert value is not None
    assert json.loads(html.unescape(value.group(1)))["url"] == "https://b.example.com"


@pytest.mark.parametrize(
    ("api", "web"),
    [
        ("https://api.github.com", "https://github.com"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com"),
        ("https://api.acme.ghe.com", "https://acme.ghe.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_web_url_for_api_url(api: str, web: str) -> None:
    assert web_url_for(api) == web


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "SCAN_BASE_URL is not set"),
        (("--base-url", "bastion.example.com"), "--base-url must be an http(s) URL"),
        (("--base-url", "https://b.example.com", "--webhook-url", "x"), "--webhook-url must be"),
    ],
)
def test_usage_errors(args: tuple[str, ...], message: str) -> None:
    result = runner.invoke(app, ["github", "manifest", *args], env={"SCAN_BASE_URL": ""})
    assert result.exit_code == 2
    assert message in result.output
