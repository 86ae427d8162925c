from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import PurePosixPath

import pytest

import bastion.sca.extractors as extractors_package
from bastion.sca.extractors.registry import EXTRACTORS, extractor_for


def _extractor_classes() -> list[tuple[type, str]]:
    """(class, name) of every class under sca/extractors/ shaped like an Extractor."""
    found: list[tuple[type, str]] = []
    for module_info in pkgutil.walk_packages(
        extractors_package.__path__, prefix=f"{extractors_package.__name__}."
    ):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            name = getattr(cls, "name", None)
            if (
                cls.__module__ == module.__name__
                and isinstance(name, str)
                and callable(getattr(cls, "wants", None))
                and callable(getattr(cls, "extract", None))
            ):
                found.append((cls, name))
    return found


def test_every_extractor_class_is_registered_once() -> None:
    classes = _extractor_classes()
    assert len(classes) == len(EXTRACTORS) >= 4
    for cls, name in classes:
        assert type(EXTRACTORS[name]) is cls


def test_names_follow_the_module_layout() -> None:
    for name, extractor in EXTRACTORS.items():
        assert re.fullmatch(r"[a-z0-9]+/[a-z0-9_]+", name), name
        assert extractor.name == name
        # extractors/<eco>/<format>.py holds the extractor named "<eco>/<format>".
        module = type(extractor).__module__
        assert module == f"bastion.sca.extractors.{name.replace('/', '.')}"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("package-lock.json", "npm/packagelock"),
        ("web/npm-shrinkwrap.json", "npm/packagelock"),
        ("requirements.txt", "pypi/requirements"),
        ("requirements/prod.txt", "pypi/requirements"),
        ("svc/go.mod", "go/gomod"),
        ("Cargo.lock", "cargo/cargolock"),
        ("package.json", "npm/packagejson"),
        ("web/yarn.lock", "npm/yarnlock"),
        ("pnpm-lock.yaml", "npm/pnpmlock"),
        ("bun.lock", "npm/bunlock"),
        ("bun.lockb", None),
        ("go.sum", None),
        ("Cargo.toml", "cargo/cargotoml"),
        ("svc/vendor/modules.txt", "go/vendormodules"),
        ("modules.txt", None),
        ("Gemfile.lock", "ruby/gemfilelock"),
        ("gems.locked", "ruby/gemfilelock"),
        ("pubspec.lock", "dart/pubspeclock"),
        ("mix.lock", "erlang/mixlock"),
        ("ios/Podfile.lock", "cocoapods/podfilelock"),
        ("Package.resolved", "swift/packageresolved"),
        ("cargo.lock", None),
        ("README.md", None),
    ],
)
def test_extractor_for(path: str, name: str | None) -> None:
    extractor = extractor_for(PurePosixPath(path))
    assert (extractor.name if extractor else None) == name


def test_each_path_is_wanted_by_at_most_one_extractor() -> None:
    paths = ["package-lock.json", "npm-shrinkwrap.json", "requirements.txt", "go.mod"]
    paths += ["Cargo.lock", "requirements/base.txt"]
    paths += ["Cargo.toml", "vendor/modules.txt", "Gemfile.lock", "gems.locked", "pubspec.lock"]
    paths += ["mix.lock", "Podfile.lock", "Package.resolved"]
    paths += ["yarn.lock", "pnpm-lock.yaml", "bun.lock", "package.json"]
    for path in paths:
        wanted = [e.name for e in EXTRACTORS.values() if e.wants(PurePosixPath(path))]
        assert len(wanted) == 1, (path, wanted)
