"""The advisory mirror's tables.

``advisories`` keeps each OSV record whole plus the columns findings need, computed once at
import (severity, aliases, URL) so a scan never re-parses records or CVSS vectors.
``affected`` holds one row per ``affected[]`` entry, indexed by (ecosystem, normalised
name): the only lookup matching does.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Advisory(Base):
    __tablename__ = "advisories"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    # Normalised to fixed-width UTC microseconds so string order is time order.
    modified: Mapped[str] = mapped_column(String(32))
    published: Mapped[str | None] = mapped_column(String(64))
    withdrawn: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str] = mapped_column(Text, default="")
    aliases: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    severity: Mapped[str] = mapped_column(String(16))
    cvss_score: Mapped[float | None] = mapped_column(Float)
    cvss_vector: Mapped[str | None] = mapped_column(String(256))
    url: Mapped[str] = mapped_column(Text)
    informational: Mapped[str | None] = mapped_column(String(64))
    record: Mapped[str] = mapped_column(Text)  # the OSV JSON as imported


class Affected(Base):
    __tablename__ = "affected"
    __table_args__ = (Index("ix_affected_ecosystem_name", "ecosystem", "name"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    advisory_id: Mapped[str] = mapped_column(
        ForeignKey("advisories.id", ondelete="CASCADE"), index=True
    )
    # Base ecosystem ("Debian" for "Debian:11"); the full name stays in ``data``.
    ecosystem: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(512))
    data: Mapped[str] = mapped_column(Text)  # JSON of the affected[] entry


class SyncState(Base):
    """Per ecosystem: how current the mirror is and where it came from.

    Only ``sync`` sets ``last_modified``: an import of an arbitrary folder says nothing
    about which upstream changes the mirror has seen.
    """

    __tablename__ = "sync_state"

    ecosystem: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Newest ``modified`` seen in the source's modified_id.csv (normalised like above).
    last_modified: Mapped[str | None] = mapped_column(String(32))
    synced_at: Mapped[str | None] = mapped_column(String(32))
    imported_at: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text)
