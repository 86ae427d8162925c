"""Safe extraction: crafted hostile archives, then random ones checked against invariants."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.github.archive import (
    DEFAULT_LIMITS,
    ArchiveError,
    ArchiveLimitExceeded,
    ArchiveLimits,
    ExtractionReport,
    extract_tarball,
)

TOP = "acme-web-0123abc"


@dataclass
class Member:
    name: str
    kind: str = "file"  # file, dir, symlink, hardlink, fifo, chr, blk
    data: bytes = b""
    link: str = ""
    mode: int = 0o644


def make_tar(path: Path, members: list[Member], *, compress: bool = True) -> Path:
    types = {
        "dir": tarfile.DIRTYPE,
        "symlink": tarfile.SYMTYPE,
        "hardlink": tarfile.LNKTYPE,
        "fifo": tarfile.FIFOTYPE,
        "chr": tarfile.CHRTYPE,
        "blk": tarfile.BLKTYPE,
    }
    with tarfile.open(path, "w:gz" if compress else "w", format=tarfile.PAX_FORMAT) as tar:
        for member in members:
            info = tarfile.TarInfo(member.name)
            info.mode = member.mode
            if member.kind == "file":
                info.size = len(member.data)
                tar.addfile(info, io.BytesIO(member.data))
                continue
            info.type = types[member.kind]
            info.linkname = member.link
            tar.addfile(info)
    return path


def github_shaped(*members: Member) -> list[Member]:
    return [Member(TOP, "dir", mode=0o775), *members]


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """``tmp_path/dest`` is the target; ``tmp_path/outside/secret`` must never change."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret").write_text("secret")
    return tmp_path


def extract(sandbox: Path, members: list[Member], **limits: int) -> ExtractionReport:
    archive = make_tar(sandbox / "archive.tar.gz", members)
    return extract_tarball(archive, sandbox / "dest", ArchiveLimits(**limits))


def reasons(report: ExtractionReport) -> dict[str, str]:
    return {s.name: s.reason for s in report.skipped}


def assert_contained(sandbox: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> None:
    """Nothing escaped ``dest``, and what is inside is only files, dirs and inside links."""
    assert sorted(p.name for p in sandbox.iterdir()) == ["archive.tar.gz", "dest", "outside"]
    assert [p.name for p in (sandbox / "outside").iterdir()] == ["secret"]
    assert (sandbox / "outside" / "secret").read_text() == "secret"
    dest = sandbox / "dest"
    real_dest = os.path.realpath(dest)
    inodes: dict[int, int] = {}
    for root, dirs, files in os.walk(dest):
        for name in dirs + files:
            path = Path(root, name)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                resolved = os.path.realpath(path)
                assert resolved == real_dest or resolved.startswith(real_dest + os.sep), path
            elif stat.S_ISREG(info.st_mode):
                assert info.st_size <= limits.max_file_bytes
                assert not info.st_mode & (stat.S_ISUID | stat.S_ISGID | 0o022)
                inodes[info.st_ino] = info.st_size
            else:
                assert stat.S_ISDIR(info.st_mode), f"{path}: unexpected file type"
    assert sum(inodes.values()) <= limits.max_total_bytes


def test_github_top_level_folder_is_stripped(sandbox: Path) -> None:
    report = extract(
        sandbox,
        github_shaped(
            Member(f"{TOP}/package.json", data=b"{}"),
            Member(f"{TOP}/src", "dir"),
            Member(f"{TOP}/src/run.sh", data=b"#!/bin/sh\n", mode=0o755),
            Member(f"{TOP}/docs/readme.md", data=b"# hi"),  # parent not listed first
        ),
    )
    dest = sandbox / "dest"
    assert report.top_level == TOP
    assert (dest / "package.json").read_bytes() == b"{}"
    assert (dest / "docs" / "readme.md").read_text() == "# hi"
    assert os.access(dest / "src" / "run.sh", os.X_OK)
    assert not os.access(dest / "package.json", os.X_OK)
    assert (report.files, report.directories, report.total_bytes) == (3, 1, 16)
    assert report.skipped == []
    assert_contained(sandbox)


def test_archive_without_a_single_top_folder_is_kept_as_is(sandbox: Path) -> None:
    report = extract(sandbox, [Member("a.txt", data=b"a"), Member("b/c.txt", data=b"c")])
    assert report.top_level is None
    assert (sandbox / "dest" / "a.txt").exists()
    assert (sandbox / "dest" / "b" / "c.txt").exists()


def test_plain_tar_is_accepted(sandbox: Path) -> None:
    archive = make_tar(sandbox / "archive.tar.gz", github_shaped(Member(f"{TOP}/x", data=b"1")))
    plain = sandbox / "plain.tar"
    plain.write_bytes(gzip.decompress(archive.read_bytes()))
    report = extract_tarball(plain, sandbox / "dest")
    assert (sandbox / "dest" / "x").read_text() == "1"
    assert report.files == 1


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (f"{TOP}/../../outside/secret", "path traversal (..)"),
        (f"{TOP}/a/../../../outside/secret", "path traversal (..)"),
        ("/tmp/bastion-absolute-test", "absolute path"),
        ("other-top/file", "outside the archive's top-level folder"),
    ],
)
def test_hostile_names_are_skipped(sandbox: Path, name: str, reason: str) -> None:
    report = extract(sandbox, github_shaped(Member(name, data=b"pwned"), Member(f"{TOP}/ok")))
    assert reasons(report) == {name: reason}
    assert (sandbox / "dest" / "ok").exists()
    assert not Path("/tmp/bastion-absolute-test").exists()
    assert_contained(sandbox)


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("../outside/secret", "symlink points outside the target"),
        ("../../outside/secret", "symlink points outside the target"),
        ("sub/../../outside", "symlink points outside the target"),
        ("/etc/passwd", "symlink to an absolute path"),
    ],
)
def test_symlinks_leaving_the_target_are_skipped(sandbox: Path, target: str, reason: str) -> None:
    name = f"{TOP}/link"
    report = extract(sandbox, github_shaped(Member(name, "symlink", link=target)))
    assert reasons(report) == {name: reason}
    assert not (sandbox / "dest" / "link").is_symlink()
    assert_contained(sandbox)


