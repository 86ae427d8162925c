"""Well-known files no page links to (``/.git/config``, ``/.env``…), requested once per
scan so the passive rules that recognise them get to see the answers.

The paths belong to the rule that judges them: any selected passive rule whose module
declares ``PROBE_PATHS`` contributes its list, so deselecting the rule (``--rule``) also
drops its requests.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from urllib.parse import urljoin, urlsplit

from bastion.dast.checks.base import PassiveRule


def probe_paths(rules: Iterable[PassiveRule]) -> list[str]:
    paths: list[str] = []
    for rule in rules:
        module = sys.modules.get(type(rule).__module__)
        declared = getattr(module, "PROBE_PATHS", ())
        if isinstance(declared, str):
            declared = (declared,)
        for path in declared:
            if isinstance(path, str) and path and path not in paths:
                paths.append(path)
    return paths


def probe_urls(target: str, paths: Sequence[str]) -> list[str]:
    """Each path under the site root, and under the target's directory too when the
    target lives below the root (``https://host/app/`` also gets ``/app/.env``)."""
    parts = urlsplit(target)
    root = f"{parts.scheme}://{parts.netloc}/"
    directory = urljoin(target, ".")
    bases = [root] if directory == root else [root, directory]
    urls: list[str] = []
    for base in bases:
        for path in paths:
            url = urljoin(base, path.lstrip("/"))
            if url not in urls:
                urls.append(url)
    return urls
