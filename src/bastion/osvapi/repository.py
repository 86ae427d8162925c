"""The mirror's reads the OSV API makes beside the scanner's own look-ups.

Matching goes through :class:`MatchingMirror`, which is :class:`LocalMirror` with one
difference: the API shows advisories as stored records, never as finding text, so
``advisories()`` reads only ids and ``modified`` instead of summaries and details.
Everything else here reads whole records or ids; withdrawn records are left out except
by :func:`record`, the look-up behind ``GET /v1/vulns/{id}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, select

from bastion.advisories.store import AdvisoryInfo, LocalMirror
from bastion.db.tables import Advisory
from bastion.models import Severity

# SQLite caps bound parameters per statement (32766 since 3.32, 999 before).
_IN_CHUNK = 900


class MatchingMirror(LocalMirror):
    """The scanner's mirror, reading only what a match needs about each advisory."""

    def advisories(self, ids: Iterable[str]) -> dict[str, AdvisoryInfo]:
        return {
            vuln_id: AdvisoryInfo(
                id=vuln_id,
                aliases=(),
                summary="",
                details="",
                severity=Severity.UNKNOWN,
                cvss_score=None,
                cvss_vector=None,
                url="",
                informational=None,
                published=None,
                modified=modified,
            )
            for vuln_id, modified in modified_times(self.engine, ids).items()
        }


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), _IN_CHUNK):
        yield wanted[start : start + _IN_CHUNK]


def modified_times(engine: Engine, ids: Iterable[str]) -> dict[str, str]:
    """``modified`` (normalised, see :mod:`bastion.advisories.osv`) of each live record."""
    found: dict[str, str] = {}
    with engine.connect() as conn:
        for chunk in _chunks(ids):
            rows = conn.execute(
                select(Advisory.id, Advisory.modified).where(
                    Advisory.id.in_(chunk), Advisory.withdrawn.is_(None)
                )
            )
            found.update({row.id: row.modified for row in rows})
    return found


def live_records(engine: Engine, ids: Iterable[str]) -> dict[str, str]:
    """The stored JSON of each live record."""
    found: dict[str, str] = {}
    with engine.connect() as conn:
        for chunk in _chunks(ids):
            rows = conn.execute(
                select(Advisory.id, Advisory.record).where(
                    Advisory.id.in_(chunk), Advisory.withdrawn.is_(None)
                )
            )
            found.update({row.id: row.record for row in rows})
    return found


def record(engine: Engine, vuln_id: str) -> str | None:
    """One record by id, withdrawn or not."""
    with engine.connect() as conn:
        text: str | None = conn.execute(
            select(Advisory.record).where(Advisory.id == vuln_id)
        ).scalar_one_or_none()
    return text


@dataclass(frozen=True, slots=True)
class AliasHolder:
    id: str
    withdrawn: bool


def alias_holders(engine: Engine, alias: str) -> list[AliasHolder]:
    """Records listing ``alias`` among their aliases, by id."""
    # The column is a JSON list: a substring search finds candidates (case-insensitively
    # on SQLite), the parsed list decides.
    needle = json.dumps(alias)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Advisory.id, Advisory.aliases, Advisory.withdrawn)
            .where(Advisory.aliases.contains(needle, autoescape=True))
            .order_by(Advisory.id)
        ).all()
    return [
        AliasHolder(row.id, row.withdrawn is not None)
        for row in rows
        if alias in json.loads(row.aliases)
    ]


def live_records_mentioning(engine: Engine, text: str) -> Iterator[tuple[str, str]]:
    """(id, record) of every live record whose stored JSON contains ``text``."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Advisory.id, Advisory.record).where(
                Advisory.record.contains(text, autoescape=True), Advisory.withdrawn.is_(None)
            )
        )
        for row in rows:
            yield row.id, row.record
