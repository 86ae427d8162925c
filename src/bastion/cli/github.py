"""`bastion github …`: helpers for connecting bastion to GitHub as a GitHub App."""

from __future__ import annotations

import json
import secrets
import sys
from typing import Annotated
from urllib.parse import urlsplit

import typer

from bastion.cli.errors import UsageError, friendly_errors

app = typer.Typer(help="Connect bastion to GitHub as a GitHub App.", no_args_is_help=True)


def _http_url(option: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{option} must be an http(s) URL, not {value!r}")
    return value.rstrip("/")


@app.command("manifest")
def manifest_command(
    *,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="SCAN_BASE_URL",
            help="Public URL of this bastion server; the webhook goes to <base-url>/webhook.",
        ),
    ] = None,
    name: Annotated[
        str, typer.Option("--name", help="App name; must be unique on GitHub.")
    ] = "bastion",
    webhook_url: Annotated[
        str | None, typer.Option("--webhook-url", help="Webhook URL (default <base-url>/webhook).")
    ] = None,
    redirect_url: Annotated[
        str | None,
        typer.Option(
            "--redirect-url",
            help="Where GitHub sends the browser with the code (default base URL).",
        ),
    ] = None,
    public: Annotated[
        bool, typer.Option("--public/--private", help="Let other accounts install the App.")
    ] = False,
    html: Annotated[
        bool,
        typer.Option("--html", help="Print a page whose button submits the manifest to GitHub."),
    ] = False,
    organization: Annotated[
        str | None,
        typer.Option("--org", help="With --html: create the App in this organisation."),
    ] = None,
    api_url: Annotated[
        str,
        typer.Option(
            "--github-api-url",
            envvar="GITHUB_API_URL",
            help="GitHub API URL; with --html it picks the GitHub web host.",
        ),
    ] = "https://api.github.com",
) -> None:
    """Print the GitHub App manifest (JSON), or with --html a page that creates the App."""
    from bastion.github.manifest import (  # noqa: PLC0415 - lazy: keeps --help fast
        build_manifest,
        creation_url,
        manifest_form_html,
        web_url_for,
    )

    with friendly_errors():
        if not base_url:
            raise UsageError(
                "SCAN_BASE_URL is not set: pass --base-url https://bastion.example.com"
            )
        manifest = build_manifest(
            _http_url("--base-url", base_url),
            name=name,
            webhook_url=_http_url("--webhook-url", webhook_url) if webhook_url else None,
            redirect_url=_http_url("--redirect-url", redirect_url) if redirect_url else None,
            public=public,
        )
        if not html:
            sys.stdout.write(json.dumps(manifest, indent=2) + "\n")
            return
        state = secrets.token_urlsafe(16)
        action = creation_url(
            web_url_for(_http_url("--github-api-url", api_url)), state, organization
        )
        sys.stdout.write(manifest_form_html(manifest, action))
