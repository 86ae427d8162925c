"""Package → import-name rules, one ecosystem at a time, and the longest-prefix lookup."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.reachability.analysis import DependencyIndex, dependency_key
from bastion.sca.reachability.base import ImportKind, ImportRef, Language
from bastion.sca.reachability.mapping.base import ImportMapping
from bastion.sca.reachability.mapping.cocoapods import CocoaPodsMapping
from bastion.sca.reachability.mapping.crates import CratesMapping
from bastion.sca.reachability.mapping.go import GoMapping
from bastion.sca.reachability.mapping.maven import MavenMapping
from bastion.sca.reachability.mapping.npm import NpmMapping, package_name
from bastion.sca.reachability.mapping.nuget import NuGetMapping
from bastion.sca.reachability.mapping.packagist import PackagistMapping
from bastion.sca.reachability.mapping.pypi import (
    KNOWN_IMPORTS,
    PyPIMapping,
    default_imports,
    record_modules,
)
from bastion.sca.reachability.mapping.registry import all_mappings, new_mapping
from bastion.sca.reachability.mapping.rubygems import RubyGemsMapping


def dep(ecosystem: Ecosystem, name: str, *, direct: bool = True) -> Dependency:
    return Dependency(name, "1.0.0", ecosystem, direct, "lockfile")


def resolve(
    mapping: ImportMapping,
    names: list[str],
    specifier: str,
    language: Language,
    *,
    names_imported: tuple[str, ...] = (),
) -> set[str]:
    """Which of ``names`` the import resolves to (normalised keys, names as given)."""
    deps = [dep(mapping.ecosystem, n) for n in names]
    keys = DependencyIndex(mapping, deps).resolve(
        ImportRef(specifier, 1, names=names_imported), language
    )
    return {d.name for d in deps if dependency_key(d) in keys}


# --- npm ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specifier", "package"),
    [
        ("lodash", "lodash"),
        ("lodash/fp", "lodash"),
        ("validator/lib/isEmail", "validator"),
        ("@xmldom/xmldom", "@xmldom/xmldom"),
        ("@xmldom/xmldom/lib/dom", "@xmldom/xmldom"),
        ("npm:lodash@4.17.21/fp", "lodash"),
        ("npm:@scope/pkg@^1", "@scope/pkg"),
        ("punycode", "punycode"),  # a built-in name matches only a polyfill dependency
        ("./util/plugins", None),
        ("../x", None),
        ("/abs/path", None),
        ("node:fs", None),
        ("node:fs/promises", None),
        ("https://esm.sh/react", None),
        ("data:text/javascript,1", None),
        ("#internal/x", None),
        ("~/components/x", None),
        ("@/components/x", None),
        ("@scope", None),
        ("", None),
    ],
)
def test_npm_package_name(specifier: str, package: str | None) -> None:
    assert package_name(specifier) == package


def test_npm_alias_from_package_json() -> None:
    mapping = NpmMapping()
    manifest = {
        "dependencies": {"my-ms": "npm:ms@^2.1.0", "lodash": "^4"},
        "devDependencies": {"old-types": "npm:@types/node@18"},
    }
    mapping.learn(PurePosixPath("web/package.json"), json.dumps(manifest).encode())
    assert resolve(mapping, ["ms", "lodash"], "my-ms", Language.JAVASCRIPT) == {"ms"}
    assert resolve(mapping, ["ms"], "ms", Language.JAVASCRIPT) == {"ms"}
    assert resolve(mapping, ["@types/node"], "old-types", Language.TYPESCRIPT) == {"@types/node"}
    mapping.learn(PurePosixPath("package.json"), b"{not json")  # ignored, never raises


def test_npm_scoped_subpath_resolves_to_the_scoped_package() -> None:
    names = ["@xmldom/xmldom", "xmldom"]
    assert resolve(NpmMapping(), names, "@xmldom/xmldom/lib/dom", Language.JAVASCRIPT) == {
        "@xmldom/xmldom"
    }


# --- PyPI --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("distribution", "specifier"),
    [
        ("PyYAML", "yaml"),
        ("Pillow", "PIL.Image"),
        ("beautifulsoup4", "bs4"),
        ("python-dateutil", "dateutil.parser"),
        ("protobuf", "google.protobuf.json_format"),
        ("pycryptodome", "Crypto.Cipher"),
        ("pycrypto", "Crypto"),
        ("scikit-learn", "sklearn.linear_model"),
        ("opencv-python", "cv2"),
        ("attrs", "attr"),
        ("attrs", "attrs"),
        ("PyJWT", "jwt"),
        ("Flask", "flask"),
        ("SQLAlchemy", "sqlalchemy.orm"),
        ("PyPDF2", "PyPDF2"),  # the name as written: imports are case-sensitive
        ("zope.interface", "zope.interface"),
        ("python-ldap", "ldap"),
        ("google-cloud-storage", "google.cloud.storage"),
        ("google-api-core", "google.api_core"),
        ("azure-storage-blob", "azure.storage.blob"),
        ("typing-extensions", "typing_extensions"),
        ("Django", "django.conf"),
    ],
)
def test_pypi_distribution_imports(distribution: str, specifier: str) -> None:
    assert resolve(PyPIMapping(), [distribution], specifier, Language.PYTHON) == {distribution}


def test_pypi_table_is_curated_and_normalised() -> None:
    assert len(KNOWN_IMPORTS) >= 60
    assert all(key == key.lower() and "_" not in key for key in KNOWN_IMPORTS)


def test_pypi_namespace_root_alone_maps_to_nothing() -> None:
    names = ["protobuf", "google-cloud-storage", "google-auth"]
    mapping = PyPIMapping()
    assert resolve(mapping, names, "google", Language.PYTHON) == set()
    assert resolve(mapping, names, "google.genai", Language.PYTHON) == set()
    assert resolve(mapping, names, "google.auth.transport", Language.PYTHON) == {"google-auth"}
    # `from google import protobuf` imports the submodule.
    assert resolve(mapping, names, "google", Language.PYTHON, names_imported=("protobuf",)) == {
        "protobuf"
    }


def test_pypi_relative_imports_are_first_party() -> None:
    assert PyPIMapping().segments(ImportRef(".storage", 1), Language.PYTHON) == []
    assert resolve(PyPIMapping(), ["storage"], ".storage", Language.PYTHON) == set()


def test_pypi_longest_prefix_wins() -> None:
    names = ["google-cloud-core", "google-cloud-storage"]
    assert resolve(PyPIMapping(), names, "google.cloud.storage.blob", Language.PYTHON) == {
        "google-cloud-storage"
    }


def test_pypi_default_guesses() -> None:
    assert default_imports("python-dateutil") >= {"python_dateutil", "dateutil"}
    assert default_imports("Flask-SQLAlchemy") >= {"flask_sqlalchemy", "Flask_SQLAlchemy"}
    assert "ruamel.yaml" in default_imports("ruamel.yaml")


def test_pypi_record_modules() -> None:
    record = "\n".join(
        [
            "yaml/__init__.py,sha256=x,1",
            "yaml/loader.py,sha256=x,1",
            "_yaml/__init__.py,sha256=x,1",
            "six.py,sha256=x,1",
            "_cffi_backend.cpython-311-x86_64-linux-gnu.so,sha256=x,1",
            "google/protobuf/__init__.py,sha256=x,1",
            "google/protobuf/json_format.py,sha256=x,1",
            "google/__init__.py,sha256=x,1",
            "PyYAML-6.0.dist-info/RECORD,,",
            "../../../bin/tool,sha256=x,1",
            "__pycache__/six.cpython-311.pyc,,",
        ]
    )
    assert record_modules(record) == {"yaml", "_yaml", "six", "_cffi_backend", "google.protobuf"}


def test_pypi_learns_installed_metadata() -> None:
    mapping = PyPIMapping()
    site = "venv/lib/python3.11/site-packages"
    mapping.learn(
        PurePosixPath(f"{site}/acme_tools-1.0.dist-info/RECORD"), b"acmelib/__init__.py,,\n"
    )
    mapping.learn(
        PurePosixPath(f"{site}/Other_Dist-2.0.dist-info/top_level.txt"), b"otherlib\ngoogle\n"
    )
    mapping.learn(PurePosixPath("random/top_level.txt"), b"ignored\n")  # not in a dist-info
    assert resolve(mapping, ["acme-tools"], "acmelib.sub", Language.PYTHON) == {"acme-tools"}
    assert resolve(mapping, ["other-dist"], "otherlib", Language.PYTHON) == {"other-dist"}
    assert resolve(mapping, ["other-dist"], "google", Language.PYTHON) == set()


# --- Go ----------------------------------------------------------------------------


def test_go_longest_module_wins() -> None:
    names = ["golang.org/x/crypto", "golang.org/x/crypto/ssh/v2", "github.com/gin-gonic/gin"]
    mapping = GoMapping()
    assert resolve(mapping, names, "golang.org/x/crypto/sha3", Language.GO) == {
        "golang.org/x/crypto"
    }
    assert resolve(mapping, names, "golang.org/x/crypto/ssh/v2/agent", Language.GO) == {
        "golang.org/x/crypto/ssh/v2"
    }
    assert resolve(mapping, names, "golang.org/x/cryptography", Language.GO) == set()
    assert resolve(mapping, names, "github.com/gin-gonic/gin", Language.GO) == {
        "github.com/gin-gonic/gin"
    }


def test_go_standard_library_is_stdlib() -> None:
    assert resolve(GoMapping(), ["stdlib", "github.com/a/b"], "net/http", Language.GO) == {"stdlib"}


def test_go_own_module_is_first_party() -> None:
    mapping = GoMapping()
    mapping.learn(
        PurePosixPath("go.mod"), b"// comment\nmodule github.com/acme/app // x\n\ngo 1.22\n"
    )
    names = ["github.com/acme"]  # a dependency sharing a shorter prefix
    assert resolve(mapping, names, "github.com/acme/app/internal/db", Language.GO) == set()
    assert resolve(mapping, names, "github.com/acme/lib", Language.GO) == {"github.com/acme"}


# --- crates.io ---------------------------------------------------------------------


def test_crates_dash_and_rename() -> None:
    mapping = CratesMapping()
    cargo = b"""
