"""The GitHub App manifest for bastion, and the page that submits it to GitHub.

GitHub creates an App from a manifest only through a browser: a form POSTs the manifest
as the ``manifest`` field to ``/settings/apps/new`` (or an organisation's equivalent),
the user confirms, and GitHub redirects to ``redirect_url`` with a one-hour ``code`` that
``POST /app-manifests/{code}/conversions`` exchanges for the App id, key and webhook
secret.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

# contents: write for POST /api/fix, which commits the edited manifests on a branch
# (reading the tarball needs only read); pull_requests: write to open the fix PR.
DEFAULT_PERMISSIONS: dict[str, str] = {
    "contents": "write",
    "metadata": "read",
    "checks": "write",
    "pull_requests": "write",
}
# The events POST /webhook acts on (bastion.webhooks.events.SCAN_EVENTS). Not
# "installation" nor "installation_repositories": GitHub always delivers those to an
# App and rejects a manifest that lists them ("Default events unsupported").
DEFAULT_EVENTS: tuple[str, ...] = ("pull_request", "push", "check_run", "check_suite")


def build_manifest(
    base_url: str,
    *,
    name: str = "bastion",
    webhook_url: str | None = None,
    redirect_url: str | None = None,
    public: bool = False,
) -> dict[str, Any]:
    """The manifest for a bastion server reachable at ``base_url`` (``SCAN_BASE_URL``)."""
    base = base_url.rstrip("/")
    return {
        "name": name,
        "url": base,
        "description": "Self-hosted security scanner: vulnerable dependencies in pull requests.",
        "hook_attributes": {"url": webhook_url or f"{base}/webhook", "active": True},
        "redirect_url": redirect_url or base,
        "public": public,
        "default_permissions": dict(DEFAULT_PERMISSIONS),
        "default_events": list(DEFAULT_EVENTS),
    }


def web_url_for(api_url: str) -> str:
    """GitHub's web address for an API URL: api.github.com → github.com, GHES /api/v3 → host."""
    parts = urlsplit(api_url.rstrip("/"))
    host = parts.netloc
    if host == "api.github.com":
        return "https://github.com"
    if host.startswith("api.") and parts.path in ("", "/"):
        # GitHub Enterprise Cloud with data residency: api.<tenant>.ghe.com.
        return urlunsplit((parts.scheme, host.removeprefix("api."), "", "", ""))
    return urlunsplit((parts.scheme, host, "", "", ""))


def creation_url(web_url: str, state: str, organization: str | None = None) -> str:
    base = web_url.rstrip("/")
    if organization:
        base += f"/organizations/{quote(organization, safe='')}"
    return f"{base}/settings/apps/new?state={quote(state, safe='')}"


def manifest_form_html(manifest: dict[str, Any], action_url: str) -> str:
    """A self-contained page whose button POSTs the manifest to GitHub."""
    value = html.escape(json.dumps(manifest), quote=True)
    name = html.escape(str(manifest.get("name", "bastion")))
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Create the {name} GitHub App</title></head>
<body>
<h1>Create the {name} GitHub App</h1>
<p>GitHub will show the settings below for confirmation, create the App, then send you to
its redirect URL with a <code>code</code> to exchange for the App's credentials.</p>
<form action="{html.escape(action_url, quote=True)}" method="post">
<input type="hidden" name="manifest" value="{value}">
<button type="submit">Create GitHub App</button>
</form>
<pre>{html.escape(json.dumps(manifest, indent=2))}</pre>
</body>
</html>
"""
