"""Find every supported lockfile/manifest under a path and run its extractor.

The walker owns file access: it skips directories that hold installed or generated code,
applies the size limit, times each extractor and turns every failure into a
:class:`ScanIssue`, so one broken file never stops the scan.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Sequence
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from bastion.models import Dependency, ScanIssue
from bastion.sca.extractors.base import ExtractInput, ExtractionError, Extractor
from bastion.sca.extractors.registry import extractor_for

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 64 * 1024 * 1024
# Installed packages, VCS metadata and caches: what is in them is not what the project
# declares, and node_modules alone can hold thousands of package-lock.json files.
SKIPPED_DIRS = frozenset(
    {"node_modules", ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "vendor"}
)
# Go's vendor/modules.txt records the vendored module versions: the one file worth
# reading in an otherwise skipped vendor/ directory.
_VENDOR_MANIFEST = "modules.txt"


def collect(root: Path, exclude: Sequence[str] = ()) -> tuple[list[Dependency], list[ScanIssue]]:
    """Dependencies of every supported file under ``root`` (a directory or one file).

    ``exclude`` holds glob patterns matched against repo-relative POSIX paths; a matching
    directory is not entered. Output is ordered by file path, then by order in the file.
    Raises :class:`FileNotFoundError` when ``root`` does not exist.
    """
    patterns = [p for p in map(_normalise_pattern, exclude) if p]
    issues: list[ScanIssue] = []
    if root.is_dir():
        files = _find_files(root, patterns, issues)
    elif root.exists():
        relative = PurePosixPath(root.name)
        extractor = extractor_for(relative)
        if extractor is None:
            issues.append(ScanIssue(root.name, "not a supported lockfile or manifest"))
            return [], issues
        files = [(relative, root, extractor)]
    else:
        raise FileNotFoundError(f"{root}: no such file or directory")

    reader = _RelativeReader(root if root.is_dir() else root.parent)
    dependencies: list[Dependency] = []
    for relative, path, extractor in sorted(files, key=lambda f: str(f[0])):
        dependencies.extend(_extract(relative, path, extractor, issues, reader))
    issues.sort(key=lambda issue: issue.source)
    return dependencies, issues


def _normalise_pattern(pattern: str) -> str:
    return pattern.strip().replace("\\", "/").removeprefix("./").lstrip("/")


def _excluded(relative: str, patterns: Sequence[str], is_dir: bool) -> bool:
    return any(
        fnmatchcase(relative, pattern)
        # "docs/" names the directory itself, as in .gitignore.
        or (is_dir and fnmatchcase(relative + "/", pattern))
        for pattern in patterns
    )


def _find_files(
    root: Path, patterns: Sequence[str], issues: list[ScanIssue]
) -> list[tuple[PurePosixPath, Path, Extractor]]:
    found: list[tuple[PurePosixPath, Path, Extractor]] = []
    real_root = root.resolve()
    # (directory on disk, its repo-relative POSIX path; "" for the root)
    pending: list[tuple[str, str]] = [(os.fspath(root), "")]
    while pending:
        directory, relative_dir = pending.pop()
        try:
            with os.scandir(directory) as scanned:
                entries = sorted(scanned, key=lambda e: e.name)
        except OSError as exc:
            issues.append(ScanIssue(relative_dir or ".", f"cannot list directory: {exc.strerror}"))
            continue
        names = {entry.name for entry in entries}
        if relative_dir and "pyvenv.cfg" in names:
            continue  # a virtual environment under any name
        for entry in entries:
            relative = f"{relative_dir}/{entry.name}" if relative_dir else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if _enter(entry, relative, patterns):
                        pending.append((entry.path, relative))
                    elif entry.name == "vendor" and "go.mod" not in names:
                        # Beside a go.mod the vendored list only repeats its modules.
                        _add_vendor_manifest(entry, relative, patterns, found)
                    continue
                # Names first: they rule out nearly every file without a system call.
                extractor = extractor_for(PurePosixPath(relative))
                if extractor is None or _excluded(relative, patterns, is_dir=False):
                    continue
                if (extractor.superseded_by - {entry.name}) & names:
                    continue  # e.g. a manifest beside its lockfile: the lockfile wins
                if not entry.is_file():
                    continue  # FIFOs, sockets, links to directories, dangling links
                if entry.is_symlink() and not _link_stays_inside(entry.path, real_root):
                    issues.append(
                        ScanIssue(relative, "skipped: symbolic link to outside the scanned tree")
                    )
                    continue
                found.append((PurePosixPath(relative), Path(entry.path), extractor))
            except OSError as exc:
                issues.append(ScanIssue(relative, f"cannot read: {exc.strerror}"))
    return found


def _add_vendor_manifest(
    entry: os.DirEntry[str],
    relative: str,
    patterns: Sequence[str],
    found: list[tuple[PurePosixPath, Path, Extractor]],
) -> None:
    if _excluded(relative, patterns, is_dir=True):
        return
    manifest = PurePosixPath(relative) / _VENDOR_MANIFEST
    extractor = extractor_for(manifest)
    path = Path(entry.path) / _VENDOR_MANIFEST
    if extractor is not None and path.is_file() and not path.is_symlink():
        found.append((manifest, path, extractor))


def _enter(entry: os.DirEntry[str], relative: str, patterns: Sequence[str]) -> bool:
    if entry.name in SKIPPED_DIRS or _excluded(relative, patterns, is_dir=True):
        return False
    # Cargo marks its build directory with CACHEDIR.TAG; a "target" folder without one
    # may be ordinary project code.
    return not (entry.name == "target" and os.path.exists(os.path.join(entry.path, "CACHEDIR.TAG")))


def _link_stays_inside(path: str, real_root: Path) -> bool:
    target = Path(path).resolve()
    return target == real_root or real_root in target.parents


class _RelativeReader:
    """Reads other files for extractors: inside the scanned tree only, within the limits.

    Problems reading them are not scan errors of their own: the extractor decides what a
    missing manifest or include means and says so.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = root.resolve()

    def __call__(self, relative: PurePosixPath) -> bytes | None:
        if relative.is_absolute() or ".." in relative.parts:
            # Normalise "a/../b" without touching the filesystem, then re-check the root.
            parts: list[str] = []
            for part in relative.parts:
                if part == "..":
                    if not parts:
                        return None
                    parts.pop()
                elif part not in ("/", "."):
                    parts.append(part)
            relative = PurePosixPath(*parts) if parts else PurePosixPath(".")
        path = self.root / relative
        try:
            if not path.is_file() or not _link_stays_inside(str(path), self.real_root):
                return None
        except OSError:
            return None
        return _read(path, str(relative), [])


