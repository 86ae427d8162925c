"""Insecure deserialization (ZAP has none active; wapiti's and Burp's ideas, harmless).

Only values that already are serialized objects are probed: base64 of a Python pickle
(``gASV…``, ``KGRw…``) or of a Java stream (``rO0AB…``), PHP ``serialize()`` output
(``O:8:"stdClass":…``, ``a:2:{…}``, raw or base64), YAML documents and jsonpickle JSON.
The payload has the same format and encoding as the original:

- Python (pickle, PyYAML, jsonpickle): an object whose reconstruction calls
  ``time.sleep(2)``, confirmed by the shared delay check, whose control is the same
  object sleeping 0 seconds (a well-formed object of the same kind that must be fast).
- Java: an object of a class that does not exist, named after a unique token; the
  deserializer's ``ClassNotFoundException`` naming that class proves it read the
  stream. PHP: the same with an unknown class, which PHP turns into a
  ``__PHP_Incomplete_Class``. A second token must show up the same way.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar
from urllib.parse import unquote

from bastion.dast.checks.base import VALUE_LOCATIONS, ActiveRule, Probe
from bastion.dast.checks.detect import decoded_variants, find_text
from bastion.dast.checks.detect_probe import Budgeted, BudgetSpent
from bastion.dast.checks.detect_timing import FIRST_DELAY, confirm_delay
from bastion.dast.model import (
    Confidence,
    DastFinding,
    Exchange,
    HttpRequest,
    InsertionPoint,
    Location,
    ScanInput,
)
from bastion.models import Severity


class Format(StrEnum):
    PICKLE = "Python pickle"
    YAML = "YAML (PyYAML)"
    JSONPICKLE = "jsonpickle"
    JAVA = "Java serialization"
    PHP = "PHP serialize()"


class Wrapping(StrEnum):
    RAW = "raw"
    BASE64 = "base64"
    BASE64URL = "base64url"
    HEX = "hex"


@dataclass(frozen=True, slots=True)
class Serialized:
    format: Format
    wrapping: Wrapping
    padded: bool = True
    # Cookie values with ``=`` or spaces often travel in double quotes (RFC 6265 allows
    # it; Starlette and Python's http.cookies add them): the payload must too.
    quoted: bool = False

    def wrap(self, data: bytes) -> str:
        text = self._encode(data)
        return f'"{text}"' if self.quoted else text

    def _encode(self, data: bytes) -> str:
        if self.wrapping is Wrapping.BASE64:
            text = base64.b64encode(data).decode()
        elif self.wrapping is Wrapping.BASE64URL:
            text = base64.urlsafe_b64encode(data).decode()
        elif self.wrapping is Wrapping.HEX:
            return data.hex()
        else:
            return data.decode("utf-8", "replace")
        return text if self.padded else text.rstrip("=")


_PHP = re.compile(rb'^(?:O:\d+:"[\w\\]+":\d+:\{|a:\d+:\{|C:\d+:"[\w\\]+":\d+:\{)')
_BASE64 = re.compile(r"^[A-Za-z0-9+/]{8,}={0,2}$")
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]{8,}={0,2}$")
_HEX_JAVA = re.compile(r"^aced0005[0-9a-f]+$", re.IGNORECASE)
_YAML_TAG = re.compile(r"!!python/|!ruby/|!!javax?\.|!!map|!!omap")
_YAML_MAPPING = re.compile(r"(?m)^[\w-]+:\s+\S.*\n[\w-]+:\s")


def _kind_of(data: bytes) -> Format | None:
    if data[:2] == b"\xac\xed":
        return Format.JAVA
    if (len(data) > 2 and data[0] == 0x80 and 2 <= data[1] <= 5) or data[:3] in (
        b"(dp",
        b"(lp",
        b"(tp",
        b"ccopy_reg",
    ):
        return Format.PICKLE
    if _PHP.match(data):
        return Format.PHP
    return None


def _b64decode(text: str, urlsafe: bool) -> bytes | None:
    padded = text + "=" * (-len(text) % 4)
    try:
        if urlsafe:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def classify(value: str) -> Serialized | None:
    """The format and encoding of a serialized object in ``value``, if it is one."""
    text = value.strip()
    if len(text) > 2 and text[0] == text[-1] == '"':
        found = _classify(text[1:-1])
        return None if found is None else dataclasses.replace(found, quoted=True)
    return _classify(text)


def _classify(text: str) -> Serialized | None:
    if not text:
        return None
    for candidate in dict.fromkeys((text, unquote(text))):
        raw = candidate.encode("utf-8", "surrogatepass")
        kind = _kind_of(raw)
        if kind is Format.PHP:
            return Serialized(Format.PHP, Wrapping.RAW)
        if candidate.startswith("{") and '"py/' in candidate:
            return Serialized(Format.JSONPICKLE, Wrapping.RAW)
        if (
            _YAML_TAG.search(candidate)
            or candidate.startswith("---")
            or (_YAML_MAPPING.search(candidate))
        ):
            return Serialized(Format.YAML, Wrapping.RAW)
        if _HEX_JAVA.match(candidate):
            return Serialized(Format.JAVA, Wrapping.HEX)
        padded = candidate.endswith("=")
        for pattern, wrapping, urlsafe in (
            (_BASE64, Wrapping.BASE64, False),
            (_BASE64URL, Wrapping.BASE64URL, True),
        ):
            if not pattern.match(candidate):
                continue
            decoded = _b64decode(candidate, urlsafe)
            found = _kind_of(decoded) if decoded else None
            if found is not None:
                return Serialized(found, wrapping, padded or len(candidate) % 4 == 0)
    return None


# -- payloads -------------------------------------------------------------------------


def pickle_sleep(seconds: int) -> bytes:
    """Protocol 0 (read by every unpickler): ``time.sleep(seconds)``."""
    return b"ctime\nsleep\n(I%d\ntR." % seconds


def yaml_sleep(seconds: int) -> bytes:
    return b"!!python/object/apply:time.sleep [%d]" % seconds


def jsonpickle_sleep(seconds: int) -> bytes:
    return b'{"py/reduce": [{"py/function": "time.sleep"}, {"py/tuple": [%d]}]}' % seconds


_SLEEPS: dict[Format, Callable[[int], bytes]] = {
    Format.PICKLE: pickle_sleep,
    Format.YAML: yaml_sleep,
    Format.JSONPICKLE: jsonpickle_sleep,
}


def java_unknown_class(name: str) -> bytes:
    """A serialized object of class ``name`` (which does not exist), no fields."""
    encoded = name.encode()
    return (
        b"\xac\xed\x00\x05"  # magic, version
        + b"\x73\x72"  # TC_OBJECT, TC_CLASSDESC
        + struct.pack(">H", len(encoded))
        + encoded
        + struct.pack(">q", 1)  # serialVersionUID
        + b"\x02\x00\x00"  # SC_SERIALIZABLE, no fields
        + b"\x78\x70"  # TC_ENDBLOCKDATA, no superclass (TC_NULL)
    )


def php_unknown_class(name: str) -> bytes:
    return b'O:%d:"%s":0:{}' % (len(name), name.encode())


_JAVA_ERRORS = re.compile(r"ClassNotFoundException|InvalidClassException|java\.io\.\w+Exception")
_PHP_ERRORS = re.compile(r"__PHP_Incomplete_Class|incomplete object")


class InsecureDeserialization(ActiveRule):
    rule_id: ClassVar[str] = "dast.deserialization"
    name: ClassVar[str] = "Insecure deserialization"
    cwe: ClassVar[int] = 502
    severity: ClassVar[Severity] = Severity.CRITICAL
    confidence: ClassVar[Confidence] = Confidence.HIGH
    description: ClassVar[str] = (
        "The application deserializes objects it receives from the client with a "
        "format that can instantiate arbitrary classes: a crafted object runs code on "
        "the server."
    )
    remediation: ClassVar[str] = (
        "Never deserialize client data with pickle, Java serialization, PHP "
        "unserialize() or unsafe YAML loaders. Use JSON with an explicit schema, "
        "yaml.safe_load, or sign the data (HMAC) and verify before deserializing."
    )
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A08", "WSTG-INPV-11")
    references: ClassVar[tuple[str, ...]] = (
        "https://cheatsheetseries.owasp.org/cheatsheets/Deserialization_Cheat_Sheet.html",
        "https://cwe.mitre.org/data/definitions/502.html",
    )
    locations: ClassVar[frozenset[Location]] = VALUE_LOCATIONS
    # A delay, its control and a second delay; or two unknown classes.
    max_requests: ClassVar[int] = 3
    timing: ClassVar[bool] = True

    def applies_to(self, target: ScanInput, point: InsertionPoint) -> bool:
        return point.location in self.locations and classify(point.value) is not None

    async def scan(self, probe: Probe) -> DastFinding | None:
        serialized = classify(probe.point.value)
        if serialized is None:
            return None
        budget = Budgeted(probe, self.max_requests)
        try:
            if serialized.format in _SLEEPS:
                return await self._delay(budget, serialized)
            return await self._unknown_class(budget, serialized)
        except BudgetSpent:
            return None

    async def _delay(self, probe: Budgeted, serialized: Serialized) -> DastFinding | None:
        build = _SLEEPS[serialized.format]

        async def send(seconds: int) -> Exchange:
            return await probe.send(serialized.wrap(build(seconds)))

        proof = await confirm_delay(send, probe.baseline)
        if proof is None:
            return None
        return self.make_finding(
            request=proof.first.request,
            evidence=f"{serialized.format} ({serialized.wrapping}) object: {proof.evidence}",
            parameter=probe.point.name,
            location=probe.point.location,
            payload=serialized.wrap(build(FIRST_DELAY)),
            confirmations=(proof.control.request, proof.second.request),
        )

    async def _unknown_class(self, probe: Budgeted, serialized: Serialized) -> DastFinding | None:
        java = serialized.format is Format.JAVA
        build = java_unknown_class if java else php_unknown_class
        errors = _JAVA_ERRORS if java else _PHP_ERRORS
        found: list[tuple[Exchange, str, str]] = []
        for suffix in ("a", "b"):
            name = ("bstn.B" if java else "Bstn") + probe.marker().lower() + suffix
            payload = serialized.wrap(build(name))
            exchange = await probe.send(payload)
            text = exchange.response.text
            shown = find_text(text, name)
            if shown is None or not any(errors.search(t) for t in decoded_variants(text)):
                return None
            found.append((exchange, shown, payload))
        (first, shown, payload), (second, _, _) = found
        return self.make_finding(
            request=first.request,
            evidence=(
                f"{serialized.format} ({serialized.wrapping}): the server tried to load the "
                "unknown class named in the object, twice with different names"
            ),
            parameter=probe.point.name,
            location=probe.point.location,
            payload=payload,
            response_excerpt=shown,
            confirmations=(second.request,),
        )

    @classmethod
    def example(cls) -> DastFinding:
        payload = base64.b64encode(pickle_sleep(2)).decode()
        request = HttpRequest("GET", "https://app.example/", cookies=(("session", payload),))
        return cls.make_finding(
            request=request,
            evidence=(
                "Python pickle (base64) object: a 2 s delay payload answered in 2.04 s and a "
                "3 s one in 3.05 s, while the zero-delay control took 0.03 s (baseline 0.02 s)"
            ),
            parameter="session",
            location=Location.COOKIE,
            payload=payload,
        )
