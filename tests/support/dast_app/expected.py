"""What a scan of the test app must report (``EXPECTED``) and must not (``SAFE``), so an
end-to-end test can compute recall and false positives mechanically.

Matching a ``DastFinding`` ``f`` against an entry ``e`` (``ExpectedFinding.matches``,
``SafePlace.flagged_by``):

* class: ``f.cwe == e.cwe``; for passive rules, whose ids are fixed, also
  ``f.rule_id == e.rule_id`` (several passive rules share CWE-693);
* place: ``f.method == e.method`` and ``e.matches_path(path of f.url)``. Paths are
  templates: ``{name}`` stands for one segment, ``{name:path}`` for the rest of the path
  (a finding on a path segment carries its payload in the URL);
* parameter: ``f.parameter`` is ``e.parameter`` or one of ``e.aliases``. Names follow
  ``InsertionPoint.name``: the query/form/cookie/header name, a JSON pointer for JSON
  bodies (``/text``), the element path for XML (``/lookup/name``), ``""`` for the whole
  XML document, the segment index for path segments (``"2"`` in ``/files/raw/x``), None
  where the rule names none;
* scope ``site`` entries (missing security headers, version disclosure) are matched on
  class and origin only: the engine reports them once per site, with whatever URL came
  first. Their ``SAFE`` pages can only be checked by running the rules on those pages
  (``tests/dast/checks/passive/test_against_app.py`` does).

A ``SAFE`` entry with ``kinds`` empty must get no finding at all; otherwise no finding
of those kinds. Findings on places in neither list are neither hits nor false alarms;
``SECONDARY`` lists the real ones among them (side effects of another flaw; there a
``parameter`` of None stands for any parameter).

Some findings need more than crawling: ``/cors/reflect`` answers only requests that
carry an ``Origin`` header; ``/xss/back`` reads ``Referer``; the files under "exposed
files" are linked from nowhere but ``robots.txt`` (``/backup.zip``) and are found by
requesting ``PROBE_PATHS`` of ``bastion.dast.checks.passive.exposed_files``; the ``/xhr``
endpoints need the browser crawler; ``/api`` needs ``/openapi.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from bastion.dast.model import DastFinding, Location


class Kind(StrEnum):
    XSS_REFLECTED = "xss-reflected"
    XSS_STORED = "xss-stored"
    SQLI = "sqli"
    CMDI = "cmdi"
    PATH_TRAVERSAL = "path-traversal"
    OPEN_REDIRECT = "open-redirect"
    SSTI = "ssti"
    XXE = "xxe"
    LDAP_INJECTION = "ldap-injection"
    XPATH_INJECTION = "xpath-injection"
    DESERIALIZATION = "deserialization"
    CRLF = "crlf"
    CSP_MISSING = "csp-missing"
    CSP_WEAK = "csp-weak"
    XCTO_MISSING = "xcto-missing"
    FRAME_MISSING = "frame-missing"
    REFERRER_POLICY_MISSING = "referrer-policy-missing"
    COOKIE_SECURE = "cookie-secure"
    COOKIE_HTTPONLY = "cookie-httponly"
    COOKIE_SAMESITE = "cookie-samesite"
    VERSION_DISCLOSURE = "version-disclosure"
    STACK_TRACE = "stack-trace"
    DIRECTORY_LISTING = "directory-listing"
    CORS = "cors"
    EXPOSED_FILE = "exposed-file"


CWE: dict[Kind, int] = {
    Kind.XSS_REFLECTED: 79,
    Kind.XSS_STORED: 79,
    Kind.SQLI: 89,
    Kind.CMDI: 78,
    Kind.PATH_TRAVERSAL: 22,
    Kind.OPEN_REDIRECT: 601,
    Kind.SSTI: 94,
    Kind.XXE: 611,
    Kind.LDAP_INJECTION: 90,
    Kind.XPATH_INJECTION: 643,
    Kind.DESERIALIZATION: 502,
    Kind.CRLF: 113,
    Kind.CSP_MISSING: 693,
    Kind.CSP_WEAK: 693,
    Kind.XCTO_MISSING: 693,
    Kind.FRAME_MISSING: 1021,
    Kind.REFERRER_POLICY_MISSING: 200,
    Kind.COOKIE_SECURE: 614,
    Kind.COOKIE_HTTPONLY: 1004,
    Kind.COOKIE_SAMESITE: 1275,
    Kind.VERSION_DISCLOSURE: 497,
    Kind.STACK_TRACE: 209,
    Kind.DIRECTORY_LISTING: 548,
    Kind.CORS: 942,
    Kind.EXPOSED_FILE: 538,
}
# The passive rules' ids (src/bastion/dast/checks/passive); active rules' ids are their
# authors' to choose, so active kinds are matched on CWE.
RULE_ID: dict[Kind, str] = {
    Kind.CSP_MISSING: "dast.headers.csp-missing",
    Kind.CSP_WEAK: "dast.headers.csp-weak",
    Kind.XCTO_MISSING: "dast.headers.xcto-missing",
    Kind.FRAME_MISSING: "dast.headers.frame-missing",
    Kind.REFERRER_POLICY_MISSING: "dast.headers.referrer-policy-missing",
    Kind.COOKIE_SECURE: "dast.cookies.no-secure",
    Kind.COOKIE_HTTPONLY: "dast.cookies.no-httponly",
    Kind.COOKIE_SAMESITE: "dast.cookies.no-samesite",
    Kind.VERSION_DISCLOSURE: "dast.disclosure.version-headers",
    Kind.STACK_TRACE: "dast.disclosure.stack-trace",
    Kind.DIRECTORY_LISTING: "dast.disclosure.directory-listing",
    Kind.CORS: "dast.cors.permissive",
    Kind.EXPOSED_FILE: "dast.exposure.sensitive-file",
}
COOKIE_KINDS = (Kind.COOKIE_SECURE, Kind.COOKIE_HTTPONLY, Kind.COOKIE_SAMESITE)
HEADER_KINDS = (
    Kind.CSP_MISSING,
    Kind.CSP_WEAK,
    Kind.XCTO_MISSING,
    Kind.FRAME_MISSING,
    Kind.REFERRER_POLICY_MISSING,
)
SITE_KINDS = (*HEADER_KINDS, Kind.VERSION_DISCLOSURE)


def same_class(kind: Kind, finding: DastFinding) -> bool:
    """The finding is of this kind: same CWE, and the same rule for passive kinds."""
    rule_id = RULE_ID.get(kind)
    return finding.cwe == CWE[kind] and (rule_id is None or finding.rule_id == rule_id)


def _path_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+(?::path)?\})", template)
    regex = "".join(
        (".+" if part.endswith(":path}") else "[^/]+") if part.startswith("{") else re.escape(part)
        for part in parts
    )
    return re.compile(f"^{regex}$")


@dataclass(frozen=True, slots=True)
class ExpectedFinding:
    kind: Kind
    method: str
    path: str
    parameter: str | None
    location: Location | None
    aliases: tuple[str, ...] = ()
    note: str = ""

    @property
    def cwe(self) -> int:
        return CWE[self.kind]

    @property
    def rule_id(self) -> str | None:
        return RULE_ID.get(self.kind)

    @property
    def scope(self) -> str:
        return "site" if self.kind in SITE_KINDS else "endpoint"

    def matches_path(self, path: str) -> bool:
        return bool(_path_regex(self.path).match(path))

    def names(self) -> tuple[str | None, ...]:
        return (self.parameter, *self.aliases)

    def matches(self, finding: DastFinding) -> bool:
        """``finding`` is this expected finding (see the module docstring)."""
        if not same_class(self.kind, finding):
            return False
        if self.scope == "site":
            return True
        return (
            finding.method == self.method
            and self.matches_path(urlsplit(finding.url).path)
            and _same_parameter(self.location, self.names(), finding)
        )


def _same_parameter(
    location: Location | None, names: tuple[str | None, ...], finding: DastFinding
) -> bool:
    # The whole XML document is one insertion point: an XXE finding names the element
    # whose entity reference came back, whichever that is.
    if location is Location.XML_DOCUMENT and finding.location is Location.XML_DOCUMENT:
        return True
    return finding.parameter in names


@dataclass(frozen=True, slots=True)
class SafePlace:
    method: str
    path: str
    parameter: str | None
    location: Location | None
    kinds: tuple[Kind, ...] = ()  # empty: no finding of any kind
    aliases: tuple[str, ...] = ()
    note: str = ""

    def matches_path(self, path: str) -> bool:
        return bool(_path_regex(self.path).match(path))

    def names(self) -> tuple[str | None, ...]:
        return (self.parameter, *self.aliases)

    def flagged_by(self, finding: DastFinding) -> bool:
        """``finding`` is a false alarm on this safe place."""
        if self.kinds and not any(same_class(kind, finding) for kind in self.kinds):
            return False
        return (
            finding.method == self.method
            and self.matches_path(urlsplit(finding.url).path)
            and _same_parameter(self.location, self.names(), finding)
        )


E = ExpectedFinding
S = SafePlace
L = Location
K = Kind
GET, POST = "GET", "POST"

EXPECTED: tuple[ExpectedFinding, ...] = (
    # Reflected XSS: element, attribute and script contexts; every kind of input.
    E(K.XSS_REFLECTED, GET, "/xss/search", "q", L.QUERY, note="element, GET form"),
    E(K.XSS_REFLECTED, GET, "/xss/profile", "name", L.QUERY, note="attribute, link"),
    E(K.XSS_REFLECTED, GET, "/xss/widget", "user", L.QUERY, note="script string"),
    E(K.XSS_REFLECTED, GET, "/xss/filter", "color", L.QUERY_NAME),
    E(K.XSS_REFLECTED, GET, "/xss/filter", "size", L.QUERY_NAME),
    E(K.XSS_REFLECTED, POST, "/xss/fields", "opt_email", L.FORM_NAME),
    E(K.XSS_REFLECTED, POST, "/xss/fields", "opt_sms", L.FORM_NAME),
    E(K.XSS_REFLECTED, GET, "/xss/browser", "User-Agent", L.HEADER, ("user-agent",)),
    E(K.XSS_REFLECTED, GET, "/xss/back", "Referer", L.HEADER, ("referer",), "href"),
    E(K.XSS_REFLECTED, POST, "/xss/preview", "return_to", L.FORM, note="hidden field, href"),
    E(K.XSS_REFLECTED, POST, "/xss/upload", "caption", L.FORM, note="multipart"),
    E(K.XSS_REFLECTED, GET, "/prefs/greeting", "lang", L.COOKIE),
    E(K.XSS_REFLECTED, POST, "/xhr/preview", "/text", L.JSON, ("text",), "browser only"),
    # Stored XSS: the finding names the input that stores; /guestbook shows it.
    E(K.XSS_STORED, POST, "/guestbook/sign", "message", L.FORM),
    # SQL injection: error-based except /sqli/items (boolean only).
    E(K.SQLI, GET, "/sqli/product", "id", L.QUERY, note="numeric"),
    E(K.SQLI, GET, "/sqli/items", "category", L.QUERY, note="boolean-based only"),
    E(K.SQLI, POST, "/sqli/login", "username", L.FORM),
    E(K.SQLI, POST, "/sqli/login", "password", L.FORM),
    E(K.SQLI, GET, "/sqli/visits", "User-Agent", L.HEADER, ("user-agent",)),
    E(K.SQLI, GET, "/prefs/catalog", "lang", L.COOKIE),
    E(K.SQLI, POST, "/xhr/orders", "/customer", L.JSON, ("customer",), "browser only"),
    E(K.SQLI, GET, "/api/products", "search", L.QUERY, note="OpenAPI"),
    E(K.SQLI, GET, "/api/users/{user_id}", "2", L.PATH, ("user_id",), "OpenAPI, numeric"),
    E(K.SQLI, GET, "/api/status", "X-Api-Version", L.HEADER, ("x-api-version",), "OpenAPI"),
    # OS command injection.
    E(K.CMDI, GET, "/cmd/ping", "host", L.QUERY, note="output shown as text/plain"),
    E(K.CMDI, POST, "/cmd/lookup", "domain", L.FORM, note="output HTML-encoded"),
    E(K.CMDI, POST, "/cmd/notify", "email", L.FORM, note="blind: time only, multipart"),
    E(K.CMDI, POST, "/api/ping", "/host", L.JSON, ("host",), "OpenAPI"),
    # Path traversal.
    E(K.PATH_TRAVERSAL, GET, "/files/view", "name", L.QUERY),
    E(K.PATH_TRAVERSAL, GET, "/files/escaped", "name", L.QUERY, note="content HTML-escaped"),
    E(K.PATH_TRAVERSAL, GET, "/files/raw/{name:path}", "2", L.PATH, ("name",)),
    # Open redirect.
    E(K.OPEN_REDIRECT, GET, "/go", "url", L.QUERY, note="Location header"),
    E(K.OPEN_REDIRECT, GET, "/go/meta", "next", L.QUERY, note="meta refresh"),
    E(K.OPEN_REDIRECT, POST, "/account/login", "next", L.FORM, note="hidden field, 303"),
    # Template injection (Jinja2).
    E(K.SSTI, GET, "/ssti/greet", "name", L.QUERY),
    E(K.SSTI, POST, "/ssti/preview", "body", L.FORM),
    E(K.SSTI, POST, "/api/render", "/template", L.JSON, ("template",), "OpenAPI"),
    # XXE: the whole document is the insertion point.
    E(K.XXE, POST, "/xml/import", None, L.XML_DOCUMENT, ("",), "browser only"),
    E(K.LDAP_INJECTION, GET, "/ldap/people", "user", L.QUERY),
    E(K.XPATH_INJECTION, GET, "/xpath/user", "name", L.QUERY),
    E(
        K.XPATH_INJECTION,
        POST,
        "/xhr/user-lookup",
        "/lookup/name",
        L.XML,
        ("lookup/name", "/lookup/name/text()", "name"),
        "browser only",
    ),
    E(K.DESERIALIZATION, GET, "/cart/view", "cart", L.COOKIE, note="base64 pickle"),
    E(K.DESERIALIZATION, POST, "/yaml/import", "config", L.FORM, note="yaml.unsafe_load"),
    E(K.CRLF, GET, "/crlf/lang", "lang", L.QUERY),
    # Passive, once per site.
    E(K.CSP_MISSING, GET, "/", None, None),
    E(K.CSP_WEAK, GET, "/weak-csp/", None, None),
    E(K.XCTO_MISSING, GET, "/", None, None),
    E(K.FRAME_MISSING, GET, "/", None, None),
    E(K.REFERRER_POLICY_MISSING, GET, "/", None, None),
    E(K.VERSION_DISCLOSURE, GET, "/about", None, None),
    # Passive, per endpoint: each of these cookies lacks exactly one flag.
    E(K.COOKIE_SECURE, GET, "/session/start", "sid", None),
    E(K.COOKIE_HTTPONLY, GET, "/session/start", "ui_prefs", None),
    E(K.COOKIE_SAMESITE, GET, "/session/start", "tracker", None),
    E(K.STACK_TRACE, GET, "/debug/error", None, None),
    E(K.DIRECTORY_LISTING, GET, "/pub/", None, None),
    E(K.CORS, GET, "/cors/wildcard", None, None, note="ACAO * with credentials"),
    E(K.CORS, GET, "/cors/reflect", None, None, note="needs an Origin header"),
    E(K.EXPOSED_FILE, GET, "/.git/HEAD", None, None),
    E(K.EXPOSED_FILE, GET, "/.git/config", None, None),
    E(K.EXPOSED_FILE, GET, "/.env", None, None),
    E(K.EXPOSED_FILE, GET, "/backup.zip", None, None),
    E(K.EXPOSED_FILE, GET, "/index.php.bak", None, None),
)

SAFE: tuple[SafePlace, ...] = (
    S(GET, "/xss/search-safe", "q", L.QUERY),
    S(GET, "/xss/profile-safe", "name", L.QUERY),
    S(GET, "/xss/widget-safe", "user", L.QUERY),
    S(GET, "/xss/filter-safe", "color", L.QUERY_NAME),
    S(GET, "/xss/filter-safe", "size", L.QUERY_NAME),
    S(POST, "/xss/fields-safe", "opt_email", L.FORM_NAME),
    S(POST, "/xss/fields-safe", "opt_sms", L.FORM_NAME),
    S(GET, "/xss/browser-safe", "User-Agent", L.HEADER, aliases=("user-agent",)),
    S(GET, "/xss/back-safe", "Referer", L.HEADER, aliases=("referer",)),
    S(POST, "/xss/preview", "title", L.FORM, note="escaped, beside a vulnerable field"),
    S(POST, "/xss/preview-safe", "title", L.FORM),
    S(POST, "/xss/preview-safe", "return_to", L.FORM),
    S(POST, "/xss/upload-safe", "caption", L.FORM),
    S(GET, "/prefs/greeting-safe", "lang", L.COOKIE),
    S(POST, "/xhr/preview-safe", "/text", L.JSON, aliases=("text",)),
    S(POST, "/guestbook/sign", "name", L.FORM, note="names are escaped on display"),
    S(POST, "/guestbook-safe/sign", "message", L.FORM),
    S(POST, "/guestbook-safe/sign", "name", L.FORM),
    S(GET, "/sqli/product-safe", "id", L.QUERY),
    S(GET, "/sqli/items-safe", "category", L.QUERY),
    S(POST, "/sqli/login-safe", "username", L.FORM),
    S(POST, "/sqli/login-safe", "password", L.FORM),
    S(GET, "/sqli/visits-safe", "User-Agent", L.HEADER, aliases=("user-agent",)),
    S(GET, "/prefs/catalog-safe", "lang", L.COOKIE),
    S(POST, "/xhr/orders-safe", "/customer", L.JSON, aliases=("customer",)),
    S(GET, "/api/products-safe", "search", L.QUERY),
    S(GET, "/api/users-safe/{user_id}", "2", L.PATH, aliases=("user_id",)),
    S(GET, "/api/status-safe", "X-Api-Version", L.HEADER, aliases=("x-api-version",)),
    S(GET, "/cmd/ping-safe", "host", L.QUERY, note="echoes the value: naive markers match"),
    S(POST, "/cmd/lookup-safe", "domain", L.FORM),
    S(POST, "/cmd/notify-safe", "email", L.FORM),
    S(POST, "/api/ping-safe", "/host", L.JSON, aliases=("host",)),
    S(GET, "/files/safe", "name", L.QUERY),
    S(GET, "/files/download/{name:path}", "2", L.PATH, aliases=("name",)),
    S(GET, "/go-safe", "url", L.QUERY),
    S(GET, "/go/meta-safe", "next", L.QUERY),
    S(POST, "/account/login-safe", "next", L.FORM),
    S(POST, "/account/login", "username", L.FORM),
    S(POST, "/account/login", "password", L.FORM),
    S(GET, "/ssti/greet-safe", "name", L.QUERY),
    S(POST, "/ssti/preview-safe", "body", L.FORM),
    S(POST, "/api/render-safe", "/template", L.JSON, aliases=("template",)),
    S(POST, "/xml/import-safe", None, L.XML_DOCUMENT, aliases=("",)),
    S(POST, "/xhr/user-lookup", None, L.XML_DOCUMENT, (K.XXE,), ("",), "parsed safely"),
    S(POST, "/xhr/user-lookup-safe", None, L.XML_DOCUMENT, aliases=("",)),
    S(GET, "/ldap/people-safe", "user", L.QUERY),
    S(GET, "/xpath/user-safe", "name", L.QUERY),
    S(POST, "/xhr/user-lookup-safe", "/lookup/name", L.XML, aliases=("lookup/name", "name")),
    S(GET, "/cart/view-safe", "cart_json", L.COOKIE),
    S(GET, "/cart/view", "cart_json", L.COOKIE, note="read by the safe page only"),
    S(POST, "/yaml/import-safe", "config", L.FORM),
    S(GET, "/crlf/lang-safe", "lang", L.QUERY),
    # Passive.
    S(GET, "/secure/", None, None, HEADER_KINDS, note="site scope: run the rules directly"),
    S(GET, "/secure/about", None, None, (*HEADER_KINDS, K.VERSION_DISCLOSURE)),
    S(GET, "/weak-csp/", None, None, tuple(k for k in HEADER_KINDS if k != K.CSP_WEAK)),
    S(GET, "/session/start", "auth", None, COOKIE_KINDS, note="every flag"),
    S(GET, "/session/start", "sid", None, (K.COOKIE_HTTPONLY, K.COOKIE_SAMESITE)),
    S(GET, "/session/start", "ui_prefs", None, (K.COOKIE_SECURE, K.COOKIE_SAMESITE)),
    S(GET, "/session/start", "tracker", None, (K.COOKIE_SECURE, K.COOKIE_HTTPONLY)),
    S(GET, "/prefs", "lang", None, COOKIE_KINDS),
    S(GET, "/cart", "cart", None, COOKIE_KINDS),
    S(GET, "/cart", "cart_json", None, COOKIE_KINDS),
    S(GET, "/debug/error-safe", None, None, (K.STACK_TRACE,)),
    S(GET, "/docs/", None, None, (K.DIRECTORY_LISTING,), note="403"),
    S(GET, "/cors/allowlist", None, None, (K.CORS,)),
    S(GET, "/cors/public", None, None, (K.CORS,), note="ACAO * without credentials"),
    S(GET, "/shop/.env", None, None, (K.EXPOSED_FILE,), note="soft 404 with status 200"),
    S(GET, "/shop/backup.zip", None, None, (K.EXPOSED_FILE,), note="soft 404"),
    S(GET, "/shop/.git/HEAD", None, None, (K.EXPOSED_FILE,), note="soft 404"),
)

# Real findings that are side effects of another flaw: neither required nor false.
SECONDARY: tuple[ExpectedFinding, ...] = (
    E(K.XSS_REFLECTED, GET, "/crlf/lang", "lang", L.QUERY, note="CR LF CR LF starts the body"),
    E(K.COOKIE_SECURE, GET, "/crlf/lang", None, None, note="an injected Set-Cookie line"),
    E(K.COOKIE_HTTPONLY, GET, "/crlf/lang", None, None, note="an injected Set-Cookie line"),
    E(K.COOKIE_SAMESITE, GET, "/crlf/lang", None, None, note="an injected Set-Cookie line"),
    E(K.SSTI, GET, "/cmd/ping", "host", L.QUERY, note="the shell evaluates $((7*7))"),
    E(K.CMDI, GET, "/ssti/greet", "name", L.QUERY, note="Jinja2 can run commands"),
)
