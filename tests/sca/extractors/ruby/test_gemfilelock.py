"""Gemfile.lock fixtures.

``path-and-groups/`` and ``gemspec-and-git/`` were written by Bundler 2.3.15 (Debian's
ruby-bundler) with ``bundle lock --local`` / ``bundle install --local`` against gems
Debian installs (rubygems.org is unreachable here); in ``gemspec-and-git/`` the git
remote, a local repository when Bundler ran, was rewritten to a URL afterwards.
``platforms-and-sources.lock`` is hand-written after Bundler's ``LockfileParser`` and
later lockfile features (``CHECKSUMS`` from Bundler 2.5, platform-specific gems, a second
gem server, a plugin source), which Bundler 2.3 cannot produce offline.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.ruby.gemfilelock import GemfileLockExtractor

TESTDATA = Path(__file__).parent / "testdata"
EXTRACTOR = GemfileLockExtractor()

# (name, version, direct, group, line, path, note)
Row = tuple[str, str | None, bool, str | None, int, tuple[str, ...], str | None]


def extract_file(fixture: str, name: str = "Gemfile.lock") -> list[Dependency]:
    """Extract a fixture as ``name``, with the files beside it readable."""
    path = TESTDATA / fixture

    def read(relative: PurePosixPath) -> bytes | None:
        other = path.parent / relative
        return other.read_bytes() if other.is_file() else None

    deps = EXTRACTOR.extract(ExtractInput(PurePosixPath(name), path.read_bytes(), read))
    for dep in deps:
        assert dep.ecosystem is Ecosystem.RUBYGEMS
        assert (dep.source, dep.extractor) == (name, "ruby/gemfilelock")
    return deps


def extract(text: str) -> list[Dependency]:
    return EXTRACTOR.extract(ExtractInput(PurePosixPath("Gemfile.lock"), text.encode()))


def rows(deps: list[Dependency]) -> list[Row]:
    return [(d.name, d.version, d.direct, d.group, d.line or 0, d.path, d.note) for d in deps]


BUNDLER_NOTE = "the Bundler release that wrote this lockfile (BUNDLED WITH)"
TINYHELPER_GIT = (
    "https://github.com/example/tinyhelper.git@fcdc6f809b3e8dfd316e7b2a30c0e60c531f744d"
)

EXPECTED: dict[str, list[Row]] = {
    "path-and-groups/Gemfile.lock": [
        ("greeter", "0.2.0", True, "local", 4, ("greeter",), "from path vendor_local/greeter"),
        # group :test
        ("minitest", "5.15.0", True, "test", 10, ("minitest",), None),
        ("mustermann", "3.0.0", True, None, 11, ("mustermann",), None),
        # Needed by the default-group greeter as well as by the dev gem rack-test.
        ("rack", "2.2.22", False, None, 13, ("greeter", "rack"), None),
        # group :development, :test
        ("rack-test", "2.0.2", True, "dev", 14, ("rack-test",), None),
        ("ruby2_keywords", "0.0.5", False, None, 16, ("mustermann", "ruby2_keywords"), None),
        ("bundler", "2.3.15", False, "tool", 28, (), BUNDLER_NOTE),
    ],
    # PATH "." is the project's own gemspec: left out, its runtime dependency rack is
    # direct and its development dependency rake is in the dev group.
    "gemspec-and-git/Gemfile.lock": [
        ("tinyhelper", "1.4.0", True, None, 6, ("tinyhelper",), f"from git {TINYHELPER_GIT}"),
        ("power_assert", "2.0.1", False, "test", 18, ("test-unit", "power_assert"), None),
        ("rack", "2.2.22", True, None, 19, ("rack",), None),
        ("rake", "13.0.6", True, "dev", 20, ("rake",), None),
        ("ruby2_keywords", "0.0.5", False, None, 21, ("tinyhelper", "ruby2_keywords"), None),
        ("test-unit", "3.5.3", True, "test", 22, ("test-unit",), None),
        ("bundler", "2.3.15", False, "tool", 35, (), BUNDLER_NOTE),
    ],
    # No Gemfile beside it: every gem is in the default group.
    "platforms-and-sources.lock": [
        ("mini_portile2", "2.8.5", False, None, 4, ("nokogiri", "mini_portile2"), None),
        # Locked for three platforms, reported once.
        (
            "nokogiri",
            "1.15.4",
            True,
            None,
            5,
            ("nokogiri",),
            "platforms ruby, arm64-darwin, x86_64-linux",
        ),
        ("racc", "1.7.3", False, None, 12, ("nokogiri", "racc"), None),
        ("sqlite3", "1.7.0", True, None, 13, ("sqlite3",), "platform x86_64-linux"),
        (
            "sidekiq-pro",
            "7.2.0",
            True,
            None,
            18,
            ("sidekiq-pro",),
            "from gem server https://gems.contribsys.com/",
        ),
        (
            "plugged",
            "0.1.0",
            True,
            None,
            24,
            ("plugged",),
            "from plugin source https://github.com/example/bundler-source-plugin (example)",
        ),
        (
            "wdm",
            None,
            True,
            None,
            36,
            ("wdm",),
            "in DEPENDENCIES but locked for none of the lockfile's platforms",
        ),
        ("bundler", "2.5.3", False, "tool", 52, (), BUNDLER_NOTE),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    assert rows(extract_file(fixture)) == EXPECTED[fixture]


def test_gems_locked_reads_gems_rb() -> None:
    lock = b"GEM\n  remote: https://rubygems.org/\n  specs:\n    rake (13.0.6)\n\n"
    lock += b"DEPENDENCIES\n  rake\n"
    files = {PurePosixPath("gems.rb"): b"group :development do\n  gem 'rake'\nend\n"}
    [dep] = EXTRACTOR.extract(ExtractInput(PurePosixPath("gems.locked"), lock, files.get))
    assert (dep.name, dep.group) == ("rake", "dev")


GEMFILE = """
source "https://rubygems.org"
gem "rails", "~> 7.0"
if ENV["CI"]
  gem "ci_reporter"
