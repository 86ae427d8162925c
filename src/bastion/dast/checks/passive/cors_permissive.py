"""Cross-origin resource sharing that lets any site read responses: the request's
``Origin`` echoed back, ``null`` trusted, or ``*`` together with credentials (CWE-942).

A passive rule sees one exchange: it can tell reflection only when the request carried
an ``Origin`` of another site (the engine sends one on some requests). An allow-listed
partner origin echoed back looks the same, hence medium confidence for reflections.
"""

from __future__ import annotations

from typing import ClassVar

from bastion.dast.checks.base import PassiveRule
from bastion.dast.checks.passive._page import origin
from bastion.dast.model import Confidence, DastFinding, Exchange, HttpRequest
from bastion.models import Severity


def cors_problem(
    request_url: str, request_origin: str | None, allow_origin: str, credentials: bool
) -> tuple[str, Severity, Confidence] | None:
    """What is wrong with the CORS answer, how bad and how sure; None when nothing is."""
    allowed = allow_origin.strip()
    with_credentials = " with Access-Control-Allow-Credentials: true" if credentials else ""
    if allowed == "*":
        if not credentials:
            return None  # public data: what '*' is for
        return (
            "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true "
            "(any origin is trusted; frameworks that emit this usually reflect the origin "
            "for credentialed requests)",
            Severity.MEDIUM,
            Confidence.HIGH,
        )
    if allowed.lower() == "null":
        if not credentials:
            return None
        return (
            "Access-Control-Allow-Origin: null with Access-Control-Allow-Credentials: true "
            "(sandboxed frames and data: URLs of any site have the null origin)",
            Severity.HIGH,
            Confidence.HIGH,
        )
    if not request_origin:
        return None
    asked = origin(request_origin)
    if not asked or origin(allowed) != asked or asked == origin(request_url):
        return None
    return (
        f"The request's Origin {request_origin[:100]} (another site) is echoed in "
        f"Access-Control-Allow-Origin{with_credentials}",
        Severity.HIGH if credentials else Severity.LOW,
        Confidence.MEDIUM,
    )


class PermissiveCorsRule(PassiveRule):
    rule_id: ClassVar[str] = "dast.cors.permissive"
    name: ClassVar[str] = "Permissive cross-origin resource sharing"
    cwe: ClassVar[int] = 942
    severity: ClassVar[Severity] = Severity.MEDIUM
    confidence: ClassVar[Confidence] = Confidence.MEDIUM
    scope: ClassVar[str] = "endpoint"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-CLNT-07")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/942.html",
        "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/11-Client-side_Testing/07-Testing_Cross_Origin_Resource_Sharing",
        "https://portswigger.net/web-security/cors",
    )
    description: ClassVar[str] = (
        "The response's CORS headers let other sites read it: the Origin the request "
        "came from is echoed back (so every site is allowed), the null origin is trusted "
        "with credentials, or '*' is combined with Access-Control-Allow-Credentials. With "
        "credentials, any web page a logged-in user visits can read that user's data."
    )
    remediation: ClassVar[str] = (
        "Compare the Origin header with an explicit allow-list of full origins "
        "(scheme, host and port) before echoing it, never trust null, send "
        "Access-Control-Allow-Credentials only for allow-listed origins, and add "
        '"Vary: Origin".'
    )

    def check(self, exchange: Exchange) -> list[DastFinding]:
        response = exchange.response
        allow_origin = response.header("access-control-allow-origin")
        if allow_origin is None:
            return []
        credentials = (response.header("access-control-allow-credentials") or "").strip()
        problem = cors_problem(
            exchange.request.url,
            exchange.request.header("origin"),
            allow_origin,
            credentials.lower() == "true",
        )
        if problem is None:
            return []
        evidence, severity, confidence = problem
        return [
            self.make_finding(
                request=exchange.request,
                evidence=evidence,
                severity=severity,
                confidence=confidence,
            )
        ]

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest(
                "GET",
                "https://shop.example/api/account",
                headers=(("Origin", "https://attacker.example"),),
            ),
            evidence=(
                "The request's Origin https://attacker.example (another site) is echoed in "
                "Access-Control-Allow-Origin with Access-Control-Allow-Credentials: true"
            ),
            severity=Severity.HIGH,
        )


# The engine sends each crawled endpoint once more with this Origin (a site that is
# never the target's), so that this rule can tell an echoed origin from an allow-list.
PROBE_ORIGIN = "https://bastion-cors-probe.example"