def test_symlinks_inside_the_target_are_kept(sandbox: Path) -> None:
    report = extract(
        sandbox,
        github_shaped(
            Member(f"{TOP}/LICENSE", data=b"MIT"),
            Member(f"{TOP}/pkg/LICENSE", "symlink", link="../LICENSE"),
            Member(f"{TOP}/pkg/dangling", "symlink", link="../nowhere"),
        ),
    )
    assert report.skipped == []
    assert (sandbox / "dest" / "pkg" / "LICENSE").read_text() == "MIT"
    assert report.symlinks == 2
    assert_contained(sandbox)


def test_nothing_is_written_through_a_symlink(sandbox: Path) -> None:
    # "here" is harmless on its own; writing "here/x" through it must still be refused,
    # and so must replacing a file by way of a link that points elsewhere.
    report = extract(
        sandbox,
        github_shaped(
            Member(f"{TOP}/here", "symlink", link="."),
            Member(f"{TOP}/here/x", data=b"through the link"),
            Member(f"{TOP}/b", "symlink", link="target"),
            Member(f"{TOP}/b", data=b"replaces the link"),
        ),
    )
    dest = sandbox / "dest"
    assert reasons(report) == {f"{TOP}/here/x": "path goes through a symlink"}
    assert not (dest / "x").exists()
    assert not (dest / "b").is_symlink()
    assert (dest / "b").read_text() == "replaces the link"
    assert not (dest / "target").exists()
    assert_contained(sandbox)


def test_symlink_chains_that_escape_are_removed(sandbox: Path) -> None:
    # Each link looks inside on its own; together "s" resolves to ../x. The second
    # archive lists the links the other way round, where only the final pass sees it.
    report = extract(
        sandbox,
        github_shaped(
            Member(f"{TOP}/s", "symlink", link="deep/../outside/secret"),
            Member(f"{TOP}/deep", "symlink", link="."),
        ),
    )
    assert reasons(report) == {
        f"{TOP}/s": "symlink resolves outside the target through other links"
    }
    assert not (sandbox / "dest" / "s").is_symlink()
    assert report.symlinks == 1
    assert_contained(sandbox)


