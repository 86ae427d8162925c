"""Signed deliveries as GitHub sends them, and GitHub's own example payloads."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi.testclient import TestClient

# No stubs in the lock (types-jsonschema would be a new dependency); used in tests only.
from jsonschema import Draft7Validator  # type: ignore[import-untyped]
from referencing import Registry
from referencing.jsonschema import DRAFT7

from bastion.webhooks.signature import sign
from tests.support.paths import shared_dir

SECRET = "It's a Secret to Everybody"
T = TypeVar("T")


def payload_dir() -> Path:
    return shared_dir() / "github" / "webhooks"


def payload_names() -> list[str]:
    """``pull_request.opened``, ``push``, … for every example payload."""
    return sorted(p.name.removesuffix(".json") for p in payload_dir().glob("*.json"))


def load_payload(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((payload_dir() / f"{name}.json").read_text())
    return payload


def deliver(
    client: TestClient,
    event: str,
    payload: dict[str, Any] | bytes,
    *,
    delivery: str | None = None,
    secret: str = SECRET,
    signature: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST ``payload`` to /webhook with the headers GitHub sends (signed with ``secret``
    unless ``signature`` overrides it)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    sent = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/a1b2c3d",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "1",
        "X-GitHub-Hook-Installation-Target-Type": "integration",
        "X-GitHub-Hook-Installation-Target-ID": "1",
        "X-Hub-Signature-256": sign(secret.encode(), body) if signature is None else signature,
        **(headers or {}),
    }
    response: httpx.Response = client.post("/webhook", content=body, headers=sent)
    return response


def eventually(probe: Callable[[], T | None], timeout: float = 15.0) -> T:
    """``probe()``'s first answer that is not None, polled until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing found within {timeout} s")
        time.sleep(0.05)


@cache
def _schemas() -> Registry[Any]:
    resources = []
    for path in (payload_dir() / "schemas").rglob("*.schema.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], DRAFT7.create_resource(schema)))
    return Registry().with_resources(resources)


def github_shape_problems(event: str, payload: dict[str, Any]) -> list[str]:
    """What in ``payload`` GitHub's JSON Schema for ``event`` and its action does not
    allow: test edits of example payloads must stay deliveries GitHub could send."""
    registry = _schemas()
    schema = registry.contents(f"{event}${payload['action']}")
    validator = Draft7Validator(schema, registry=registry)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(payload)
    ]
