"""Does this endpoint read this cookie at all? One request instead of every rule's.

Crawled requests carry every cookie of the site, to every endpoint: a site with seven
cookies would have each rule probe seven cookies on every path, most of which the page
never looks at (on the test app that was two thirds of all requests). Before the rules
run on a cookie (or an invented header name), the engine sends one request whose value is
replaced by a marker and quote/bracket characters; only if the answer changes (another
status, the marker shown, different content) do the rules get the point. Replaced, not
appended: a base64 value decodes the same with anything after its ``=`` padding (a
pickled cart cookie ignored an appended marker and looked unread).

Comparing needs a page that answers the same twice: the input is requested once more
first, and pages that differ by more than digits and random-looking tokens (counters,
timestamps, CSRF tokens) skip the gate and get every rule, as before.
"""

from __future__ import annotations

import re

from bastion.dast.model import HttpResponse, InsertionPoint, Location

GATED_LOCATIONS: frozenset[Location] = frozenset({Location.COOKIE, Location.HEADER_NAME})
# Characters that break out of SQL strings, shell words and HTML: an endpoint that uses
# the value unsafely tends to show it (an error page) even when it never prints it.
BREAKERS = "'\"<"

# Digit runs and long tokens: what legitimately changes between two loads of one page.
_VOLATILE = re.compile(r"\d+|[A-Za-z0-9+/_=-]{20,}")


def gate_payload(point: InsertionPoint, marker: str) -> str:
    """Appended to the point's value. Header names only take a marker: quotes or ``<``
    there make the request invalid before it leaves."""
    return marker if point.location is Location.HEADER_NAME else marker + BREAKERS


def normalise(response: HttpResponse, *, remove: str = "") -> tuple[int, str]:
    text = response.text
    if remove:
        text = text.replace(remove, "")
    return response.status, _VOLATILE.sub("", text)


def is_stable(baseline: HttpResponse, again: HttpResponse) -> bool:
    """The page answered the same twice, volatile parts aside."""
    return normalise(baseline) == normalise(again)


def reads_point(baseline: HttpResponse, gated: HttpResponse, marker: str, payload: str) -> bool:
    """Whether the answer to the gate request shows that the endpoint used the value."""
    if gated.status != baseline.status or marker in gated.text:
        return True
    return normalise(gated, remove=payload) != normalise(baseline)
