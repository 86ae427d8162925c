"""Safe extraction of repository tarballs (GitHub's ``/tarball/{ref}`` archives).

The archive's content is chosen by whoever can push to the repository, so every member is
hostile until checked. Rules, applied to each member in archive order:

* Refused and recorded in :attr:`ExtractionReport.skipped`: absolute names, names with a
  ``..`` component, names outside GitHub's top-level folder, names that would be written
  through a symlink, device files and FIFOs, symlinks whose target leaves the destination,
  hardlinks to anything but a regular file extracted earlier from the same archive, and
  regular files larger than :attr:`ArchiveLimits.max_file_bytes`.
* Aborting with :class:`ArchiveLimitExceeded`: more than ``max_members`` members, more
  than ``max_total_bytes`` of file content (hardlinks count as copies, because whoever
  reads the tree reads them again), or a decompressed stream far beyond that (a gzip
  bomb hiding in headers or in skipped members).
* GitHub's single top-level folder (``owner-repo-sha/``) is stripped: when the first
  member is a one-component directory, every path is taken relative to it.

``tarfile.data_filter`` (Python 3.11.4+) gives a second opinion on every member and
supplies its permission normalisation. It is not relied on alone: the 3.11 versions
before 3.11.13 have known bypasses (CVE-2025-4517, CVE-2025-4330), so files are written
with ``O_NOFOLLOW | O_EXCL`` under directories checked with ``lstat`` to be real
directories, and after extraction every symlink is resolved by the OS itself and removed
if it leads outside the destination (chains of individually harmless links).
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import logging
import os
import posixpath
import stat
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

logger = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
# Room for tar headers, pax records and block padding on top of the file content.
_HEADER_ALLOWANCE_PER_MEMBER = 4096
_OUT_OF_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})

_DataFilter = Callable[[tarfile.TarInfo, str], tarfile.TarInfo | None]
_data_filter: _DataFilter | None = getattr(tarfile, "data_filter", None)


@dataclass(frozen=True)
class ArchiveLimits:
    max_total_bytes: int = 1024 * 1024 * 1024
    max_members: int = 100_000
    # Same cap as the SCA walker's: anything larger would not be read anyway.
    max_file_bytes: int = 64 * 1024 * 1024

    @property
    def max_stream_bytes(self) -> int:
        return self.max_total_bytes + self.max_members * _HEADER_ALLOWANCE_PER_MEMBER + _CHUNK


DEFAULT_LIMITS = ArchiveLimits()


@dataclass(frozen=True)
class SkippedMember:
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


@dataclass
class ExtractionReport:
    top_level: str | None = None
    files: int = 0
    directories: int = 0
    symlinks: int = 0
    hardlinks: int = 0
    total_bytes: int = 0
    skipped: list[SkippedMember] = field(default_factory=list)


class ArchiveError(Exception):
    """The archive cannot be read (not a tar, truncated, corrupt compression)."""


class ArchiveLimitExceeded(ArchiveError):
    """The archive is larger than the limits allow; extraction stopped."""


class _Skip(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _CappedReader(io.RawIOBase):
    """A read-only stream that fails once more than ``cap`` bytes were read from it."""

    def __init__(self, inner: IO[bytes], cap: int) -> None:
        self._inner = inner
        self._cap = cap
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._inner.read(len(view))
        self._read += len(data)
        if self._read > self._cap:
            raise ArchiveLimitExceeded(f"archive expands to more than {self._cap} bytes")
        view[: len(data)] = data
        return len(data)


def extract_tarball(
    archive: Path,
    dest: Path,
    limits: ArchiveLimits = DEFAULT_LIMITS,
    *,
    strip_top_level: bool = True,
) -> ExtractionReport:
    """Extract ``archive`` (``.tar.gz`` or plain ``.tar``) into ``dest`` under the rules above.

    ``dest`` is created if needed and should be empty. Raises :class:`ArchiveError` for an
    unreadable archive and :class:`ArchiveLimitExceeded` when a limit is hit; what was
    extracted before stays in ``dest`` for the caller to delete.
    """
    dest.mkdir(parents=True, exist_ok=True)
    extractor = _Extractor(dest, limits, strip_top_level)
    with archive.open("rb") as raw, contextlib.ExitStack() as stack:
        magic = raw.read(2)
        raw.seek(0)
        inner: IO[bytes] = raw
        if magic == b"\x1f\x8b":
            inner = cast(IO[bytes], stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb")))
        stream = _CappedReader(inner, limits.max_stream_bytes)
        try:
            # Stream mode: one sequential pass, never the whole member list up front.
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for member in tar:
                    extractor.member(tar, member)
        except ArchiveLimitExceeded:
            raise
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise ArchiveError(f"{archive.name}: not a readable tar archive: {exc}") from exc
    extractor.drop_escaping_symlinks()
    return extractor.report


class _Extractor:
    def __init__(self, dest: Path, limits: ArchiveLimits, strip_top_level: bool) -> None:
        self.dest = dest
        self.real_dest = os.path.realpath(dest)
        self.limits = limits
        self.strip = strip_top_level
        self.report = ExtractionReport()
        self.members = 0
        self.first = True
        # Archive-relative path -> where we wrote it, for hardlinks to find their target.
        self.extracted_files: dict[str, Path] = {}
        self.created_symlinks: dict[str, Path] = {}  # member name -> link

    def member(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise ArchiveLimitExceeded(f"archive has more than {self.limits.max_members} members")
        first, self.first = self.first, False
        try:
            parts = _relative_parts(member.name)
            if first and self.strip and len(parts) == 1 and member.isdir():
                self.report.top_level = parts[0]
                return
            if self.report.top_level is not None:
                if parts[0] != self.report.top_level:
                    raise _Skip("outside the archive's top-level folder")
                parts = parts[1:]
            if not parts:
                return
            self._extract(tar, member, member.name, "/".join(parts))
        except _Skip as skip:
            self.report.skipped.append(SkippedMember(member.name, skip.reason))
            logger.debug("skipped %s: %s", member.name, skip.reason)

    def _extract(self, tar: tarfile.TarFile, member: tarfile.TarInfo, name: str, rel: str) -> None:
        if member.ischr() or member.isblk():
            raise _Skip("device file")
        if member.isfifo():
            raise _Skip("FIFO")
        if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
            raise _Skip(f"unsupported member type {member.type!r}")
        linkname = member.linkname
        if member.issym():
            _check_symlink_target(rel, linkname)
        elif member.islnk():
            linkname = self._hardlink_source(linkname)
        if member.isreg():
            if member.size > self.limits.max_file_bytes:
                raise _Skip(f"file larger than {self.limits.max_file_bytes} bytes")
            self._reserve(member.size)
        checked = self._data_filter(member.replace(name=rel, linkname=linkname, deep=False))
        target = self.dest.joinpath(*rel.split("/"))
        try:
            self._ensure_dirs(rel.split("/")[:-1])
            if member.isdir():
                self._ensure_dirs(rel.split("/"))
                self.report.directories += 1
            elif member.isreg():
                self._write_file(tar, member, target, checked.mode)
                self.extracted_files[rel] = target
            elif member.issym():
                self._replaceable(target)
                os.symlink(linkname, target)
                self.extracted_files.pop(rel, None)
                self.created_symlinks[name] = target
                self.report.symlinks += 1
            else:
                self._link(linkname, target)
                self.extracted_files[rel] = target
        except OSError as exc:
            if exc.errno in _OUT_OF_SPACE:
                raise ArchiveError(f"no space left to extract {rel}: {exc.strerror}") from exc
            raise _Skip(f"cannot write: {exc.strerror or exc}") from exc

    def _reserve(self, size: int) -> None:
        if self.report.total_bytes + size > self.limits.max_total_bytes:
            raise ArchiveLimitExceeded(
                f"archive content exceeds {self.limits.max_total_bytes} bytes"
            )

    def _data_filter(self, member: tarfile.TarInfo) -> tarfile.TarInfo:
        if _data_filter is None:
            return member
        try:
            checked = _data_filter(member, str(self.dest))
        except tarfile.FilterError as exc:
            raise _Skip(f"refused by tarfile's data filter: {exc}") from exc
        if checked is None:
            raise _Skip("refused by tarfile's data filter")
        return checked

    def _hardlink_source(self, linkname: str) -> str:
        try:
            parts = _relative_parts(linkname)
        except _Skip as skip:
            raise _Skip(f"hardlink target: {skip.reason}") from None
        if self.report.top_level is not None:
            if parts[0] != self.report.top_level:
                raise _Skip("hardlink to a file outside the archive's top-level folder")
            parts = parts[1:]
        source = "/".join(parts)
        if source not in self.extracted_files:
            raise _Skip("hardlink to a file not extracted from this archive")
        return source

    def _ensure_dirs(self, parts: list[str]) -> None:
        current = self.dest
        for part in parts:
            current = current / part
            try:
                info = os.lstat(current)
            except FileNotFoundError:
                os.mkdir(current, 0o755)
                continue
            if stat.S_ISLNK(info.st_mode):
                raise _Skip("path goes through a symlink")
            if not stat.S_ISDIR(info.st_mode):
                raise _Skip("a parent path is not a directory")

    def _replaceable(self, target: Path) -> None:
        """Clear the way for a file or link: an earlier member of the same name is replaced."""
        try:
            info = os.lstat(target)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(info.st_mode):
            raise _Skip("a directory of that name was extracted already")
        os.unlink(target)

    def _write_file(
        self, tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path, mode: int
    ) -> None:
        source = tar.extractfile(member)
        if source is None:
            raise _Skip("no data for regular file")
        self._replaceable(target)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(target, flags, 0o755 if mode & 0o100 else 0o644)
        written = 0
        with os.fdopen(fd, "wb") as out, source:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                out.write(chunk)
        self.report.total_bytes += written
        self.report.files += 1

    def _link(self, source_rel: str, target: Path) -> None:
        source = self.extracted_files[source_rel]
        if source == target:
            raise _Skip("hardlink to itself")
        info = os.lstat(source)
        if not stat.S_ISREG(info.st_mode):
            raise _Skip("hardlink target is no longer a regular file")
        self._reserve(info.st_size)
        self._replaceable(target)
        os.link(source, target, follow_symlinks=False)
        self.report.total_bytes += info.st_size
        self.report.hardlinks += 1

    def drop_escaping_symlinks(self) -> None:
        """Remove links that resolve outside ``dest`` now that every link exists."""
        for name, path in sorted(self.created_symlinks.items()):
            if not path.is_symlink():
                continue
            resolved = os.path.realpath(path)
            if resolved != self.real_dest and not resolved.startswith(self.real_dest + os.sep):
                path.unlink()
                self.report.symlinks -= 1
                self.report.skipped.append(
                    SkippedMember(name, "symlink resolves outside the target through other links")
                )


def _relative_parts(name: str) -> list[str]:
    """The components of a member name, refusing absolute and ``..`` paths."""
    if name.startswith("/"):
        raise _Skip("absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _Skip("path traversal (..)")
    if not parts:
        raise _Skip("empty name")
    return parts


def _check_symlink_target(rel: str, linkname: str) -> None:
    if not linkname:
        raise _Skip("symlink with an empty target")
    if linkname.startswith("/"):
        raise _Skip("symlink to an absolute path")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel), linkname))
    if resolved == ".." or resolved.startswith("../"):
        raise _Skip("symlink points outside the target")
