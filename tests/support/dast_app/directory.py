"""An in-memory LDAP directory: ldap3's mock strategy, which parses and evaluates search
filters as an LDAP server would (RFC 4515), malformed filters raising
``LDAPInvalidFilterError``."""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from typing import Any

with warnings.catch_warnings():
    # ldap3 2.9 imports names pyasn1 has deprecated since; nothing to fix on our side.
    warnings.simplefilter("ignore", DeprecationWarning)
    import ldap3  # type: ignore[import-untyped]  # ldap3 ships no type information
    from ldap3.core.exceptions import LDAPException  # type: ignore[import-untyped]
    from ldap3.utils.conv import escape_filter_chars  # type: ignore[import-untyped]

BASE = "ou=people,dc=example,dc=com"
ADMIN = "cn=admin,dc=example,dc=com"
ADMIN_PASSWORD = "directory-admin"
PEOPLE = (
    ("alice", "Alice Liddell", "Sales"),
    ("bob", "Bob Builder", "Works"),
    ("carol", "Carol Singer", "Sales"),
)


class DirectoryError(Exception):
    """A search the directory refused, with the server's message."""


@dataclass(frozen=True, slots=True)
class Person:
    uid: str
    cn: str
    department: str


def escape(value: str) -> str:
    """RFC 4515 escaping of an assertion value."""
    escaped: str = escape_filter_chars(value)
    return escaped


class Directory:
    def __init__(self, connection: Any) -> None:
        # ldap3 is untyped: its connection is Any whatever we write.
        self._conn = connection
        # The mock strategy keeps the last result on the connection: one search at a time.
        self._lock = threading.Lock()

    @classmethod
    def create(cls) -> Directory:
        server = ldap3.Server("directory.example", get_info=ldap3.OFFLINE_SLAPD_2_4)
        conn = ldap3.Connection(
            server, user=ADMIN, password=ADMIN_PASSWORD, client_strategy=ldap3.MOCK_SYNC
        )
        conn.strategy.add_entry(ADMIN, {"userPassword": ADMIN_PASSWORD, "sn": "admin"})
        for uid, cn, department in PEOPLE:
            conn.strategy.add_entry(
                f"uid={uid},{BASE}",
                {
                    "uid": uid,
                    "cn": cn,
                    "sn": cn.split()[-1],
                    "ou": department,
                    "objectClass": ["inetOrgPerson", "person"],
                },
            )
        conn.bind()
        return cls(conn)

    def search(self, ldap_filter: str) -> list[Person]:
        conn = self._conn
        with self._lock:
            try:
                conn.search(BASE, ldap_filter, attributes=["uid", "cn", "ou"])
            except LDAPException as error:
                raise DirectoryError(f"{type(error).__name__}: {error}") from error
            entries = list(conn.entries)
        return sorted(
            (Person(str(e.uid.value), str(e.cn.value), str(e.ou.value)) for e in entries),
            key=lambda person: person.uid,
        )

    def close(self) -> None:
        self._conn.unbind()
