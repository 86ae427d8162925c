"""Scan inputs from an API definition: OpenAPI 3.x or Swagger 2.0, JSON or YAML, read from
a file or fetched from the target.

One request per operation, with every parameter (path, query, header, cookie) and the
request body filled from the schemas: ``example``/``examples``/``default``/``enum`` first,
else a value of the right type and format within the declared bounds. Local ``$ref``s
are resolved (a cyclic schema stops at the repeat); anything the builder cannot use
becomes a note. Definitions come from users and targets alike, so the builder checks
the type of every node it reads and bounds every walk.
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit, urlunsplit
from xml.etree.ElementTree import Element, SubElement, tostring

import orjson
import yaml

from bastion.dast.crawler.errors import ClientStopped, OpenApiError, TargetError
from bastion.dast.crawler.forms import (
    Field,
    Upload,
    encode_multipart,
    multipart_content_type,
)
from bastion.dast.crawler.frontier import normalize_url
from bastion.dast.crawler.scope import origin
from bastion.dast.model import HttpRequest

MAX_DEFINITION_BYTES = 32 * 1024 * 1024
MAX_OPERATIONS = 10_000
MAX_SCHEMA_DEPTH = 10
MAX_VALUE_NODES = 2_000  # per request: bounds examples and generated bodies alike
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Header parameters OpenAPI says to ignore: the scan sets these itself.
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_BODY_PREFERENCE = (
    "application/json",
    "+json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/xml",
    "text/xml",
    "+xml",
    "text/plain",
)
_STRING_FORMATS = {
    "email": "bastion@example.com",
    "idn-email": "bastion@example.com",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "date": "2024-01-01",
    "date-time": "2024-01-01T12:00:00Z",
    "time": "12:00:00",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uri-reference": "/bastion",
    "hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "byte": "YmFzdGlvbg==",
    "binary": "bastion",
    "password": "Bastion-Passw0rd!",
}
_VARIABLE = re.compile(r"\{([^{}/]+)\}")


class _Cycle:
    """A schema that refers back to itself: the property or item is left out."""


_CYCLE = _Cycle()


@dataclass(frozen=True, slots=True)
class OpenApiImport:
    requests: tuple[HttpRequest, ...]
    notes: tuple[str, ...] = ()


def read_definition(source: str) -> bytes:
    """The bytes of a definition file. Raises :class:`OpenApiError`."""
    path = Path(source.removeprefix("file://"))
    try:
        size = path.stat().st_size
        if size > MAX_DEFINITION_BYTES:
            raise OpenApiError(f"{source}: larger than {MAX_DEFINITION_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise OpenApiError(f"{source}: cannot read the definition", detail=str(exc)) from exc


def parse_definition(data: bytes, source: str) -> dict[str, object]:
    """JSON or YAML into a mapping. Raises :class:`OpenApiError`."""
    try:
        document: object = orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            document = yaml.load(data, Loader=_YAML_LOADER)
        except (yaml.YAMLError, ValueError, RecursionError) as exc:
            raise OpenApiError(f"{source}: neither JSON nor YAML", detail=str(exc)) from exc
    if not isinstance(document, dict):
        raise OpenApiError(f"{source}: the definition is not a mapping")
    return document


def build_requests(
    document: object,
    *,
    base_url: str,
    target: str,
    in_scope: Callable[[str], bool] | None = None,
) -> OpenApiImport:
    """One request per operation. ``base_url`` resolves relative server URLs (the
    definition's own URL, or the target for a file); servers outside ``in_scope``
    (default: the target's origin) are replaced by the target's origin. Raises
    :class:`OpenApiError` when ``document`` is not an OpenAPI 3.x / Swagger 2.0
    definition, and nothing else."""
    if not isinstance(document, dict):
        raise OpenApiError("the definition is not a mapping")
    if in_scope is None:
        target_origin = origin(target)

        def in_scope(url: str) -> bool:
            return origin(url) == target_origin

    version = document.get("openapi")
    swagger = document.get("swagger")
    if isinstance(version, str) and version.startswith("3."):
        builder: _Builder = _OpenApi3(document, base_url, target, in_scope)
    elif str(swagger).startswith("2"):
        builder = _Swagger2(document, base_url, target, in_scope)
    else:
        raise OpenApiError(
            "not an OpenAPI 3.x or Swagger 2.0 definition"
            " (no 'openapi: 3.x' or 'swagger: \"2.0\"' field)"
        )
    paths = document.get("paths")
    if not isinstance(paths, dict):
        raise OpenApiError("the definition has no 'paths' mapping")
    return builder.build(paths)


async def load_openapi(
    source: str,
    *,
    target: str,
    fetch: Callable[[str], Awaitable[bytes]],
    in_scope: Callable[[str], bool] | None = None,
) -> OpenApiImport:
    """Read (a path) or fetch (an http(s) URL, with ``fetch``, which returns the body or
    raises TargetError) and build. Raises :class:`OpenApiError`; ClientStopped passes."""
    if source.startswith(("http://", "https://")):
        try:
            data = await fetch(source)
        except (OpenApiError, ClientStopped):
            raise
        except TargetError as exc:
            raise OpenApiError(f"{source}: cannot fetch the definition", detail=str(exc)) from exc
        base = source
    else:
        data = read_definition(source)
        base = target
    return build_requests(
        parse_definition(data, source), base_url=base, target=target, in_scope=in_scope
    )


_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Builder:
    """What both versions share: $ref resolution, values from schemas, URL assembly."""

    def __init__(
        self,
        document: dict[str, object],
        base_url: str,
        target: str,
        in_scope: Callable[[str], bool],
    ) -> None:
        self.document = document
        self.base_url = base_url
        self.target = target
        self.in_scope = in_scope
        self.notes: list[str] = []
        self.budget = MAX_VALUE_NODES

    # -- per version -------------------------------------------------------------------

    def servers(self) -> list[str]:
        raise NotImplementedError

    def operation(
        self, method: str, url: str, parameters: list[dict[str, object]], op: dict[str, object]
    ) -> HttpRequest | None:
        raise NotImplementedError

    # -- shared ------------------------------------------------------------------------

    def build(self, paths: dict[object, object]) -> OpenApiImport:
        requests: list[HttpRequest] = []
        default_server = self._server(self.servers())
        count = 0
        for raw_path, raw_item in paths.items():
            item = self.deref(raw_item)
            if not isinstance(raw_path, str) or not isinstance(item, dict):
                continue
            shared = self.parameters(item.get("parameters"))
            item_server = self._server(self._server_urls(item.get("servers")))
            for method in _HTTP_METHODS:
                op = self.deref(item.get(method))
                if not isinstance(op, dict):
                    continue
                count += 1
                if count > MAX_OPERATIONS:
                    self.note(f"more than {MAX_OPERATIONS} operations; the rest is skipped")
                    return OpenApiImport(tuple(requests), tuple(self.notes))
                server = (
                    self._server(self._server_urls(op.get("servers")))
                    or item_server
                    or default_server
                )
                parameters = _merge_parameters(shared, self.parameters(op.get("parameters")))
                self.budget = MAX_VALUE_NODES
                url = server.rstrip("/") + "/" + raw_path.lstrip("/")
                request = self.operation(method.upper(), url, parameters, op)
                if request is not None:
                    requests.append(request)
        if not requests:
            self.note("the definition has no operations")
        return OpenApiImport(tuple(requests), tuple(self.notes))

    def note(self, text: str) -> None:
        note = f"openapi: {text}"
        if note not in self.notes and len(self.notes) < 20:
            self.notes.append(note)

    def _server_urls(self, servers: object) -> list[str]:
        urls = []
        for server in servers if isinstance(servers, list) else []:
            if not isinstance(server, dict) or not isinstance(server.get("url"), str):
                continue
            variables = server.get("variables")
            variables = variables if isinstance(variables, dict) else {}

            def fill(match: re.Match[str], variables: dict[object, object] = variables) -> str:
                variable = variables.get(match.group(1))
                if isinstance(variable, dict):
                    default = variable.get("default")
                    enum = variable.get("enum")
                    if default is not None:
                        return str(default)
                    if isinstance(enum, list) and enum:
                        return str(enum[0])
                return match.group(0)

            urls.append(_VARIABLE.sub(fill, str(server["url"])))
        return urls

    def _server(self, urls: list[str]) -> str:
        """The first usable server, made absolute and brought into scope; "" for none."""
        for raw in urls:
            try:
                url = normalize_url(urljoin(self.base_url, raw))
            except ValueError:
                url = None
            if url is None:
                continue
            url = url.split("?", 1)[0]
            if not self.in_scope(url):
                rebased = _rebase(url, self.target)
                self.note(f"server {url} is out of scope; using {rebased} instead")
                return rebased
            return url
        return ""

    def deref(self, node: object, stack: tuple[str, ...] = ()) -> object:
        """Follow ``$ref`` chains (local ones only) to the node they name."""
        seen = set(stack)
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = str(node["$ref"])
            if ref in seen:
                return None
            seen.add(ref)
            node = self.resolve(ref)
        return node

    def resolve(self, ref: str) -> object:
        if not ref.startswith("#"):
            self.note(f"external $ref {ref[:200]} is not followed")
            return None
        node: object = self.document
        for raw in ref[1:].split("/")[1:]:
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                self.note(f"unresolvable $ref {ref[:200]}")
                return None
        return node

    def parameters(self, raw: object) -> list[dict[str, object]]:
        parameters = []
        for item in raw if isinstance(raw, list) else []:
            parameter = self.deref(item)
            if (
                isinstance(parameter, dict)
                and isinstance(parameter.get("name"), str)
                and isinstance(parameter.get("in"), str)
            ):
                parameters.append(parameter)
        return parameters

    def value(self, schema: object, stack: tuple[str, ...] = (), depth: int = 0) -> object:
        """An example value for ``schema``; ``_CYCLE`` where the schema repeats itself."""
        if depth > MAX_SCHEMA_DEPTH or self.budget <= 0:
            return _CYCLE
        self.budget -= 1
        if not isinstance(schema, dict):
            return "bastion"
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in stack:
                return _CYCLE
            resolved = self.resolve(ref)
            if resolved is None:
                return "bastion"
            return self.value(resolved, (*stack, ref), depth + 1)
        for key in ("example", "default", "const"):
            if key in schema and schema[key] is not None:
                return self.bounded(schema[key])
        examples = schema.get("examples")
        if isinstance(examples, list) and examples:
            return self.bounded(examples[0])
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return self.bounded(enum[0])
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and all_of:
            merged: dict[str, object] = {}
            for part in all_of:
                part_value = self.value(part, stack, depth + 1)
                if isinstance(part_value, dict):
                    merged.update(part_value)
                elif not isinstance(part_value, _Cycle) and not merged:
                    return part_value
            if not merged and not schema.get("properties"):
                return merged
            own = self._object(schema, stack, depth)
            return {**merged, **own}
        for key in ("oneOf", "anyOf"):
            choices = schema.get(key)
            if isinstance(choices, list) and choices:
                return self.value(choices[0], stack, depth + 1)
        kind = _type(schema)
        if kind == "object":
            return self._object(schema, stack, depth)
        if kind == "array":
            item = self.value(schema.get("items"), stack, depth + 1)
            if isinstance(item, _Cycle):
                return []
            count = _bounded_int(schema.get("minItems"), 1, 3)
            return [item] * max(count, 1)
        if kind == "integer":
            return _integer(schema)
        if kind == "number":
            return _number(schema)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return _string(schema)

    def _object(
        self, schema: dict[object, object], stack: tuple[str, ...], depth: int
    ) -> dict[str, object]:
        result: dict[str, object] = {}
        properties = schema.get("properties")
        if isinstance(properties, dict):
            for name, sub in properties.items():
                sub_value = self.value(sub, stack, depth + 1)
                if not isinstance(sub_value, _Cycle):
                    result[str(name)] = sub_value
        elif isinstance(schema.get("additionalProperties"), dict):
            extra = self.value(schema.get("additionalProperties"), stack, depth + 1)
            if not isinstance(extra, _Cycle):
                result["key"] = extra
        return result

    def bounded(self, value: object, depth: int = 0) -> object:
        """A copy of an example with at most the remaining node budget (YAML aliases can
        make a small document describe an exponentially large value)."""
        self.budget -= 1
        if self.budget <= 0 or depth > MAX_SCHEMA_DEPTH:
            return None
        if isinstance(value, dict):
            return {str(k): self.bounded(v, depth + 1) for k, v in list(value.items())[:200]}
        if isinstance(value, list):
            return [self.bounded(v, depth + 1) for v in value[:50]]
        if isinstance(value, str | int | float | bool) or value is None:
            return value
        return str(value)  # YAML dates and the like

    def body(
        self, media_type: str, value: object, schema: object, binary: set[str]
    ) -> tuple[bytes, str]:
        """Encode ``value`` as ``media_type``; returns (body, content type)."""
        kind = media_type.split(";", 1)[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            return urlencode(_flat_fields(value)).encode(), kind
        if kind == "multipart/form-data":
            fields: list[Field] = [
                (name, Upload("bastion.txt", text) if name in binary else text)
                for name, text in _flat_fields(value)
            ]
            return encode_multipart(fields), multipart_content_type()
        if kind.endswith("xml"):
            return _xml(self.xml_root(schema), value), kind
        if kind.endswith("json") or kind in {"*/*", ""}:
            return _json(value), "application/json" if kind in {"*/*", ""} else kind
        return (value if isinstance(value, str) else _json(value).decode()).encode(), kind

    def xml_root(self, schema: object) -> str:
        name = "root"
        for _ in range(MAX_SCHEMA_DEPTH):
            if not isinstance(schema, dict):
                break
            xml = schema.get("xml")
            if isinstance(xml, dict) and isinstance(xml.get("name"), str):
                return str(xml["name"])
            ref = schema.get("$ref")
            if not isinstance(ref, str):
                break
            name = ref.rsplit("/", 1)[-1]
            schema = self.resolve(ref)
        return name

    def binary_fields(self, schema: object) -> set[str]:
        """Properties of a multipart body that are files (format binary)."""
        schema = self.deref(schema)
        properties = schema.get("properties") if isinstance(schema, dict) else None
        names = set()
        for name, raw in properties.items() if isinstance(properties, dict) else ():
            sub = self.deref(raw)
            if isinstance(sub, dict) and sub.get("format") in ("binary", "base64"):
                names.add(str(name))
        return names

    def assemble(
        self,
        method: str,
        url: str,
        parameters: list[tuple[str, str, object]],
        body: tuple[bytes, str] | None,
    ) -> HttpRequest | None:
        """Put (location, name, value) parameters into the URL, headers and cookies."""
        query: list[tuple[str, str]] = []
        headers: list[tuple[str, str]] = []
        cookies: list[tuple[str, str]] = []
        for location, raw_name, value in parameters:
            name = _text(raw_name)
            if location == "path":
                url = url.replace("{" + name + "}", quote(_scalar(value, ","), safe=""))
            elif location == "query":
                if isinstance(value, dict):
                    query.extend((_text(str(k)), _scalar(v, ",")) for k, v in value.items())
                elif isinstance(value, list):
                    query.extend((name, _scalar(v, ",")) for v in value)
                else:
                    query.append((name, _scalar(value, ",")))
            elif location == "header" and name.lower() not in _IGNORED_HEADERS:
                headers.append((name, _header_value(value)))
            elif location == "cookie":
                cookies.append((name, quote(_scalar(value, ","), safe="")))
        # Path variables nobody declared still need a value to make a valid URL.
        url = _VARIABLE.sub("1", _text(url))
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        normalized = normalize_url(url)
        if normalized is None:
            self.note(f"{method} {url[:200]}: not a valid URL")
            return None
        content, content_type = body if body is not None else (b"", "")
        return HttpRequest(
            method,
            normalized,
            headers=tuple(headers),
            cookies=tuple(cookies),
            body=content,
            content_type=content_type,
        )


class _OpenApi3(_Builder):
    def servers(self) -> list[str]:
        urls = self._server_urls(self.document.get("servers"))
        return urls or [self.target]

    def operation(
        self, method: str, url: str, parameters: list[dict[str, object]], op: dict[str, object]
    ) -> HttpRequest | None:
        values = [(str(p["in"]), str(p["name"]), self._parameter_value(p)) for p in parameters]
        body = None
        request_body = self.deref(op.get("requestBody"))
        if isinstance(request_body, dict) and isinstance(request_body.get("content"), dict):
            content = {str(k): v for k, v in request_body["content"].items()}
            media_type = _pick_media_type(list(content))
            if media_type is not None:
                media = self.deref(content[media_type])
                media = media if isinstance(media, dict) else {}
                schema = media.get("schema")
                value = self._media_example(media)
                if value is None:
                    value = self.value(schema)
                if isinstance(value, _Cycle):
                    value = {}
                body = self.body(media_type, value, schema, self.binary_fields(schema))
        return self.assemble(method, url, values, body)

    def _parameter_value(self, parameter: dict[str, object]) -> object:
        example = self._media_example(parameter)
        if example is not None:
            return example
        if "schema" in parameter:
            value = self.value(parameter["schema"])
        else:
            content = parameter.get("content")
            media = next(iter(content.values()), None) if isinstance(content, dict) else None
            schema = media.get("schema") if isinstance(media, dict) else None
            value = _json(self.value(schema)).decode()
        return "" if isinstance(value, _Cycle) else value

    def _media_example(self, node: dict[str, object]) -> object:
        if node.get("example") is not None:
            return self.bounded(node["example"])
        examples = node.get("examples")
        if isinstance(examples, dict):
            for raw in examples.values():
                example = self.deref(raw)
                if isinstance(example, dict) and example.get("value") is not None:
                    return self.bounded(example["value"])
        return None


class _Swagger2(_Builder):
    def servers(self) -> list[str]:
        target = urlsplit(self.target)
        declared = self.document.get("schemes")
        schemes = (
            [s for s in declared if s in ("http", "https")] if isinstance(declared, list) else []
        )
        scheme = target.scheme if not schemes or target.scheme in schemes else schemes[0]
        host = self.document.get("host")
        host = host if isinstance(host, str) and host else target.netloc
        base_path = self.document.get("basePath")
        base_path = base_path if isinstance(base_path, str) else "/"
        if not base_path.startswith("/"):
            base_path = "/" + base_path
        return [urlunsplit((scheme, host, base_path, "", ""))]

    def operation(
        self, method: str, url: str, parameters: list[dict[str, object]], op: dict[str, object]
    ) -> HttpRequest | None:
        consumes = op.get("consumes") or self.document.get("consumes")
        consumes = [str(c) for c in consumes] if isinstance(consumes, list) else []
        values: list[tuple[str, str, object]] = []
        form: dict[str, object] = {}
        files: set[str] = set()
        body = None
        for parameter in parameters:
            location, name = str(parameter["in"]), str(parameter["name"])
            if location == "body":
                schema = parameter.get("schema")
                value = self.value(schema)
                if isinstance(value, _Cycle):
                    value = {}
                media_type = _pick_media_type(consumes) or "application/json"
                if media_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
                    media_type = "application/json"
                body = self.body(media_type, value, schema, set())
            elif location == "formData":
                if parameter.get("type") == "file":
                    files.add(name)
                    form[name] = "bastion"
                else:
                    form[name] = self._parameter_value(parameter)
            else:
                values.append((location, name, self._parameter_value(parameter)))
        if form and body is None:
            multipart = bool(files) or "multipart/form-data" in consumes
            media_type = "multipart/form-data" if multipart else "application/x-www-form-urlencoded"
            body = self.body(media_type, form, None, files)
        return self.assemble(method, url, values, body)

    def _parameter_value(self, parameter: dict[str, object]) -> object:
        # Swagger 2 non-body parameters are schemas themselves (type, format, enum…).
        if parameter.get("x-example") is not None:
            return self.bounded(parameter["x-example"])
        value = self.value({k: v for k, v in parameter.items() if k not in {"name", "in"}})
        return "" if isinstance(value, _Cycle) else value


def _merge_parameters(
    shared: list[dict[str, object]], own: list[dict[str, object]]
) -> list[dict[str, object]]:
    """Path-level parameters, overridden by the operation's (same name and location)."""
    keys = {(p["name"], p["in"]) for p in own}
    return [p for p in shared if (p["name"], p["in"]) not in keys] + own


def _pick_media_type(media_types: list[str]) -> str | None:
    lowered = [m.split(";", 1)[0].strip().lower() for m in media_types]
    for preferred in _BODY_PREFERENCE:
        for index, media_type in enumerate(lowered):
            if media_type == preferred or (
                preferred.startswith("+") and media_type.endswith(preferred)
            ):
                return media_types[index]
    return media_types[0] if media_types else None


def _rebase(url: str, target: str) -> str:
    """``url``'s path on the target's origin."""
    parts = urlsplit(url)
    target_parts = urlsplit(target)
    return urlunsplit((target_parts.scheme, target_parts.netloc, parts.path, "", ""))


def _type(schema: dict[object, object]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _string(schema: dict[object, object]) -> str:
    fmt = schema.get("format")
    value = _STRING_FORMATS.get(fmt, "bastion") if isinstance(fmt, str) else "bastion"
    minimum = _bounded_int(schema.get("minLength"), 0, 1000)
    maximum = schema.get("maxLength")
    if len(value) < minimum:
        value = (value * (minimum // len(value) + 1))[:minimum]
    if isinstance(maximum, int) and not isinstance(maximum, bool) and 0 <= maximum < len(value):
        value = value[:maximum]
    return value


def _limit(schema: dict[object, object], key: str, exclusive_key: str) -> float | None:
    """A numeric bound, with its exclusivity (boolean in 3.0/2.0, numeric in 3.1)."""
    value = schema.get(key)
    exclusive = schema.get(exclusive_key)
    if isinstance(exclusive, int | float) and not isinstance(exclusive, bool):
        value, exclusive = exclusive, True
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        bound = float(value)
    except OverflowError:
        return None
    if not math.isfinite(bound):
        return None
    if exclusive is True:
        bound += 1 if key == "minimum" else -1
    return bound


def _integer(schema: dict[object, object]) -> int:
    low = _limit(schema, "minimum", "exclusiveMinimum")
    high = _limit(schema, "maximum", "exclusiveMaximum")
    value = 1
    if low is not None and value < low:
        value = math.ceil(low)
    if high is not None and value > high:
        value = math.floor(high)
    return value


def _number(schema: dict[object, object]) -> float:
    low = _limit(schema, "minimum", "exclusiveMinimum")
    high = _limit(schema, "maximum", "exclusiveMaximum")
    value = 1.0
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return value


def _bounded_int(value: object, low: int, high: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return max(low, min(high, value))
    return low


def _scalar(value: object, separator: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return separator.join(_scalar(v, separator) for v in value)
    if isinstance(value, dict):
        return separator.join(
            f"{_text(str(k))}{separator}{_scalar(v, separator)}" for k, v in value.items()
        )
    return _text(str(value))


def _header_value(value: object) -> str:
    text = _scalar(value, ",")
    return "".join(c for c in text if c.isprintable())[:1000]


def _flat_fields(value: object) -> list[tuple[str, str]]:
    """Form fields from an object: scalars as they are, lists repeated, the rest JSON."""
    if not isinstance(value, dict):
        return [("value", _scalar(value, ","))] if value not in (None, "") else []
    fields: list[tuple[str, str]] = []
    for key, item in value.items():
        name = _text(str(key))
        if isinstance(item, list):
            fields.extend(
                (name, _json(v).decode() if isinstance(v, dict | list) else _scalar(v, ","))
                for v in item
            )
        elif isinstance(item, dict):
            fields.append((name, _json(item).decode()))
        else:
            fields.append((name, _scalar(item, ",")))
    return fields


def _json(value: object) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        # Lone surrogates (YAML allows them) or odd key types: send the text form.
        return orjson.dumps(_scalar(value, ","))


def _text(text: str) -> str:
    """Text that can be encoded: YAML strings may hold lone surrogates."""
    return text.encode("utf-8", errors="replace").decode("utf-8")


def _xml(root_name: str, value: object) -> bytes:
    root = Element(_xml_name(root_name))
    _xml_fill(root, value, 0)
    return b'<?xml version="1.0" encoding="UTF-8"?>' + tostring(root, encoding="unicode").encode()


def _xml_fill(element: Element, value: object, depth: int) -> None:
    if depth > MAX_SCHEMA_DEPTH:
        return
    if isinstance(value, dict):
        for name, item in value.items():
            if isinstance(item, list):
                for entry in item:
                    _xml_fill(SubElement(element, _xml_name(str(name))), entry, depth + 1)
            else:
                _xml_fill(SubElement(element, _xml_name(str(name))), item, depth + 1)
    elif isinstance(value, list):
        for entry in value:
            _xml_fill(SubElement(element, "item"), entry, depth + 1)
    else:
        text = _scalar(value, ",")
        # XML 1.0 cannot carry most control characters, even escaped.
        element.text = "".join(c for c in text if c.isprintable() or c in "\t\n\r")


def _xml_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "_", name)[:100]
    if not cleaned or not (cleaned[0].isalpha() or cleaned[0] == "_"):
        cleaned = "_" + cleaned
    return cleaned
