"""Deciding what a delivery asks for, from GitHub's own example payloads and generated ones."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.scans.schemas import ScanTarget
from bastion.webhooks.errors import InvalidWebhook
from bastion.webhooks.events import (
    ForgetInstallation,
    ForgetRepositories,
    Ignore,
    Reaction,
    ScanCommit,
    react,
)
from tests.webhooks.support import github_shape_problems, load_payload, payload_names

# The App the example check suites belong to.
APP_ID = 29310
HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
PR_HEAD = ScanTarget(1, "codertocat", "hello-world", "changes", HEAD, 2)

EXPECTED: dict[str, Reaction | type[Ignore]] = {
    "check_run.requested_action": Ignore,
    "check_run.rerequested": Ignore,  # "randscape", another App's check run
    "check_suite.requested": ScanCommit(
        ScanTarget(
            957387,
            "codertocat",
            "hello-world",
            "master",
            "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
            None,
        ),
        rerequested=False,
    ),
    "check_suite.rerequested": ScanCommit(
        ScanTarget(957387, "codertocat", "hello-world", "changes", HEAD, 2), rerequested=True
    ),
    "installation.created": Ignore,
    "installation.deleted": ForgetInstallation(2),
    "installation_repositories.added": Ignore,
    "ping": Ignore,
    "pull_request.closed": Ignore,
    "pull_request.opened": ScanCommit(PR_HEAD, rerequested=False),
    "pull_request.reopened": ScanCommit(PR_HEAD, rerequested=False),
    "pull_request.synchronize": ScanCommit(PR_HEAD, rerequested=False),
    "push": Ignore,  # deletes the tag simple-tag
}


def event_of(name: str) -> str:
    return name.partition(".")[0]


def test_every_example_payload_has_an_expectation() -> None:
    assert set(payload_names()) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_payloads(name: str) -> None:
    reaction = react(event_of(name), load_payload(name), app_id=APP_ID)
    expected = EXPECTED[name]
    if expected is Ignore:
        assert isinstance(reaction, Ignore)
    else:
        assert reaction == expected


def test_bastions_own_check_run_rerequested_scans_again() -> None:
    payload = load_payload("check_run.rerequested")
    payload["check_run"]["name"] = "bastion"
    payload["check_run"]["app"]["id"] = APP_ID
    assert github_shape_problems("check_run", payload) == []
    reaction = react("check_run", payload, app_id=APP_ID)
    assert reaction == ScanCommit(
        ScanTarget(
            1, "github", "hello-world", "master", "d6fde92930d4715a2b49857d24b940956b26d2d3"
        ),
        rerequested=True,
    )
    # The same name on another App's check run is not ours.
    assert isinstance(react("check_run", payload, app_id=APP_ID + 1), Ignore)


def test_another_apps_check_suite_is_ignored() -> None:
    reaction = react("check_suite", load_payload("check_suite.requested"), app_id=APP_ID + 1)
    assert isinstance(reaction, Ignore)


def push_to(ref: str, after: str = "a" * 40, *, deleted: bool = False) -> dict[str, Any]:
    payload = load_payload("push")
    payload.update(ref=ref, after=after, deleted=deleted, created=False)
    return payload


def test_a_push_to_the_default_branch_scans_the_pushed_commit() -> None:
    reaction = react("push", push_to("refs/heads/master"), app_id=APP_ID)
    assert reaction == ScanCommit(
        ScanTarget(1, "codertocat", "hello-world", "master", "a" * 40), rerequested=False
    )


@pytest.mark.parametrize(
    "payload",
    [
        push_to("refs/heads/feature"),
        push_to("refs/tags/v1.0.0"),
        push_to("refs/heads/master", "0" * 40, deleted=True),
        push_to("refs/heads/master", "0" * 40),
    ],
    ids=["other-branch", "tag", "deleted", "zero-sha"],
)
def test_other_pushes_are_ignored(payload: dict[str, Any]) -> None:
    assert isinstance(react("push", payload, app_id=APP_ID), Ignore)


def test_deliveries_without_an_installation_are_not_acted_on() -> None:
    payload = load_payload("pull_request.opened")
    del payload["installation"]
    assert isinstance(react("pull_request", payload, app_id=APP_ID), Ignore)


def test_removed_repositories_and_suspensions_forget_access() -> None:
    payload = load_payload("installation_repositories.added")
    payload["action"] = "removed"
    payload["repositories_removed"] = payload.pop("repositories_added")
    payload["repositories_added"] = []
    assert react("installation_repositories", payload, app_id=APP_ID) == ForgetRepositories(
        957387, (("Codertocat", "Space"),)
    )
    suspended = load_payload("installation.deleted")
    suspended["action"] = "suspend"
    assert react("installation", suspended, app_id=APP_ID) == ForgetInstallation(2)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("action",), None, "Invalid pull_request payload: Missing required field: action"),
        (
            ("pull_request", "head", "sha"),
            "not-a-sha",
            "Invalid pull_request payload: Invalid value for field pull_request.head.sha",
        ),
        (
            ("pull_request", "number"),
            "2",
            "Invalid pull_request payload: Invalid type for field pull_request.number: "
            "expected an integer",
        ),
        (
            ("pull_request", "head", "ref"),
            "feature\x00",
            "Invalid pull_request payload: Invalid value for field pull_request.head.ref",
        ),
        (
            ("repository", "name"),
            "..",
            "Invalid pull_request payload: Invalid value for field repository.name",
        ),
        (
            ("pull_request",),
            None,
            "Invalid pull_request payload: Missing required field: pull_request",
        ),
    ],
)
def test_a_malformed_delivery_of_a_handled_event_says_what_is_wrong(
    path: tuple[str, ...], value: Any, message: str
) -> None:
    payload = load_payload("pull_request.opened")
    parent = payload
    for key in path[:-1]:
        parent = parent[key]
    if value is None:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    with pytest.raises(InvalidWebhook) as caught:
        react("pull_request", payload, app_id=APP_ID)
    assert caught.value.message.startswith(message)


# -- properties --------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
events = st.sampled_from(
    [
        "pull_request",
        "check_suite",
        "check_run",
        "push",
        "installation",
        "installation_repositories",
        "ping",
        "issues",
    ]
)


@given(event=events, payload=st.dictionaries(st.text(max_size=12), json_values, max_size=6))
def test_any_json_object_gets_a_reaction_or_an_invalid_request(
    event: str, payload: dict[str, Any]
) -> None:
    with contextlib.suppress(InvalidWebhook):
        react(event, payload, app_id=APP_ID)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


@settings(max_examples=300)
@given(data=st.data(), name=st.sampled_from(sorted(EXPECTED)))
def test_example_payloads_with_any_value_replaced(data: st.DataObject, name: str) -> None:
    payload = load_payload(name)
    path = data.draw(st.sampled_from(_paths(payload)))
    mutated = copy.deepcopy(payload)
    parent = mutated
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = data.draw(json_values)
    try:
        reaction = react(event_of(name), mutated, app_id=APP_ID)
    except InvalidWebhook:
        return
    if isinstance(reaction, ScanCommit):
        # Whatever was changed, a scan names a well-formed commit.
        assert len(reaction.target.sha) in (40, 64)
        assert reaction.target.installation_id > 0


owners = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}", fullmatch=True)
repos = st.from_regex(r"[A-Za-z0-9_.-]{1,100}", fullmatch=True).filter(
    lambda r: r not in {".", ".."}
)
shas = st.from_regex(r"[0-9a-fA-F]{40}", fullmatch=True)
refs = st.text(
    st.characters(min_codepoint=0x20, exclude_characters="\x7f"), min_size=1, max_size=255
)


@st.composite
def pull_requests(draw: st.DrawFn) -> tuple[dict[str, Any], ScanTarget]:
    """A pull_request delivery with generated names, refs and numbers, and its commit."""
    installation, number = draw(st.integers(1, 2**53)), draw(st.integers(1, 2**31))
    owner, repo, sha, ref = draw(owners), draw(repos), draw(shas), draw(refs)
    payload = load_payload("pull_request.opened")
    payload["action"] = draw(st.sampled_from(["opened", "synchronize", "reopened"]))
    payload["installation"] = {"id": installation}
    payload["repository"]["name"] = repo
    payload["repository"]["owner"]["login"] = owner
    payload["pull_request"]["number"] = number
    payload["pull_request"]["head"].update(sha=sha, ref=ref)
    target = ScanTarget(installation, owner.lower(), repo.lower(), ref, sha.lower(), number)
    return payload, target


@given(case=pull_requests())
def test_generated_pull_requests_scan_their_head(case: tuple[dict[str, Any], ScanTarget]) -> None:
    payload, target = case
    assert react("pull_request", payload, app_id=APP_ID) == ScanCommit(target, rerequested=False)