[dependencies]
ossl = { package = "openssl", version = "0.10" }
crossbeam-deque = "0.8"
[target.'cfg(unix)'.dependencies]
nix2 = { package = "nix", version = "0.26" }
[workspace.dependencies]
ser = { package = "serde", version = "1" }
"""
    mapping.learn(PurePosixPath("Cargo.toml"), cargo)
    mapping.learn(PurePosixPath("broken/Cargo.toml"), b"[dependencies\n")  # ignored
    names = ["openssl", "crossbeam-deque", "nix", "serde", "md-5"]
    assert resolve(mapping, names, "ossl", Language.RUST) == {"openssl"}
    assert resolve(mapping, names, "openssl", Language.RUST) == {"openssl"}
    assert resolve(mapping, names, "crossbeam_deque", Language.RUST) == {"crossbeam-deque"}
    assert resolve(mapping, names, "nix2", Language.RUST) == {"nix"}
    assert resolve(mapping, names, "ser", Language.RUST) == {"serde"}
    assert resolve(mapping, names, "md5", Language.RUST) == {"md-5"}
    assert resolve(mapping, names, "crossbeam", Language.RUST) == set()


# --- Maven -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("coordinates", "specifier"),
    [
        (
            "com.fasterxml.jackson.core:jackson-databind",
            "com.fasterxml.jackson.databind.ObjectMapper",
        ),
        ("org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j.LogManager"),
        ("com.google.guava:guava", "com.google.common.collect.ImmutableList"),
        ("commons-io:commons-io", "org.apache.commons.io.FileUtils"),
        ("org.yaml:snakeyaml", "org.yaml.snakeyaml.Yaml"),
        ("io.netty:netty-codec-http", "io.netty.handler.codec.http"),
        ("com.squareup.okhttp3:okhttp", "okhttp3.OkHttpClient"),
        ("org.springframework:spring-web", "org.springframework.web.bind.annotation"),
    ],
)
def test_maven_packages(coordinates: str, specifier: str) -> None:
    assert resolve(MavenMapping(), [coordinates], specifier, Language.JAVA) == {coordinates}


def test_maven_curated_entry_narrows_a_shared_group() -> None:
    names = ["commons-io:commons-io", "org.apache.commons:commons-text"]
    mapping = MavenMapping()
    assert resolve(mapping, names, "org.apache.commons.io.IOUtils", Language.JAVA) == {
        "commons-io:commons-io"
    }
    assert resolve(
        mapping, names, "org.apache.commons.text.StringSubstitutor", Language.KOTLIN
    ) == {"org.apache.commons:commons-text"}
    assert resolve(mapping, names, "org.apache.commons.lang3.StringUtils", Language.JAVA) == set()


def test_maven_group_that_is_no_package_name_is_unknown() -> None:
    assert MavenMapping().import_prefixes("somegroup:artifact") is None
    assert MavenMapping().import_prefixes("my-group:artifact") is None


# --- NuGet -------------------------------------------------------------------------


def test_nuget_namespaces() -> None:
    mapping = NuGetMapping()
    names = [
        "Newtonsoft.Json",
        "Microsoft.Extensions.Logging.Abstractions",
        "SSH.NET",
        "System.Text.Json",
    ]
    assert resolve(mapping, names, "Newtonsoft.Json.Linq", Language.CSHARP) == {"Newtonsoft.Json"}
    assert resolve(mapping, names, "newtonsoft.json", Language.CSHARP) == {"Newtonsoft.Json"}
    assert resolve(mapping, names, "Microsoft.Extensions.Logging", Language.CSHARP) == {
        "Microsoft.Extensions.Logging.Abstractions"
    }
    assert resolve(mapping, names, "Renci.SshNet", Language.CSHARP) == {"SSH.NET"}
    assert resolve(mapping, names, "System.Text", Language.CSHARP) == set()
    assert resolve(mapping, names, "System", Language.CSHARP) == set()


# --- Packagist ---------------------------------------------------------------------


def test_packagist_namespaces_from_composer_lock() -> None:
    lock = {
        "packages": [
            {"name": "guzzlehttp/guzzle", "autoload": {"psr-4": {"GuzzleHttp\\": "src/"}}},
            {"name": "monolog/monolog", "autoload": {"psr-4": {"Monolog\\": "src"}}},
            {"name": "old/pear", "autoload": {"psr-0": {"Twig_": "lib/"}}},
            {"name": "only/files", "autoload": {"files": ["src/functions.php"]}},
        ],
        "packages-dev": [
            {"name": "phpunit/phpunit", "autoload": {"classmap": ["src/"]}},
        ],
    }
    mapping = PackagistMapping()
    mapping.learn(PurePosixPath("composer.lock"), json.dumps(lock).encode())
    mapping.learn(
        PurePosixPath("composer.json"),
        json.dumps({"autoload": {"psr-4": {"GuzzleHttp\\Own\\": "app/"}}}).encode(),
    )
    names = ["guzzlehttp/guzzle", "monolog/monolog", "only/files", "phpunit/phpunit", "absent/pkg"]
    assert resolve(mapping, names, "GuzzleHttp\\Client", Language.PHP) == {"guzzlehttp/guzzle"}
    assert resolve(mapping, names, "guzzlehttp\\client", Language.PHP) == {"guzzlehttp/guzzle"}
    assert resolve(mapping, names, "GuzzleHttp\\Own\\Thing", Language.PHP) == set()
    assert resolve(mapping, names, "Monolog\\Logger", Language.PHP) == {"monolog/monolog"}
    assert mapping.import_prefixes("old/pear") == frozenset({("twig_",)})
    for unknown in ("only/files", "phpunit/phpunit", "absent/pkg"):
        assert mapping.import_prefixes(unknown) is None


# --- RubyGems ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gem", "path"),
    [
        ("nokogiri", "nokogiri"),
        ("net-http", "net/http"),
        ("aws-sdk-s3", "aws-sdk-s3"),
        ("activesupport", "active_support/core_ext/object"),
        ("actionpack", "action_controller"),
        ("rails-html-sanitizer", "rails/html/sanitizer"),
        ("google-protobuf", "google/protobuf"),
        ("json", "json/add/core.rb"),
    ],
)
def test_rubygems_require_paths(gem: str, path: str) -> None:
    assert resolve(RubyGemsMapping(), [gem], path, Language.RUBY) == {gem}


def test_rubygems_relative_require_is_no_gem() -> None:
    assert resolve(RubyGemsMapping(), ["lib"], "./lib/x", Language.RUBY) == set()


def test_bundler_require_loads_every_direct_gem() -> None:
    mapping = RubyGemsMapping()
    deps = [dep(Ecosystem.RUBYGEMS, "rails"), dep(Ecosystem.RUBYGEMS, "rack", direct=False)]
    index = DependencyIndex(mapping, deps)
    ref = ImportRef("Bundler.require", 3, ImportKind.ALL_DIRECT)
    assert index.resolve(ref, Language.RUBY) == {(Ecosystem.RUBYGEMS, "rails")}


# --- CocoaPods ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specifier", "language", "pod"),
    [
        ("Alamofire", Language.SWIFT, "Alamofire"),
        ("SwiftyJSON.JSON", Language.SWIFT, "SwiftyJSON"),
        ("AFNetworking", Language.OBJC, "AFNetworking"),
        ("Firebase.Analytics", Language.OBJC, "Firebase/Analytics"),
        ("SDWebImage/UIImageView+WebCache.h", Language.OBJC, "SDWebImage"),
        ("Masonry.h", Language.OBJC, "Masonry"),
        ("Lottie_iOS", Language.SWIFT, "lottie-ios"),
    ],
)
def test_cocoapods_modules_and_headers(specifier: str, language: Language, pod: str) -> None:
    assert resolve(CocoaPodsMapping(), [pod], specifier, language) == {pod}


def test_cocoapods_system_header_is_no_pod() -> None:
    assert resolve(CocoaPodsMapping(), ["AFNetworking"], "stdio.h", Language.OBJC) == set()


# --- registry ----------------------------------------------------------------------


def test_every_mapping_is_registered_once_with_its_languages() -> None:
    mappings = all_mappings()
    assert len({m.ecosystem for m in mappings}) == len(mappings)
    for mapping in mappings:
        assert new_mapping(mapping.ecosystem).__class__ is mapping.__class__
        assert mapping.languages
    covered = {language for m in mappings for language in m.languages}
    assert covered == set(Language)


@pytest.mark.parametrize("ecosystem", [Ecosystem.SWIFTURL, Ecosystem.PUB, Ecosystem.HEX])
def test_ecosystems_without_rules_have_no_mapping(ecosystem: Ecosystem) -> None:
    assert new_mapping(ecosystem) is None
