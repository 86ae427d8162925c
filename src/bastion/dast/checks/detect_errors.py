"""Error messages that give an injection away: SQL (five database engines), LDAP and
XPath.

Patterns follow ZAP's ``SqlInjectionScanRule``/``DbmsErrors`` and sqlmap's
``errors.xml``, trimmed to messages that name the engine or its driver: a bare "syntax
error" says nothing about where the input went. Messages about type conversion
(PostgreSQL's "invalid input syntax for integer", SQL Server's "Conversion failed") are
left out on purpose: a parameterised query raises them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bastion.dast.checks.detect import decoded_variants, match_excerpt
from bastion.dast.model import HttpResponse


def _compile(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


SQL_ERRORS: dict[str, tuple[re.Pattern[str], ...]] = {
    "MySQL": _compile(
        r"SQL syntax.{0,200}?MySQL",
        r"Warning.{0,200}?\Wmysqli?_",
        r"MySQLSyntaxErrorException",
        r"valid MySQL result",
        r"check the manual that (?:corresponds|fits) to your (?:MySQL|MariaDB) server version",
        r"MySqlClient\.",
        r"com\.mysql\.jdbc",
        r"Zend_Db_(?:Adapter|Statement)_Mysqli_Exception",
        r"Pdo[./_\\]Mysql",
        r"MySqlException",
        r"SQLSTATE\[\d+\]: Syntax error or access violation",
        r"MySQLdb\._exceptions\.ProgrammingError",
        r"pymysql\.err\.ProgrammingError",
    ),
    "PostgreSQL": _compile(
        r"PostgreSQL.{0,200}?ERROR",
        r"Warning.{0,200}?\Wpg_",
        r"valid PostgreSQL result",
        r"Npgsql\.",
        r"PG::SyntaxError:",
        r"org\.postgresql\.util\.PSQLException",
        r"ERROR:\s+syntax error at or near",
        r"ERROR: parser: parse error at or near",
        r"PostgreSQL query failed",
        r"Pdo[./_\\]Pgsql",
        r"psycopg2?\.(?:errors\.)?SyntaxError",
        r"unterminated quoted string at or near",
    ),
    "Microsoft SQL Server": _compile(
        r"Driver.{0,200}? SQL[\-_ ]*Server",
        r"OLE DB.{0,200}? SQL Server",
        r"\bSQL Server[^<\"]{1,200}Driver",
        r"Warning.{0,200}?\W(?:mssql|sqlsrv)_",
        r"System\.Data\.SqlClient\.(?:SqlException|SqlConnection\.OnError)",
        r"Microsoft SQL Native Client error '[0-9a-fA-F]{8}",
        r"\[SQL Server\]",
        r"ODBC SQL Server Driver",
        r"ODBC Driver \d+ for SQL Server",
        r"SQLServer JDBC Driver",
        r"com\.microsoft\.sqlserver\.jdbc",
        r"Pdo[./_\\](?:Mssql|SqlSrv)",
        r"Unclosed quotation mark after the character string",
        r"Incorrect syntax near '",
    ),
    "Oracle": _compile(
        r"\bORA-0(?:0933|0936|1756|0907|0904|1789)\b",
        r"Oracle error",
        r"Warning.{0,200}?\W(?:oci|ora)_",
        r"quoted string not properly terminated",
        r"SQL command not properly ended",
        r"oracle\.jdbc",
        r"Zend_Db_(?:Adapter|Statement)_Oracle_Exception",
        r"Pdo[./_\\](?:Oracle|OCI)",
        r"OracleException",
    ),
    "SQLite": _compile(
        r"SQLite/JDBCDriver",
        r"SQLite\.Exception",
        r"(?:Microsoft|System)\.Data\.SQLite\.SQLiteException",
        r"Warning.{0,200}?\W(?:sqlite_|SQLite3::)",
        r"\[SQLITE_ERROR\]",
        r"SQLite error \d+:",
        r"sqlite3\.OperationalError",
        r"SQLite3::SQLException",
        r"org\.sqlite\.JDBC",
        r"Pdo[./_\\]Sqlite",
        r"SQLiteException",
        r"unrecognized token: \"",
        r"near \"[^\"\n]{0,100}\": syntax error",
    ),
}

LDAP_ERRORS: dict[str, tuple[re.Pattern[str], ...]] = {
    "LDAP": _compile(
        r"javax\.naming\.directory\.InvalidSearchFilterException",
        r"javax\.naming\.NamingException",
        r"com\.sun\.jndi\.ldap",
        r"Bad search filter",
        r"ldap_search(?:_ext)?\(\)",
        r"Search: Bad search filter",
        r"The search filter is (?:incorrect|invalid)",
        r"The search filter cannot be recognized",
        r"Invalid (?:search )?filter(?: syntax)?\b.{0,40}LDAP",
        r"LDAP.{0,40}Invalid (?:search )?filter",
        r"ldap\.FILTER_ERROR|FILTER_ERROR",
        r"LDAPException",
        r"Protocol error occurred",
        r"IPWorksASP\.LDAP",
        r"Module Products\.LDAPMultiPlugins",
        r"ldap3\.core\.exceptions\.LDAP\w*Filter\w*Error",
        r"LDAPInvalidFilterError",
        r"System\.DirectoryServices\.Protocols\.LdapException",
        r"The (?:LDAP|search) filter is (?:malformed|not valid)",
    ),
}

XPATH_ERRORS: dict[str, tuple[re.Pattern[str], ...]] = {
    "XPath": _compile(
        r"XPathEvalError",
        r"XPathSyntaxError",
        r"lxml\.etree\.XPath",
        r"xmlXPathEval: evaluation failed",
        r"xmlXPathCompOpEval",
        r"javax\.xml\.xpath\.XPathExpressionException",
        r"javax\.xml\.transform\.TransformerException",
        r"org\.apache\.xpath\.XPath",
        r"com\.sun\.org\.apache\.xpath",
        r"System\.Xml\.XPath\.XPathException",
        r"MS\.Internal\.Xml\.",
        r"XPathException",
        r"SimpleXMLElement::xpath\(\)",
        r"DOMXPath::(?:query|evaluate)\(\)",
        r"Invalid XPath expression",
        r"Unknown error in XPath",
        r"Expression must evaluate to a node-set",
        r"Expected token '\]'",
        r"A closing bracket expected in",
        r"Empty Path Expression",
        r"Empty Relative Location Path",
        r"libxml2 library function failed",
        r"msxml[34]\.dll",
        r"Invalid predicate",
        r"Unfinished literal",
    ),
}


@dataclass(frozen=True, slots=True)
class ErrorMatch:
    kind: str  # "MySQL", "LDAP", "XPath"…
    text: str  # the matched message
    excerpt: str


def find_errors(text: str, table: dict[str, tuple[re.Pattern[str], ...]]) -> Iterator[ErrorMatch]:
    """Every signature of ``table`` found in a decoded form of ``text``, table order."""
    variants = decoded_variants(text)
    for kind, patterns in table.items():
        for pattern in patterns:
            for variant in variants:
                match = pattern.search(variant)
                if match is not None:
                    yield ErrorMatch(kind, match.group(0), match_excerpt(match))
                    break


def find_error(text: str, table: dict[str, tuple[re.Pattern[str], ...]]) -> ErrorMatch | None:
    return next(find_errors(text, table), None)


def new_error(
    response: HttpResponse,
    baseline: HttpResponse,
    table: dict[str, tuple[re.Pattern[str], ...]],
) -> ErrorMatch | None:
    """The first error signature in ``response`` whose message the baseline lacks."""
    before = decoded_variants(baseline.text)
    for found in find_errors(response.text, table):
        if not any(found.text in variant for variant in before):
            return found
    return None
