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
# declares, and node_modules alone can hold thousands of package-lock.json files. Go's
# vendor/modules.txt would be the one file worth reading there, and no extractor reads
# it yet.
SKIPPED_DIRS = frozenset(
    {"node_modules", ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "vendor"}
)
_SHRINKWRAP = "npm-shrinkwrap.json"
_PACKAGE_LOCK = "package-lock.json"


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

    dependencies: list[Dependency] = []
    for relative, path, extractor in sorted(files, key=lambda f: str(f[0])):
        dependencies.extend(_extract(relative, path, extractor, issues))
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
                    continue
                # Names first: they rule out nearly every file without a system call.
                extractor = extractor_for(PurePosixPath(relative))
                if extractor is None or _excluded(relative, patterns, is_dir=False):
                    continue
                if entry.name == _PACKAGE_LOCK and _SHRINKWRAP in names:
                    # npm ignores package-lock.json when a shrinkwrap is present.
                    continue
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


def _enter(entry: os.DirEntry[str], relative: str, patterns: Sequence[str]) -> bool:
    if entry.name in SKIPPED_DIRS or _excluded(relative, patterns, is_dir=True):
        return False
    # Cargo marks its build directory with CACHEDIR.TAG; a "target" folder without one
    # may be ordinary project code.
    return not (entry.name == "target" and os.path.exists(os.path.join(entry.path, "CACHEDIR.TAG")))


def _link_stays_inside(path: str, real_root: Path) -> bool:
    target = Path(path).resolve()
    return target == real_root or real_root in target.parents


def _extract(
    relative: PurePosixPath, path: Path, extractor: Extractor, issues: list[ScanIssue]
) -> list[Dependency]:
    source = str(relative)
    data = _read(path, source, issues)
    if data is None:
        return []
    started = time.perf_counter()
    try:
        dependencies = extractor.extract(ExtractInput(relative, data))
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
    # Extractors fill these in themselves; only fix up the rare one that does not.
    return [
        dep
        if dep.source == source and dep.extractor == extractor.name
        else replace(dep, source=source, extractor=extractor.name)
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