def test_symlink_chain_in_creation_order_is_refused(sandbox: Path) -> None:
    report = extract(
        sandbox,
        github_shaped(
            Member(f"{TOP}/deep", "symlink", link="."),
            Member(f"{TOP}/s", "symlink", link="deep/../outside/secret"),
        ),
    )
    assert f"{TOP}/s" in reasons(report)
    assert_contained(sandbox)


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        (f"{TOP}/../outside/secret", "hardlink target: path traversal (..)"),
        ("/etc/passwd", "hardlink target: absolute path"),
        (f"{TOP}/missing", "hardlink to a file not extracted from this archive"),
        (f"{TOP}/link", "hardlink to a file not extracted from this archive"),
        ("elsewhere/file", "hardlink to a file outside the archive's top-level folder"),
    ],
)
def test_hardlinks_to_anything_but_extracted_files_are_skipped(
    sandbox: Path, target: str, reason: str
) -> None:
    name = f"{TOP}/h"
    report = extract(
        sandbox,
        github_shaped(
            Member(f"{TOP}/link", "symlink", link="file"),
            Member(f"{TOP}/file", data=b"data"),
            Member(name, "hardlink", link=target),
        ),
    )
    assert reasons(report) == {name: reason}
    assert not (sandbox / "dest" / "h").exists()
    assert_contained(sandbox)


def test_hardlink_to_itself_is_skipped(sandbox: Path) -> None:
    report = extract(
        sandbox,
        github_shaped(
            Member(f"{TOP}/file", data=b"data"),
            Member(f"{TOP}/file", "hardlink", link=f"{TOP}/file"),
        ),
    )
    assert reasons(report) == {f"{TOP}/file": "hardlink to itself"}
    assert (sandbox / "dest" / "file").read_bytes() == b"data"


def test_hardlink_to_an_extracted_file_is_linked(sandbox: Path) -> None:
    report = extract(
        sandbox,
        github_shaped(
            Member(f"{TOP}/file", data=b"data"),
            Member(f"{TOP}/copy", "hardlink", link=f"{TOP}/file"),
        ),
    )
    dest = sandbox / "dest"
    assert report.hardlinks == 1
    assert os.stat(dest / "copy").st_ino == os.stat(dest / "file").st_ino
    assert report.total_bytes == 8  # counted twice: readers read it twice
    assert_contained(sandbox)


@pytest.mark.parametrize(("kind", "reason"), [("chr", "device file"), ("blk", "device file")])
def test_device_files_are_skipped(sandbox: Path, kind: str, reason: str) -> None:
    report = extract(sandbox, github_shaped(Member(f"{TOP}/dev", kind)))
    assert reasons(report) == {f"{TOP}/dev": reason}
    assert_contained(sandbox)


def test_fifos_are_skipped(sandbox: Path) -> None:
    report = extract(sandbox, github_shaped(Member(f"{TOP}/pipe", "fifo")))
    assert reasons(report) == {f"{TOP}/pipe": "FIFO"}
    assert_contained(sandbox)


def test_setuid_and_world_writable_bits_are_dropped(sandbox: Path) -> None:
    extract(sandbox, github_shaped(Member(f"{TOP}/tool", data=b"x", mode=0o6777)))
    mode = os.lstat(sandbox / "dest" / "tool").st_mode
    assert mode & stat.S_IXUSR
    assert not mode & (stat.S_ISUID | stat.S_ISGID | stat.S_IWGRP | stat.S_IWOTH)


def test_an_oversized_file_is_skipped_and_reported(sandbox: Path) -> None:
    report = extract(
        sandbox,
        github_shaped(
            Member(f"{TOP}/huge.bin", data=b"x" * 2000), Member(f"{TOP}/small", data=b"ok")
        ),
        max_file_bytes=1000,
    )
    assert reasons(report) == {f"{TOP}/huge.bin": "file larger than 1000 bytes"}
    assert (sandbox / "dest" / "small").read_text() == "ok"


def test_total_size_cap_aborts(sandbox: Path) -> None:
    members = github_shaped(*(Member(f"{TOP}/f{i}", data=b"x" * 400) for i in range(5)))
    with pytest.raises(ArchiveLimitExceeded, match="exceeds 1000 bytes"):
        extract(sandbox, members, max_total_bytes=1000)


def test_member_count_cap_aborts(sandbox: Path) -> None:
    members = github_shaped(*(Member(f"{TOP}/f{i}") for i in range(20)))
    with pytest.raises(ArchiveLimitExceeded, match="more than 10 members"):
        extract(sandbox, members, max_members=10)