end
group :development, :test do
  gem "rspec" # comment
  platforms :mri do
    gem "byebug"
  end
end
gem "rubocop", require: false, group: :lint
gem "pry", :groups => [:development, :debug]
group(:production) do
  gem "pg"
end
gem "puma"
"""


def test_gemfile_groups() -> None:
    names = ["rails", "ci_reporter", "rspec", "byebug", "rubocop", "pry", "pg", "puma"]
    lock = "GEM\n  remote: https://rubygems.org/\n  specs:\n"
    lock += "".join(f"    {name} (1.0.0)\n" for name in names)
    lock += "\nDEPENDENCIES\n" + "".join(f"  {name}\n" for name in names)
    source = ExtractInput(PurePosixPath("Gemfile.lock"), lock.encode(), lambda _: GEMFILE.encode())
    groups = {d.name: d.group for d in EXTRACTOR.extract(source)}
    assert groups == {
        "rails": None,
        "ci_reporter": None,
        "rspec": "dev",
        "byebug": "dev",
        "rubocop": "lint",
        "pry": "dev",
        "pg": "production",
        "puma": None,
    }


def test_empty_file() -> None:
    assert extract("") == []


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("hello world\n", "not a Gemfile.lock: unexpected line 'hello world'", 1),
        ("  rake\n", "indented line before any section", 1),
        ("GEM\n  specs:\n    rake\n", "malformed spec 'rake': expected 'name (version)'", 3),
        ("GEM\n  specs:\n    rake ()\n", "malformed spec", 3),
        ("GEM\n  remote https://x\n", "unexpected line in GEM: 'remote https://x'", 2),
        ("GEM\n  specs:\n     rake (1.0)\n", "unexpected indentation in GEM", 3),
        ("GEM\n  specs:\n      rack\n", "unexpected indentation in GEM", 3),
        ("GEM\n  specs:\n    a (1.0)\n      b (1.0)!\n", "malformed dependency line", 4),
        ("DEPENDENCIES\n  a (\n", "malformed DEPENDENCIES line", 2),
        ("DEPENDENCIES\n    a\n", "malformed DEPENDENCIES line", 2),
        ("BUNDLED WITH\n   two\n", "malformed Bundler version 'two'", 2),
        ("GEM\n\tspecs:\n", "unexpected whitespace", 2),
        ("GEM \n", "unexpected whitespace", 1),
    ],
)
def test_broken(text: str, message: str, line: int) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(text)
    assert caught.value.message.startswith(message)
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("path", "wanted"),
    [("Gemfile.lock", True), ("app/gems.locked", True), ("Gemfile", False), ("gems.rb", False)],
)
def test_wants(path: str, wanted: bool) -> None:
    assert EXTRACTOR.wants(PurePosixPath(path)) is wanted
