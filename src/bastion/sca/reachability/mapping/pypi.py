"""PyPI: a distribution's name is not its import name (PyYAML installs ``yaml``).

In order of trust, the import names of a distribution come from:
1. its installed metadata, when a virtual environment or ``*.dist-info`` is in the tree
   (``RECORD``'s top-level packages, else ``top_level.txt``);
2. a curated table of well-known mismatches;
3. the name itself, normalised: ``-`` → ``_``, as written and in lower case (``PyPDF2``,
   ``flask``), dots kept for dotted names (``zope.interface``), and ``python-`` stripped
   (``python-ldap`` → ``ldap``); ``google-cloud-storage`` style names also as the dotted
   namespace package they install (``google.cloud.storage``).

The sources are combined, never replaced: an extra name costs at most a cautious
"imported", a missing one a wrong "not imported". Namespace roots (``google``, ``azure``…)
are never a prefix on their own: ``from google import genai`` must not count as protobuf.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.mapping.base import Segments

# Keys are PEP 503 normalised names.
KNOWN_IMPORTS: dict[str, tuple[str, ...]] = {
    "pyyaml": ("yaml", "_yaml"),
    "pillow": ("PIL",),
    "pillow-simd": ("PIL",),
    "beautifulsoup4": ("bs4",),
    "python-dateutil": ("dateutil",),
    "protobuf": ("google.protobuf",),
    "pycryptodome": ("Crypto",),
    "pycryptodomex": ("Cryptodome",),
    "pycrypto": ("Crypto",),
    "scikit-learn": ("sklearn",),
    "scikit-image": ("skimage",),
    "opencv-python": ("cv2",),
    "opencv-python-headless": ("cv2",),
    "opencv-contrib-python": ("cv2",),
    "opencv-contrib-python-headless": ("cv2",),
    "attrs": ("attr", "attrs"),
    "pyjwt": ("jwt",),
    "python-jose": ("jose",),
    "pyopenssl": ("OpenSSL",),
    "python-multipart": ("multipart", "python_multipart"),
    "python-json-logger": ("pythonjsonlogger",),
    "python-memcached": ("memcache",),
    "pyserial": ("serial",),
    "pyusb": ("usb",),
    "pynacl": ("nacl",),
    "pymongo": ("pymongo", "bson", "gridfs"),
    "mysqlclient": ("MySQLdb",),
    "mysql-python": ("MySQLdb",),
    "mysql-connector-python": ("mysql.connector",),
    "psycopg2-binary": ("psycopg2",),
    "psycopg-binary": ("psycopg",),
    "msgpack-python": ("msgpack",),
    "djangorestframework": ("rest_framework",),
    "djangorestframework-simplejwt": ("rest_framework_simplejwt",),
    "django-cors-headers": ("corsheaders",),
    "django-filter": ("django_filters",),
    "django-debug-toolbar": ("debug_toolbar",),
    "django-environ": ("environ",),
    "django-storages": ("storages",),
    "django-allauth": ("allauth",),
    "django-crispy-forms": ("crispy_forms",),
    "google-api-python-client": ("googleapiclient",),
    "google-cloud-secret-manager": ("google.cloud.secretmanager",),
    "grpcio": ("grpc",),
    "grpcio-tools": ("grpc_tools",),
    "grpcio-status": ("grpc_status",),
    "pywin32": ("win32api", "win32con", "win32com", "win32file", "pythoncom", "pywintypes"),
    "pypiwin32": ("win32api", "win32con", "win32com", "pythoncom", "pywintypes"),
    "pyzmq": ("zmq",),
    "setuptools": ("setuptools", "pkg_resources", "_distutils_hack"),
    "tensorflow-gpu": ("tensorflow",),
    "tensorflow-cpu": ("tensorflow",),
    "tf-nightly": ("tensorflow",),
    "dnspython": ("dns",),
    "ipython": ("IPython",),
    "python-levenshtein": ("Levenshtein",),
    "pygithub": ("github",),
    "pygobject": ("gi",),
    "pyinstaller": ("PyInstaller",),
    "pywavelets": ("pywt",),
    "websocket-client": ("websocket",),
    "paho-mqtt": ("paho.mqtt",),
    "gitpython": ("git",),
    "pysaml2": ("saml2",),
    "python3-saml": ("onelogin.saml2",),
    "python-socketio": ("socketio",),
    "python-engineio": ("engineio",),
    "ansible-core": ("ansible",),
    "ansible-base": ("ansible",),
    "google": ("googlesearch",),
    "pymupdf": ("fitz", "pymupdf"),
    "python-magic": ("magic",),
    "faiss-cpu": ("faiss",),
    "faiss-gpu": ("faiss",),
    "py-cpuinfo": ("cpuinfo",),
    "lxml-html-clean": ("lxml_html_clean", "lxml.html.clean"),
    "ruamel-yaml": ("ruamel.yaml",),
    "pyhcl": ("hcl",),
    "python-keycloak": ("keycloak",),
    "python-ldap": ("ldap", "ldif", "ldapurl"),
    "docker-py": ("docker",),
    "apache-airflow": ("airflow",),
    "nvidia-ml-py": ("pynvml",),
}
# Distributions whose names start with these install into a shared namespace package.
NAMESPACE_ROOTS = frozenset(
    {"google", "azure", "opentelemetry", "zope", "jaraco", "backports", "sphinxcontrib"}
)
_DIST_DIR = re.compile(r"^(?P<name>[^-]+)-.*\.(?:dist|egg)-info$", re.IGNORECASE)
_EXTENSION = re.compile(
    r"\.(?:py|pyc|pyd|so)$|\.cpython-[^/]*\.so$|\.abi3\.so$|\.cp[0-9]+-[^/]*\.pyd$"
)


def default_imports(name: str) -> set[str]:
    """Import names guessed from a distribution's own name."""
    normalised = normalize_package_name(Ecosystem.PYPI, name)
    written = re.sub(r"[-_]+", "_", name.strip())
    guesses = {
        normalised.replace("-", "_"),
        written,
        written.lower(),
    }
    if "." in name:  # zope.interface, ruamel.yaml, jaraco.classes
        guesses |= {written.replace("_", "."), name.strip(), name.strip().lower()}
    for prefix in ("python-", "py-"):
        if normalised.startswith(prefix) and len(normalised) > len(prefix):
            guesses.add(normalised.removeprefix(prefix).replace("-", "_"))
    if normalised.endswith("-python"):
        guesses.add(normalised.removesuffix("-python").replace("-", "_"))
    root, _, rest = normalised.partition("-")
    if root in NAMESPACE_ROOTS and rest:
        guesses.add(f"{root}.{rest.replace('-', '.')}")  # azure-storage-blob
        guesses.add(f"{root}.{rest.replace('-', '_')}")  # google-api-core → google.api_core
        if rest.startswith("cloud-"):
            tail = rest.removeprefix("cloud-").replace("-", "_")
            guesses.add(f"{root}.cloud.{tail}")  # google-cloud-pubsub-lite
    return {g for g in guesses if g}


