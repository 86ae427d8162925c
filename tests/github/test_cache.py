"""RepoAccessCache: what it remembers, for how long, and when it forgets."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from bastion.github.cache import RepoAccessCache
from bastion.github.errors import (
    GitHubAuthFailed,
    GitHubError,
    GitHubUnavailable,
    InvalidInstallation,
    RepoNotFound,
)

SHA = "a" * 40
NEW_SHA = "b" * 40


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeGitHub:
    """Answers from a table; records every call that reached it."""

    installed: set[tuple[int, str, str]] = field(
        default_factory=lambda: {(1, "acme", "app"), (1, "acme", "lib")}
    )
    refs: dict[str, str] = field(default_factory=lambda: {"main": SHA, SHA: SHA})
    fail_with: GitHubError | None = None
    calls: list[tuple[str, int, str, str]] = field(default_factory=list)

    def check_installation(self, installation_id: int, owner: str, repo: str) -> None:
        self.calls.append(("check", installation_id, owner, repo))
        if self.fail_with is not None:
            raise self.fail_with
        if (installation_id, owner.lower(), repo.lower()) not in self.installed:
            raise InvalidInstallation()

    def resolve_ref(self, installation_id: int, owner: str, repo: str, ref: str) -> str:
        self.calls.append(("ref", installation_id, owner, ref))
        if self.fail_with is not None:
            raise self.fail_with
        if ref not in self.refs:
            raise RepoNotFound()
        return self.refs[ref]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def github() -> FakeGitHub:
    return FakeGitHub()


@dataclass
class Deferred:
    """Background refreshes wait here until a test runs them."""

    tasks: list[Callable[[], None]] = field(default_factory=list)

    def __call__(self, task: Callable[[], None]) -> None:
        self.tasks.append(task)

    def run_all(self) -> None:
        tasks, self.tasks = self.tasks, []
        for task in tasks:
            task()


@pytest.fixture
def background() -> Deferred:
    return Deferred()


@pytest.fixture
def cache(github: FakeGitHub, clock: Clock, background: Deferred) -> RepoAccessCache:
    return RepoAccessCache(
        github, installation_ttl=300, ref_ttl=5, max_entries=8, clock=clock, runner=background
    )


def _kinds(github: FakeGitHub) -> list[str]:
    return [call[0] for call in github.calls]


def test_repeated_requests_ask_github_once(cache: RepoAccessCache, github: FakeGitHub) -> None:
    for _ in range(3):
        cache.check_installation(1, "acme", "app")
        assert cache.resolve_ref(1, "acme", "app", "main") == SHA
    assert _kinds(github) == ["check", "ref"]


def test_owner_and_repo_are_case_insensitive_refs_are_not(
    cache: RepoAccessCache, github: FakeGitHub
) -> None:
    cache.check_installation(1, "acme", "app")
    cache.check_installation(1, "ACME", "App")
    cache.resolve_ref(1, "acme", "app", "main")
    cache.resolve_ref(1, "Acme", "APP", "main")
    assert _kinds(github) == ["check", "ref"]
    with pytest.raises(RepoNotFound):
        cache.resolve_ref(1, "acme", "app", "Main")


def test_a_ref_expires_after_its_ttl(
    cache: RepoAccessCache, github: FakeGitHub, clock: Clock
) -> None:
    assert cache.resolve_ref(1, "acme", "app", "main") == SHA
    github.refs["main"] = NEW_SHA  # a push
    clock.now += 3.9  # (a use after 4 s would refresh it ahead: see below)
    assert cache.resolve_ref(1, "acme", "app", "main") == SHA
    clock.now += 1.1
    assert cache.resolve_ref(1, "acme", "app", "main") == NEW_SHA


def test_the_installation_check_and_full_shas_last_longer(
    cache: RepoAccessCache, github: FakeGitHub, clock: Clock
) -> None:
    cache.check_installation(1, "acme", "app")
    cache.resolve_ref(1, "acme", "app", SHA)
    clock.now += 239
    cache.check_installation(1, "acme", "app")
    cache.resolve_ref(1, "acme", "app", SHA)
    assert _kinds(github) == ["check", "ref"]
    clock.now += 61
    cache.check_installation(1, "acme", "app")
    cache.resolve_ref(1, "acme", "app", SHA)
    assert _kinds(github) == ["check", "ref", "check", "ref"]


def test_refusals_are_not_remembered(cache: RepoAccessCache, github: FakeGitHub) -> None:
    for _ in range(2):
        with pytest.raises(InvalidInstallation):
            cache.check_installation(2, "acme", "app")
        with pytest.raises(RepoNotFound):
            cache.resolve_ref(1, "acme", "app", "nope")
    assert _kinds(github) == ["check", "ref", "check", "ref"]


def test_no_answer_crosses_installations(cache: RepoAccessCache, github: FakeGitHub) -> None:
    cache.check_installation(1, "acme", "app")
    cache.resolve_ref(1, "acme", "app", "main")
    # Installation 2 is not on acme/app: it must hear so from GitHub, not from the cache.
    with pytest.raises(InvalidInstallation):
        cache.check_installation(2, "acme", "app")
    cache.resolve_ref(2, "acme", "app", "main")
    assert github.calls == [
        ("check", 1, "acme", "app"),
        ("ref", 1, "acme", "main"),
        ("check", 2, "acme", "app"),
        ("ref", 2, "acme", "main"),
    ]


def test_repo_not_found_forgets_that_repository(
    cache: RepoAccessCache, github: FakeGitHub, clock: Clock
) -> None:
    for repo in ("app", "lib"):
        cache.check_installation(1, "acme", repo)
        cache.resolve_ref(1, "acme", repo, "main")
    clock.now += 10  # the ref entries expired, the installation checks did not
    github.refs.pop("main")
    with pytest.raises(RepoNotFound):
        cache.resolve_ref(1, "acme", "app", "main")
    github.calls.clear()
    cache.check_installation(1, "acme", "app")
    cache.check_installation(1, "acme", "lib")
    assert github.calls == [("check", 1, "acme", "app")]


@pytest.mark.parametrize("error", [InvalidInstallation(), GitHubAuthFailed()])
def test_a_refused_installation_forgets_the_installation(
    cache: RepoAccessCache, github: FakeGitHub, clock: Clock, error: GitHubError
) -> None:
    for repo in ("app", "lib"):
        cache.check_installation(1, "acme", repo)
        cache.resolve_ref(1, "acme", repo, SHA)
    github.installed.add((2, "acme", "app"))
    cache.check_installation(2, "acme", "app")
    clock.now += 10
    github.fail_with = error
    with pytest.raises(type(error)):
        cache.resolve_ref(1, "acme", "app", "main")
    github.fail_with = None
    github.calls.clear()
    cache.check_installation(1, "acme", "lib")
    cache.resolve_ref(1, "acme", "lib", SHA)
    cache.check_installation(2, "acme", "app")
    assert github.calls == [("check", 1, "acme", "lib"), ("ref", 1, "acme", SHA)]


def test_an_outage_forgets_nothing(
    cache: RepoAccessCache, github: FakeGitHub, clock: Clock
) -> None:
    cache.check_installation(1, "acme", "app")
    clock.now += 10
    github.fail_with = GitHubUnavailable()
    with pytest.raises(GitHubUnavailable):
        cache.resolve_ref(1, "acme", "app", "main")
    cache.check_installation(1, "acme", "app")
    assert _kinds(github) == ["check", "ref"]


def test_the_cache_is_bounded_least_recently_used_first(
    cache: RepoAccessCache, github: FakeGitHub
) -> None:
    github.refs.update({f"v{index}": SHA for index in range(10)})
    cache.check_installation(1, "acme", "app")
    cache.resolve_ref(1, "acme", "app", "v0")
    for index in range(1, 9):
        cache.resolve_ref(1, "acme", "app", f"v{index}")
    # Many refs evict old refs, never the installation check (kept apart).
    assert cache.entries() == 9
    github.calls.clear()
    cache.check_installation(1, "acme", "app")
    cache.resolve_ref(1, "acme", "app", "v8")
    cache.resolve_ref(1, "acme", "app", "v0")
    assert github.calls == [("ref", 1, "acme", "v0")]


def test_zero_ttl_disables_the_cache(github: FakeGitHub) -> None:
    cache = RepoAccessCache(github, installation_ttl=0, ref_ttl=0)
    for _ in range(2):
        cache.check_installation(1, "acme", "app")
        cache.resolve_ref(1, "acme", "app", "main")
    assert _kinds(github) == ["check", "ref", "check", "ref"]


def test_a_use_near_expiry_refreshes_in_the_background(
    cache: RepoAccessCache, github: FakeGitHub, clock: Clock, background: Deferred
) -> None:
    assert cache.resolve_ref(1, "acme", "app", "main") == SHA
    github.refs["main"] = NEW_SHA
    clock.now += 3.9  # not yet in the last fifth of 5 s
    assert cache.resolve_ref(1, "acme", "app", "main") == SHA
    assert background.tasks == []
    clock.now += 0.2
    # Due: this caller and the next get the current answer at once; one refresh is queued.
    assert cache.resolve_ref(1, "acme", "app", "main") == SHA
    assert cache.resolve_ref(1, "acme", "app", "main") == SHA
    assert len(background.tasks) == 1
    background.run_all()
    assert cache.resolve_ref(1, "acme", "app", "main") == NEW_SHA
    # The refreshed entry lives a whole TTL from the refresh.
    clock.now += 4.9
    assert cache.resolve_ref(1, "acme", "app", "main") == NEW_SHA
    assert _kinds(github) == ["ref", "ref"]


def test_a_refused_background_refresh_forgets_the_repository(
    cache: RepoAccessCache, github: FakeGitHub, clock: Clock, background: Deferred
) -> None:
    cache.check_installation(1, "acme", "app")
    cache.resolve_ref(1, "acme", "app", "main")
    clock.now += 4.5
    cache.resolve_ref(1, "acme", "app", "main")
    github.refs.clear()
    background.run_all()  # the refresh is refused: nothing raises here
    with pytest.raises(RepoNotFound):
        cache.resolve_ref(1, "acme", "app", "main")


def test_an_outage_during_a_background_refresh_keeps_the_answer_until_expiry(
    cache: RepoAccessCache, github: FakeGitHub, clock: Clock, background: Deferred
) -> None:
    cache.resolve_ref(1, "acme", "app", "main")
    clock.now += 4.5
    cache.resolve_ref(1, "acme", "app", "main")
    github.fail_with = GitHubUnavailable()
    background.run_all()
    assert cache.resolve_ref(1, "acme", "app", "main") == SHA
    background.run_all()  # the use above tried again, in vain
    clock.now += 0.5
    with pytest.raises(GitHubUnavailable):
        cache.resolve_ref(1, "acme", "app", "main")


class SlowGitHub(FakeGitHub):
    """Holds every call until released, so callers pile up behind the first."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def resolve_ref(self, installation_id: int, owner: str, repo: str, ref: str) -> str:
        self.release.wait(5)
        return super().resolve_ref(installation_id, owner, repo, ref)


