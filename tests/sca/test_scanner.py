from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from bastion.advisories.store import LocalMirror
from bastion.sca.scanner import scan_path


def test_a_lower_bound_matches_but_is_marked_approximate(
    tmp_path: Path, osv_engine: Engine
) -> None:
    (tmp_path / "requirements.txt").write_text("Django>=2.2\nrequests==2.19.1\n")
    result = scan_path(tmp_path, LocalMirror(osv_engine))
    django = [f for f in result.findings if f.dependency.name == "Django"]
    requests = [f for f in result.findings if f.dependency.name == "requests"]
    assert len(django) == 28  # the same advisories as the pin Django==2.2 (python-app)
    assert all(f.approximate for f in django)
    assert requests
    assert not any(f.approximate for f in requests)


def test_dependencies_without_a_version_are_listed_but_never_matched(
    tmp_path: Path, osv_engine: Engine
) -> None:
    (tmp_path / "requirements.txt").write_text("Django\nFlask!=1.0\n")
    result = scan_path(tmp_path, LocalMirror(osv_engine))
    assert [(d.name, d.version) for d in result.dependencies] == [("Django", None), ("Flask", None)]
    assert result.findings == ()
