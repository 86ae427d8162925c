from __future__ import annotations

from bastion.dast.engine.exposed import probe_paths, probe_urls
from tests.dast.engine import rules


def test_paths_come_from_the_selected_rules_modules() -> None:
    assert probe_paths([rules.TokenLeak(), rules.MissingHeader()]) == ["/.env", "backup.zip"]
    assert probe_paths([]) == []


def test_urls_under_the_root_and_the_targets_directory() -> None:
    assert probe_urls("http://h:8/", ["/.env"]) == ["http://h:8/.env"]
    assert probe_urls("http://h:8", [".env"]) == ["http://h:8/.env"]
    assert probe_urls("http://h/app/index.php?x=1", ["/.env", ".git/config"]) == [
        "http://h/.env",
        "http://h/.git/config",
        "http://h/app/.env",
        "http://h/app/.git/config",
    ]