@pytest.mark.parametrize("ref", ["main", "missing"])
def test_concurrent_misses_share_one_github_call(ref: str) -> None:
    github = SlowGitHub()
    cache = RepoAccessCache(github, ref_ttl=5)
    answers: list[str | BaseException] = []

    def ask() -> None:
        try:
            answers.append(cache.resolve_ref(1, "acme", "app", ref))
        except RepoNotFound as exc:
            answers.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    while len(github.calls) < 1:
        threading.Event().wait(0.01)
    threading.Event().wait(0.1)  # let the other seven find the call in flight
    github.release.set()
    for thread in threads:
        thread.join(5)
    assert len(github.calls) == 1
    assert len(answers) == 8
    if ref == "main":
        assert answers == [SHA] * 8
    else:
        assert all(isinstance(answer, RepoNotFound) for answer in answers)
    cache.close()


def test_the_default_runner_refreshes_on_a_thread_of_its_own(clock: Clock) -> None:
    github = FakeGitHub()
    cache = RepoAccessCache(github, ref_ttl=5, clock=clock)
    cache.resolve_ref(1, "acme", "app", "main")
    github.refs["main"] = NEW_SHA
    clock.now += 4.5
    assert cache.resolve_ref(1, "acme", "app", "main") == SHA
    cache.close()  # waits for the refresh
    assert cache.resolve_ref(1, "acme", "app", "main") == NEW_SHA
    assert _kinds(github) == ["ref", "ref"]