def record_modules(record: str) -> set[str]:
    """Top-level modules of an installed distribution, from its RECORD file.

    A package is the shortest directory holding an ``__init__.py``; under a namespace root
    (``google/``) one level deeper, so protobuf gives ``google.protobuf``, not ``google``.
    """
    paths = [row.split(",", 1)[0].strip().strip('"') for row in record.splitlines()]
    files = {p for p in paths if p and not p.startswith(("..", "/"))}
    modules: set[str] = set()
    for path in files:
        parts = path.split("/")
        if parts[0].endswith((".dist-info", ".egg-info", ".data")) or parts[0] == "__pycache__":
            continue
        if len(parts) == 1:
            stem = _EXTENSION.sub("", parts[0])
            if stem != parts[0] and stem.isidentifier():
                modules.add(stem)
            continue
        for depth in range(1, len(parts)):
            directory = parts[:depth]
            if depth == 1 and directory[0] in NAMESPACE_ROOTS:
                continue
            if "/".join(directory) + "/__init__.py" in files or depth == len(parts) - 1:
                if all(p.isidentifier() for p in directory):
                    modules.add(".".join(directory))
                break
    return modules


class PyPIMapping:
    ecosystem: ClassVar[Ecosystem] = Ecosystem.PYPI
    languages: ClassVar[frozenset[Language]] = frozenset({Language.PYTHON})
    context_files: ClassVar[frozenset[str]] = frozenset({"RECORD", "top_level.txt"})

    def __init__(self) -> None:
        self.from_record: dict[str, set[str]] = defaultdict(set)
        self.from_top_level: dict[str, set[str]] = defaultdict(set)

    def learn(self, path: PurePosixPath, data: bytes) -> None:
        match = _DIST_DIR.match(path.parent.name)
        if match is None:
            return
        name = normalize_package_name(Ecosystem.PYPI, match["name"])
        content = data.decode("utf-8", "replace")
        if path.name == "RECORD":
            self.from_record[name] |= record_modules(content)
        else:
            self.from_top_level[name] |= {
                line.strip().replace("/", ".")
                for line in content.splitlines()
                if line.strip() and line.strip() not in NAMESPACE_ROOTS
            }

    def import_names(self, name: str) -> set[str]:
        key = normalize_package_name(Ecosystem.PYPI, name)
        names = set(KNOWN_IMPORTS.get(key, ())) | default_imports(name)
        names |= self.from_record.get(key) or self.from_top_level.get(key) or set()
        return {n for n in names if n not in NAMESPACE_ROOTS}

    def import_prefixes(self, name: str) -> frozenset[Segments] | None:
        return frozenset(tuple(n.split(".")) for n in self.import_names(name))

    def segments(self, ref: ImportRef, language: Language) -> list[Segments]:
        if not ref.specifier or ref.specifier.startswith("."):
            return []  # relative: the project's own package
        base = tuple(ref.specifier.split("."))
        return [base, *((*base, name) for name in ref.names)]

    def first_party(self) -> frozenset[Segments]:
        return frozenset()
