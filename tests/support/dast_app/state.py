"""Everything one run of the test app keeps: an in-memory SQLite shop, a user store in XML,
an in-memory LDAP directory, the guestbooks and a data directory of files to read.

All of it is built at start and lives as long as the server; nothing a scan sends can
reach outside it (the SQLite connection is query-only, the guestbooks are bounded, the
data directory is a temporary one).
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from tests.support.dast_app.directory import Directory

# A guestbook keeps its newest entries only: a scan posts thousands.
GUESTBOOK_SIZE = 40
# Time and size limits on injected SQL, so that heavy payloads fail instead of hanging
# or exhausting memory (sqlite's RANDOMBLOB timing payloads ask for hundreds of MB).
SQL_TIME_LIMIT = 2.0
SQL_MAX_LENGTH = 1_000_000

PRODUCTS = (
    (1, "Field guide to birds", 12.5, "books"),
    (2, "Garden trowel", 7.0, "garden"),
    (3, "Atlas of the oceans", 30.0, "books"),
    (4, "Watering can", 11.0, "garden"),
    (5, "Pocket knife", 25.0, "tools"),
)
USERS = (
    (1, "alice", "wonderland", "alice@example.com"),
    (2, "bob", "builder", "bob@example.com"),
    (3, "carol", "singer", "carol@example.com"),
)
LANGUAGES = (("en", "English", "Welcome"), ("fr", "Français", "Bienvenue"))
API_VERSIONS = (("1", "first release"), ("2", "current release"))
ORDERS = (
    (1, "alice", "Garden trowel"),
    (2, "alice", "Atlas of the oceans"),
    (3, "bob", "Pocket knife"),
)

USERS_XML = b"""<users>
  <user><name>alice</name><role>admin</role><email>alice@example.com</email></user>
  <user><name>bob</name><role>editor</role><email>bob@example.com</email></user>
  <user><name>carol</name><role>viewer</role><email>carol@example.com</email></user>
</users>"""

DATA_FILES = {
    "report.txt": "Quarterly report: sales are up 4 %.\n",
    "readme.txt": "Public files of the example shop.\n",
    "notes.txt": "Meeting notes: <b>ship</b> the catalogue on Monday.\n",
}


@dataclass(frozen=True, slots=True)
class GuestbookEntry:
    name: str
    message: str


class Shop:
    """The SQLite shop. One connection guarded by a lock: sqlite3 connections are not
    meant to be shared by threads at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.executescript(
            """
            CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price REAL, category TEXT);
            CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, password TEXT, email TEXT);
            CREATE TABLE api_versions (version TEXT, notes TEXT);
            CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, item TEXT);
            CREATE TABLE visits (agent TEXT, count INTEGER);
            CREATE TABLE languages (code TEXT, name TEXT, greeting TEXT);
            """
        )
        self._conn.executemany("INSERT INTO products VALUES (?, ?, ?, ?)", PRODUCTS)
        self._conn.executemany("INSERT INTO users VALUES (?, ?, ?, ?)", USERS)
        self._conn.executemany("INSERT INTO api_versions VALUES (?, ?)", API_VERSIONS)
        self._conn.executemany("INSERT INTO orders VALUES (?, ?, ?)", ORDERS)
        self._conn.execute("INSERT INTO visits VALUES ('Mozilla/5.0', 12)")
        self._conn.executemany("INSERT INTO languages VALUES (?, ?, ?)", LANGUAGES)
        self._conn.commit()
        # Injected SQL can read but never change anything.
        self._conn.execute("PRAGMA query_only = ON")
        self._conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQL_MAX_LENGTH)

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Rows of one statement; sqlite3 errors propagate (the pages show them)."""
        with self._lock:
            deadline = time.monotonic() + SQL_TIME_LIMIT
            self._conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            try:
                return list(self._conn.execute(sql, params).fetchall())
            finally:
                self._conn.set_progress_handler(None, 0)

    def close(self) -> None:
        self._conn.close()


@dataclass
class AppState:
    shop: Shop
    directory: Directory
    users_xml: etree._Element
    data_dir: Path
    guestbook: deque[GuestbookEntry] = field(default_factory=lambda: deque(maxlen=GUESTBOOK_SIZE))
    guestbook_safe: deque[GuestbookEntry] = field(
        default_factory=lambda: deque(maxlen=GUESTBOOK_SIZE)
    )
    _tempdir: tempfile.TemporaryDirectory[str] | None = None

    @classmethod
    def create(cls) -> AppState:
        # A short path (the system temp dir), so that the usual "../" x 8 traversal
        # payloads climb to / however deep the repository sits.
        tempdir = tempfile.TemporaryDirectory(prefix="dast-app-")
        data_dir = Path(tempdir.name) / "files"
        data_dir.mkdir()
        for name, text in DATA_FILES.items():
            (data_dir / name).write_text(text, encoding="utf-8")
        users_xml = etree.fromstring(USERS_XML, etree.XMLParser(resolve_entities=False))
        state = cls(
            shop=Shop(),
            directory=Directory.create(),
            users_xml=users_xml,
            data_dir=data_dir,
            _tempdir=tempdir,
        )
        state.guestbook.append(GuestbookEntry("alice", "Lovely shop!"))
        state.guestbook_safe.append(GuestbookEntry("bob", "Quick delivery."))
        return state

    def close(self) -> None:
        self.shop.close()
        self.directory.close()
        if self._tempdir is not None:
            self._tempdir.cleanup()
