"""Find the project's own source files once, and parse each one once.

Skipped: installed and vendored code (node_modules, virtual environments, vendor/, Pods/),
build output (dist/, build/, Cargo's target/, .NET's obj/), VCS metadata, test fixtures
(fixtures/, testdata/, __snapshots__/), minified bundles, symbolic links and whatever
`.bastion.yml`'s `scan.exclude_paths` names. Files with an `@generated`/`DO NOT EDIT`
header are read, and their evidence says so: a gRPC stub that imports grpc is compiled into
the program, and skipping it would call grpc "not imported" in a running gRPC server.

The walk also collects the project files mappings learn from (package.json, Cargo.toml,
go.mod, composer.lock, installed Python metadata).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from itertools import accumulate
from pathlib import Path

from bastion.sca.reachability.base import ImportKind, ImportParseError, ImportRef, Language
from bastion.sca.reachability.registry import READERS, language_for

logger = logging.getLogger(__name__)

SKIPPED_DIRS = frozenset(
    {
        # VCS metadata and tool caches
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".gradle",
        ".cache",
        # installed or vendored third-party code
        "node_modules",
        "bower_components",
        "jspm_packages",
        "vendor",
        ".venv",
        "venv",
        "site-packages",
        "Pods",
        "Carthage",
        ".build",
        ".yarn",
        # build output
        "dist",
        "build",
        ".next",
        ".nuxt",
        ".svelte-kit",
        "coverage",
        # test data: sample projects and recorded outputs, not the project's code
        "fixtures",
        "testdata",
        "__snapshots__",
    }
)
_MINIFIED_SUFFIXES = (".min.js", ".min.mjs", ".min.cjs", "-min.js", ".bundle.js")
_SCRIPT_LANGUAGES = frozenset({Language.JAVASCRIPT, Language.TYPESCRIPT, Language.TSX})
_GENERATED_MARKERS = (b"@generated", b"DO NOT EDIT")
_HEADER_LINES = 5
_METADATA_FILES = frozenset({"RECORD", "top_level.txt"})
# tree-sitter's query cursor does work per node proportional to its depth, so a file of
# nothing but "(((…" costs quadratic time: 100 KB took 8 s, 1 MB would take minutes. No
# person writes a thousand nested brackets; generated or hostile files are not read.
MAX_NESTING = 1000
_OPENERS, _CLOSERS = b"([{", b")]}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _OPENERS + _CLOSERS)
_STEP = [1 if b in _OPENERS else -1 if b in _CLOSERS else 0 for b in range(256)]


@dataclass(frozen=True)
class AnalysisLimits:
    """How much import analysis may read. Hitting ``max_files`` makes the result partial:
    packages it did not see imported stay "not analysed" instead of "not imported"."""

    max_file_bytes: int = 1024 * 1024
    max_files: int = 100_000
    max_context_files: int = 5_000
    max_context_bytes: int = 16 * 1024 * 1024
    # None: one worker per CPU. 1 parses in this process.
    workers: int | None = None
    # Below this many files a process pool costs more than it saves: parsing takes about
    # 0.2 ms a file, starting workers and shipping results back costs a fixed 50-400 ms,
    # and on 2 busy cores the pool lost up to 5,000 files and won at 10,000
    # (benchmarks/reachability_speed.py --crossover).
    parallel_min_files: int = 5000


@dataclass(frozen=True, slots=True)
class SourceFile:
    relative: str
    path: str
    language: Language


@dataclass(frozen=True, slots=True)
class FileImports:
    relative: str
    language: Language
    refs: tuple[ImportRef, ...] = ()
    generated: bool = False
    # Why the file was not read (too large, minified, not valid Python…); None when it was.
    skipped: str | None = None


@dataclass
class SourceTree:
    files: list[SourceFile] = field(default_factory=list)
    # (repo-relative path, bytes) of files the mappings learn from
    context: list[tuple[str, bytes]] = field(default_factory=list)
    truncated: bool = False
    problems: list[tuple[str, str]] = field(default_factory=list)


def _normalise_pattern(pattern: str) -> str:
    # The same rules as the lockfile walker: repo-relative POSIX globs, "docs/" a directory.
    return pattern.strip().replace("\\", "/").removeprefix("./").lstrip("/")


def _excluded(relative: str, patterns: Sequence[str], is_dir: bool) -> bool:
    return any(
        fnmatchcase(relative, pattern) or (is_dir and fnmatchcase(relative + "/", pattern))
        for pattern in patterns
    )


def _skip_directory(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    if name in SKIPPED_DIRS or name.endswith((".dist-info", ".egg-info")):
        return True
    # Build folders with a marker: a folder named like them without one may be source.
    if name == "target":
        return os.path.exists(os.path.join(entry.path, "CACHEDIR.TAG"))
    if name == "obj":
        return os.path.exists(os.path.join(entry.path, "project.assets.json"))
    return False


def find_sources(
    root: Path,
    exclude: Sequence[str],
    limits: AnalysisLimits,
    context_names: frozenset[str],
) -> SourceTree:
    tree = SourceTree()
    patterns = [p for p in map(_normalise_pattern, exclude) if p]
    context_bytes = 0
    pending: list[tuple[str, str]] = [(os.fspath(root), "")]
    while pending:
        directory, relative_dir = pending.pop()
        try:
            with os.scandir(directory) as scanned:
                entries = sorted(scanned, key=lambda e: e.name)
        except OSError as exc:
            tree.problems.append((relative_dir or ".", f"cannot list directory: {exc.strerror}"))
            continue
        subdirectories: list[tuple[str, str]] = []
        for entry in entries:
            relative = f"{relative_dir}/{entry.name}" if relative_dir else entry.name
            try:
                if entry.is_symlink():
                    continue
                if entry.is_dir():
                    if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                        # A virtual environment under any name: its metadata tells which
                        # modules each installed distribution provides; its code is not ours.
                        _read_environment(Path(entry.path), relative, tree, limits)
                        continue
                    if (
                        entry.name.endswith((".dist-info", ".egg-info"))
                        or entry.name == "site-packages"
                    ):
                        _read_metadata(Path(entry.path), relative, tree, limits)
                    if not _skip_directory(entry) and not _excluded(relative, patterns, True):
                        subdirectories.append((entry.path, relative))
                    continue
                if _excluded(relative, patterns, False):
                    continue
                language = language_for(entry.name)
                if language is not None:
                    if len(tree.files) >= limits.max_files:
                        tree.truncated = True
                        continue
                    tree.files.append(SourceFile(relative, entry.path, language))
                elif entry.name in context_names and len(tree.context) < limits.max_context_files:
                    size = entry.stat().st_size
                    if size <= limits.max_context_bytes - context_bytes:
                        context_bytes += size
                        tree.context.append((relative, Path(entry.path).read_bytes()))
            except OSError as exc:
                tree.problems.append((relative, f"cannot read: {exc.strerror}"))
        # Reversed onto the stack so that directories are visited in name order, which
        # makes the files kept under a max_files cap the same on every run.
        pending.extend(reversed(subdirectories))
    return tree


def _read_environment(venv: Path, relative: str, tree: SourceTree, limits: AnalysisLimits) -> None:
    """The installed distributions' metadata of a virtual environment."""
    candidates = [
        *venv.glob("lib/python*/site-packages"),
        *venv.glob("lib64/python*/site-packages"),
    ]
    candidates.append(venv / "Lib" / "site-packages")  # Windows layout
    for site in candidates:
        if site.is_dir() and not site.is_symlink():
            _read_metadata(site, f"{relative}/{site.relative_to(venv).as_posix()}", tree, limits)


