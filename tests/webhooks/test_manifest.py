"""The App asks GitHub for exactly the events and permissions the webhook handling uses."""

from __future__ import annotations

from bastion.github.manifest import DEFAULT_EVENTS, DEFAULT_PERMISSIONS, build_manifest
from bastion.webhooks.events import ACCESS_EVENTS, SCAN_EVENTS


def test_the_manifest_subscribes_to_the_events_that_start_scans() -> None:
    manifest = build_manifest("https://bastion.example.com")
    assert set(manifest["default_events"]) == set(DEFAULT_EVENTS) == SCAN_EVENTS
    # Delivered to every App anyway; GitHub refuses manifests that list them.
    assert not ACCESS_EVENTS & set(DEFAULT_EVENTS)
    assert manifest["hook_attributes"]["url"] == "https://bastion.example.com/webhook"


def test_the_manifest_grants_what_scans_and_check_runs_need() -> None:
    assert DEFAULT_PERMISSIONS["checks"] == "write"  # the bastion check run
    # Tarballs of the scanned commits need read; fix pull requests commit to a branch.
    assert DEFAULT_PERMISSIONS["contents"] == "write"
    assert DEFAULT_PERMISSIONS["metadata"] == "read"  # mandatory for every App
    # Pull request events need at least read; fix pull requests need write.
    assert DEFAULT_PERMISSIONS["pull_requests"] in {"read", "write"}
