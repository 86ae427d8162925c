from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

import pytest

from bastion.dast.checks.active.path_traversal import PathTraversal
from bastion.dast.model import HttpRequest, HttpResponse, Location
from tests.dast.checks.active.fakes import App, escape, get, page, param, scan

FILES = {
    "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\n",
    "/etc/group": "root:x:0:\ndaemon:x:1:\n",
    "/srv/files/report.txt": "Quarterly report",
    "/srv/files/docs/guide.txt": "User guide",
}
BASE = "/srv/files"


def read(name: str, *, strip_once: bool = False, confined: bool = False) -> HttpResponse:
    if strip_once:
        name = name.replace("../", "")
    path = posixpath.normpath(posixpath.join(BASE, name))
    if confined and not path.startswith(BASE + "/"):
        return page("<p>Forbidden</p>", 403)
    content = FILES.get(path)
    if content is None:
        return page("<p>No such file</p>", 404)
    return page(f"<pre>{escape(content)}</pre>")


def file_app(**options: bool) -> App:
    def handle(request: HttpRequest) -> HttpResponse:
        return read(param(request, "file"), **options)

    return handle


URL = "http://app.test/download?file=report.txt"


@pytest.mark.parametrize("options", [{}, {"strip_once": True}], ids=["plain", "strips ../ once"])
def test_reads_etc_passwd(options: dict[str, bool]) -> None:
    finding, probe = scan(PathTraversal(), file_app(**options), get(URL), name="file")
    assert finding is not None
    assert "root:x:0:0:" in finding.evidence
    assert "/etc/group" in finding.evidence
    assert finding.request in probe.sent
    assert "root:x:0:0:" in (finding.response_excerpt or "")


def test_confined_reads_are_safe() -> None:
    finding, _ = scan(PathTraversal(), file_app(confined=True), get(URL), name="file")
    assert finding is None


def test_prefix_check_bypassed_with_the_original_directory() -> None:
    def handle(request: HttpRequest) -> HttpResponse:
        name = param(request, "file")
        if not name.startswith("docs/"):
            return page("<p>Forbidden</p>", 403)
        return read(name)

    finding, _ = scan(
        PathTraversal(), handle, get("http://app.test/download?file=docs/guide.txt"), name="file"
    )
    assert finding is not None
    assert (finding.payload or "").startswith("docs/../")


def test_path_segment() -> None:
    def handle(request: HttpRequest) -> HttpResponse:
        segment = urlsplit(request.url).path.split("/")[2]
        return read(unquote(segment))

    finding, _ = scan(
        PathTraversal(), handle, get("http://app.test/files/report.txt"), Location.PATH, "1"
    )
    assert finding is not None
    assert finding.location is Location.PATH


def test_passwd_already_on_the_page_is_not_evidence() -> None:
    def handle(request: HttpRequest) -> HttpResponse:
        return page(
            "<pre>Example: root:x:0:0:root:/root:/bin/bash</pre>" + escape(param(request, "file"))
        )

    finding, _ = scan(PathTraversal(), handle, get(URL), name="file")
    assert finding is None