def _read_metadata(
    directory: Path, relative: str, tree: SourceTree, limits: AnalysisLimits
) -> None:
    """RECORD and top_level.txt of one ``*.dist-info`` folder, or of every one in a
    site-packages folder."""
    if directory.name.endswith((".dist-info", ".egg-info")):
        folders = [(directory, relative)]
    else:
        try:
            folders = [
                (child, f"{relative}/{child.name}")
                for child in sorted(directory.iterdir())
                if child.name.endswith((".dist-info", ".egg-info")) and child.is_dir()
            ]
        except OSError:
            return
    for folder, folder_relative in folders:
        for name in _METADATA_FILES:
            if len(tree.context) >= limits.max_context_files:
                return
            path = folder / name
            try:
                if path.is_file() and path.stat().st_size <= limits.max_file_bytes:
                    tree.context.append((f"{folder_relative}/{name}", path.read_bytes()))
            except OSError:
                continue


def _is_generated(data: bytes) -> bool:
    head = b"\n".join(data[:2048].split(b"\n", _HEADER_LINES)[:_HEADER_LINES])
    return any(marker in head for marker in _GENERATED_MARKERS)


def nesting_depth(data: bytes) -> int:
    """The deepest bracket nesting of the file, strings and comments included."""
    brackets = data.translate(None, _NOT_BRACKETS)
    if len(brackets) <= MAX_NESTING:
        return len(brackets)  # an upper bound is enough below the limit
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _is_minified(data: bytes) -> bool:
    # Bundlers write whole programs on a handful of lines; people do not.
    return len(data) > 16 * 1024 and data.count(b"\n") < len(data) // 1000