def _extract(
    relative: PurePosixPath,
    path: Path,
    extractor: Extractor,
    issues: list[ScanIssue],
    reader: _RelativeReader,
) -> list[Dependency]:
    source = str(relative)
    data = _read(path, source, issues)
    if data is None:
        return []
    started = time.perf_counter()
    try:
        dependencies = extractor.extract(ExtractInput(relative, data, reader))
    except ExtractionError as exc:
        issues.append(ScanIssue(source, exc.message, exc.line))
        return []
    except Exception as exc:
        # A bug in one extractor must not cost the user the rest of the scan; the
        # traceback goes to the log for whoever fixes it.
        logger.exception("extractor %s failed on %s", extractor.name, source)
        issues.append(ScanIssue(source, f"{extractor.name} failed: {type(exc).__name__}: {exc}"))
        return []
    logger.debug(
        "%s: %d dependencies via %s in %.1f ms",
        source,
        len(dependencies),
        extractor.name,
        (time.perf_counter() - started) * 1000,
    )
    # Extractors fill these in themselves; only fix up the rare one that does not. A
    # source other than this file is deliberate (a package from an included file).
    return [
        dep
        if dep.source and dep.extractor
        else replace(dep, source=dep.source or source, extractor=dep.extractor or extractor.name)
        for dep in dependencies
    ]


def _read(path: Path, source: str, issues: list[ScanIssue]) -> bytes | None:
    try:
        # O_NONBLOCK: opening a FIFO that slipped in (a single-file argument) must not
        # hang; regular files ignore the flag.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                issues.append(ScanIssue(source, "skipped: not a regular file"))
                return None
            if info.st_size > MAX_FILE_BYTES:
                issues.append(ScanIssue(source, _too_large(info.st_size)))
                return None
            # The file may grow between fstat and read; never hold more than the limit.
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        issues.append(ScanIssue(source, f"cannot read: {exc.strerror or exc}"))
        return None
    if len(data) > MAX_FILE_BYTES:
        issues.append(ScanIssue(source, _too_large(len(data))))
        return None
    return data


def _too_large(size: int) -> str:
    return (
        f"skipped: {size / (1024 * 1024):.1f} MiB is over the "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MiB limit for one file"
    )
