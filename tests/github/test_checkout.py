"""Tarball download through GitHub's redirect, and safe extraction of real repositories."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from bastion.github.client import GitHubClient
from bastion.github.errors import GitHubUnavailable, RepoNotFound, RepoTooLarge
from bastion.sca.walker import collect
from tests.github.conftest import ACME, FIXTURE_APPS, GLOBEX, FakeClock, MakeClient
from tests.support.github_standin import GitHubStandin
from tests.support.paths import shared_dir

LOCKFILES = {
    "go-app": "go.mod",
    "npm-app": "package-lock.json",
    "python-app": "requirements.txt",
    "rust-app": "Cargo.lock",
}


@pytest.mark.parametrize("app", FIXTURE_APPS)
def test_checkout_of_each_fixture_app(
    client: GitHubClient, github: GitHubStandin, tmp_path: Path, app: str
) -> None:
    checkout = client.checkout(ACME, "acme", app, "main", tmp_path / "tree")
    source = shared_dir() / "fixtures" / app
    lockfile = checkout.path / LOCKFILES[app]
    assert lockfile.read_bytes() == (source / LOCKFILES[app]).read_bytes()
    assert checkout.sha == github.repos[("acme", app)].refs["heads/main"]
    assert checkout.report.top_level == f"acme-{app}-{checkout.sha[:7]}"
    assert checkout.report.skipped == []
    expected = sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file())
    extracted = sorted(
        p.relative_to(checkout.path) for p in checkout.path.rglob("*") if p.is_file()
    )
    assert extracted == expected

    dependencies, _ = collect(checkout.path)
    from_checkout = {(d.name, d.version, d.source) for d in dependencies}
    from_source = {(d.name, d.version, d.source) for d in collect(source)[0]}
    assert from_checkout
    assert from_checkout == from_source
    assert LOCKFILES[app] in {d.source for d in dependencies}


def test_tarball_follows_the_redirect_without_credentials(
    client: GitHubClient, github: GitHubStandin, tmp_path: Path
) -> None:
    sha = client.resolve_ref(ACME, "acme", "npm-app", "main")
    archive = client.download_tarball(ACME, "acme", "npm-app", sha, tmp_path)
    assert archive.parent == tmp_path
    with tarfile.open(archive) as tar:
        assert f"acme-npm-app-{sha[:7]}/package-lock.json" in tar.getnames()
    (api_call,) = github.calls_to(r"/tarball/")
    (download,) = github.calls_to(r"^/_codeload/")
    assert api_call.status == 302
    assert api_call.headers["authorization"].startswith("token ")
    assert download.status == 200
    assert "authorization" not in download.headers


def test_checkout_at_an_explicit_sha(
    client: GitHubClient, github: GitHubStandin, tmp_path: Path
) -> None:
    repo = github.repos[("acme", "npm-app")]
    old = repo.refs["heads/main"]
    repo.commit(shared_dir() / "fixtures" / "rust-app", branch="main")
    checkout = client.checkout(ACME, "acme", "npm-app", "main", tmp_path / "t", sha=old[:12])
    assert checkout.sha == old
    assert (checkout.path / "package-lock.json").exists()


def test_checkout_maps_errors(client: GitHubClient, tmp_path: Path) -> None:
    with pytest.raises(RepoNotFound, match="not found in acme/npm-app"):
        client.checkout(ACME, "acme", "npm-app", "no-such-branch", tmp_path / "a")
    with pytest.raises(RepoNotFound):
        client.checkout(ACME, "acme", "missing", "main", tmp_path / "b")


def test_tarball_of_missing_ref_is_repo_not_found(client: GitHubClient, tmp_path: Path) -> None:
    with pytest.raises(RepoNotFound, match="no tarball"):
        client.download_tarball(ACME, "acme", "npm-app", "nope", tmp_path)
    with pytest.raises(RepoNotFound):
        client.download_tarball(GLOBEX, "globex", "billing", "main", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_oversized_tarball_is_refused(
    make_client: MakeClient, github: GitHubStandin, tmp_path: Path
) -> None:
    client = make_client(max_tarball_bytes=10_000)
    with pytest.raises(RepoTooLarge, match="over 10000"):
        client.download_tarball(ACME, "acme", "npm-app", "main", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_truncated_download_is_retried(
    client: GitHubClient, github: GitHubStandin, clock: FakeClock, tmp_path: Path
) -> None:
    github.truncate(r"^/_codeload/")
    archive = client.download_tarball(ACME, "acme", "npm-app", "main", tmp_path)
    assert tarfile.is_tarfile(archive)
    assert [c.status for c in github.calls_to(r"/tarball/")] == [302, 302]
    assert clock.sleeps == [0.5]
    assert list(tmp_path.iterdir()) == [archive]


def test_download_5xx_is_retried(
    client: GitHubClient, github: GitHubStandin, clock: FakeClock, tmp_path: Path
) -> None:
    github.fail(r"^/_codeload/", 503, times=1)
    archive = client.download_tarball(ACME, "acme", "npm-app", "main", tmp_path)
    assert tarfile.is_tarfile(archive)
    assert [c.status for c in github.calls_to(r"^/_codeload/")] == [503, 200]
    assert clock.sleeps == [0.5]


def test_expired_download_link_is_fetched_again(
    client: GitHubClient, github: GitHubStandin, tmp_path: Path
) -> None:
    github.fail(r"^/_codeload/", 404, times=1)
    archive = client.download_tarball(ACME, "acme", "npm-app", "main", tmp_path)
    assert tarfile.is_tarfile(archive)
    assert [c.status for c in github.calls_to(r"/tarball/")] == [302, 302]


def test_hostile_repository_content_is_skipped(
    client: GitHubClient, github: GitHubStandin, tmp_path: Path
) -> None:
    repo = github.repos[("acme", "npm-app")]
    sha = repo.refs["heads/main"]
    top = f"acme-npm-app-{sha[:7]}"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, kind, link in [
            (top, tarfile.DIRTYPE, ""),
            (f"{top}/escape", tarfile.SYMTYPE, "../../../etc"),
            (f"{top}/../../evil", tarfile.REGTYPE, ""),
            (f"{top}/package.json", tarfile.REGTYPE, ""),
        ]:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = link
            tar.addfile(info, io.BytesIO(b""))
    repo.archive_override = buffer.getvalue()
    checkout = client.checkout(ACME, "acme", "npm-app", "main", tmp_path / "tree")
    assert {s.name for s in checkout.report.skipped} == {f"{top}/escape", f"{top}/../../evil"}
    assert [p.name for p in checkout.path.iterdir()] == ["package.json"]


def test_oversized_archive_content_is_repo_too_large(
    client: GitHubClient, github: GitHubStandin, tmp_path: Path
) -> None:
    from bastion.github.archive import ArchiveLimits  # noqa: PLC0415

    with pytest.raises(RepoTooLarge, match="exceeds 1000 bytes"):
        client.checkout(
            ACME,
            "acme",
            "npm-app",
            "main",
            tmp_path / "t",
            limits=ArchiveLimits(max_total_bytes=1000),
        )


def test_corrupt_archive_is_github_unavailable(
    client: GitHubClient, github: GitHubStandin, tmp_path: Path
) -> None:
    github.repos[("acme", "npm-app")].archive_override = b"\x1f\x8b\x08\x00not really gzip"
    with pytest.raises(GitHubUnavailable, match="unreadable archive"):
        client.checkout(ACME, "acme", "npm-app", "main", tmp_path / "t")