def parse_file(source: SourceFile, max_bytes: int) -> FileImports:
    if source.language in _SCRIPT_LANGUAGES and source.relative.lower().endswith(
        _MINIFIED_SUFFIXES
    ):
        return FileImports(source.relative, source.language, skipped="minified")
    try:
        with open(source.path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return FileImports(source.relative, source.language, skipped=f"cannot read: {exc.strerror}")
    if len(data) > max_bytes:
        return FileImports(
            source.relative,
            source.language,
            skipped=f"larger than {max_bytes // 1024} KiB, not read",
        )
    if source.language in _SCRIPT_LANGUAGES and _is_minified(data):
        return FileImports(source.relative, source.language, skipped="minified")
    if nesting_depth(data) > MAX_NESTING:
        return FileImports(
            source.relative,
            source.language,
            skipped=f"brackets nested more than {MAX_NESTING} deep, not parsed",
        )
    try:
        refs = READERS[source.language].imports(data)
    except ImportParseError as exc:
        logger.info("%s: skipped by import analysis: %s", source.relative, exc)
        return FileImports(source.relative, source.language, skipped=str(exc))
    except Exception as exc:
        # A reader bug must cost one file, not the scan; the traceback is for its fixer.
        logger.exception("import reader for %s failed on %s", source.language, source.relative)
        return FileImports(
            source.relative, source.language, skipped=f"reader failed: {type(exc).__name__}"
        )
    return FileImports(source.relative, source.language, tuple(refs), _is_generated(data))


def _parse_chunk(files: list[SourceFile], max_bytes: int) -> list[FileImports]:
    return [parse_file(source, max_bytes) for source in files]


# What a worker sends back, as plain tuples: unpickling tens of thousands of dataclasses
# and enum members took longer than parsing on a second core saved.
_WireRef = tuple[
    str, int, str, tuple[str, ...], str | None, tuple[str, ...] | None, tuple[str, ...]
]
_WireFile = tuple[str, str, tuple[_WireRef, ...], bool, str | None]


def _parse_chunk_wire(files: list[SourceFile], max_bytes: int) -> list[_WireFile]:
    return [
        (
            result.relative,
            result.language.value,
            tuple(
                (r.specifier, r.line, r.kind.value, r.names, r.alias, r.symbols, r.selectors)
                for r in result.refs
            ),
            result.generated,
            result.skipped,
        )
        for result in _parse_chunk(files, max_bytes)
    ]


def _from_wire(wire: _WireFile) -> FileImports:
    relative, language, refs, generated, skipped = wire
    return FileImports(
        relative,
        Language(language),
        tuple(
            ImportRef(spec, at, ImportKind(kind), names, alias, symbols, selectors)
            for spec, at, kind, names, alias, symbols, selectors in refs
        ),
        generated,
        skipped,
    )


def parse_files(files: Sequence[SourceFile], limits: AnalysisLimits) -> list[FileImports]:
    workers = limits.workers or os.cpu_count() or 1
    if workers > 1 and len(files) >= limits.parallel_min_files:
        started = time.perf_counter()
        try:
            results = _parse_in_pool(files, limits, workers)
        except (OSError, RuntimeError, BrokenProcessPool, AssertionError) as exc:
            # Daemonic workers (Celery) may not have children, and a sandbox may forbid
            # them: serial parsing is slower, never wrong.
            logger.warning(
                "import analysis: parallel parsing unavailable (%s), parsing serially", exc
            )
        else:
            logger.debug(
                "parsed %d files with %d workers in %.0f ms",
                len(files),
                workers,
                (time.perf_counter() - started) * 1000,
            )
            return results
    return _parse_chunk(list(files), limits.max_file_bytes)


def _pool_context() -> multiprocessing.context.BaseContext:
    if os.name != "posix":
        return multiprocessing.get_context("spawn")
    # Forking starts workers in milliseconds, but forking a process that runs other
    # threads (a server) can leave the child waiting on a lock one of them held.
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver")


def _parse_in_pool(
    files: Sequence[SourceFile], limits: AnalysisLimits, workers: int
) -> list[FileImports]:
    size = max(50, min(500, len(files) // (workers * 8) or 1))
    chunks = [list(files[i : i + size]) for i in range(0, len(files), size)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
        parts = pool.map(_parse_chunk_wire, chunks, [limits.max_file_bytes] * len(chunks))
        return [_from_wire(wire) for part in parts for wire in part]