def test_hardlinks_count_towards_the_total(sandbox: Path) -> None:
    members = github_shaped(
        Member(f"{TOP}/big", data=b"x" * 600),
        *(Member(f"{TOP}/l{i}", "hardlink", link=f"{TOP}/big") for i in range(3)),
    )
    with pytest.raises(ArchiveLimitExceeded):
        extract(sandbox, members, max_total_bytes=1000)


def test_gzip_bomb_is_stopped_by_the_stream_cap(sandbox: Path) -> None:
    # 32 MiB of zeros compress to ~32 KiB. The file itself is skipped as oversized, but
    # decompressing past it costs the same: the stream cap stops it.
    archive = sandbox / "archive.tar.gz"
    size = 32 * 1024 * 1024
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("bomb")
        info.size = size
        tar.addfile(info, _Zeros(size))
    assert archive.stat().st_size < 100_000
    limits = ArchiveLimits(max_total_bytes=1_000_000, max_members=10, max_file_bytes=1000)
    with pytest.raises(ArchiveLimitExceeded, match="expands to more than"):
        extract_tarball(archive, sandbox / "dest", limits)


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return b"\0" * n


@pytest.mark.parametrize(
    "content",
    [b"not an archive at all", b"\x1f\x8b\x08\x00garbage", b""],
    ids=["text", "broken-gzip", "empty"],
)
def test_unreadable_archives_raise_archive_error(sandbox: Path, content: bytes) -> None:
    archive = sandbox / "archive.tar.gz"
    archive.write_bytes(content)
    with pytest.raises(ArchiveError) as raised:
        extract_tarball(archive, sandbox / "dest")
    assert not isinstance(raised.value, ArchiveLimitExceeded)


def test_truncated_archive_raises_archive_error(sandbox: Path) -> None:
    archive = make_tar(
        sandbox / "archive.tar.gz",
        github_shaped(Member(f"{TOP}/f", data=os.urandom(50_000))),
    )
    archive.write_bytes(archive.read_bytes()[:20_000])
    with pytest.raises(ArchiveError):
        extract_tarball(archive, sandbox / "dest")


# -- random archives -------------------------------------------------------------------

# Mostly ordinary names, so that links find their targets; sometimes hostile ones.
_segments = st.sampled_from(["a", "a", "b", "b", "c", "c", "..", ".", "outside", "secret"])
_paths = st.lists(_segments, min_size=1, max_size=4).map("/".join)
_names = st.one_of(
    _paths.map(lambda p: f"{TOP}/{p}"),
    _paths.map(lambda p: f"{TOP}/{p}"),
    _paths,
    _paths.map(lambda p: "/" + p),
)


@st.composite
def _archives(draw: st.DrawFn) -> list[Member]:
    members: list[Member] = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["file", "file", "dir", "symlink", "hardlink", "fifo", "chr"]))
        link = draw(st.one_of(_paths, _paths.map(lambda p: "/" + p)))
        if kind == "hardlink" and members and draw(st.booleans()):
            # Aim at an earlier member, as a real hardlink would.
            files = [m.name for m in members if m.kind == "file"]
            link = draw(st.sampled_from(files or [m.name for m in members]))
        members.append(
            Member(
                draw(_names),
                kind,
                data=draw(st.binary(max_size=300)),
                link=link,
                mode=draw(st.sampled_from([0o644, 0o755, 0o4777, 0o000])),
            )
        )
    return members


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(members=_archives(), github=st.booleans())
def test_random_archives_never_escape(members: list[Member], github: bool) -> None:
    limits = ArchiveLimits(max_total_bytes=1500, max_members=10, max_file_bytes=200)
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = Path(tmp)
        (sandbox / "outside").mkdir()
        (sandbox / "outside" / "secret").write_text("secret")
        archive = make_tar(
            sandbox / "archive.tar.gz", github_shaped(*members) if github else members
        )
        try:
            report = extract_tarball(archive, sandbox / "dest", limits)
        except ArchiveLimitExceeded:
            pass
        else:
            assert report.files + report.symlinks + report.hardlinks <= len(members)
            assert all(s.reason for s in report.skipped)
        assert_contained(sandbox, limits)
