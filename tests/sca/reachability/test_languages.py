"""Each language reader against a source file holding every import form it counts and the
traps it must not: imports in line and block comments, in strings, and of variables.

The expected lists are exact: a trap that leaks in fails the comparison like a missed
import does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.sca.reachability.base import ImportKind, ImportParseError, Language
from bastion.sca.reachability.registry import READERS, SUFFIXES, language_for

SOURCES = Path(__file__).parent / "testdata" / "sources"
R = ImportKind.RUNTIME
T = ImportKind.TYPE_ONLY

Expected = list[tuple[int, str, ImportKind]]

EXPECTED: dict[str, Expected] = {
    "imports.js": [
        (3, "es-default", R),
        (4, "es-named", R),
        (5, "es-namespace", R),
        (6, "es-side-effect", R),
        (7, "@scope/es-mixed/sub/path", R),
        (8, "es-reexport", R),
        (9, "es-star", R),
        (10, "es-star-as", R),
        (11, "cjs-plain", R),
        (12, "cjs-destructured", R),
        (13, "cjs-called", R),
        (14, "cjs-member", R),
        (15, "cjs-template", R),
        (17, "dyn-literal", R),
        (28, "jsx-expression", R),
    ],
    "typed.ts": [
        (1, "ts-type-only", T),
        # `import { type A }` keeps a side-effect import under verbatimModuleSyntax.
        (2, "ts-inline-types", R),
        (3, "ts-value-and-type", R),
        (4, "ts-export-type", T),
        (5, "ts-import-equals", R),
        (6, "ts-import-type-equals", T),
        (7, "ts-typeof-import", T),
        (8, "ts-import-type-member", T),
        (9, "ts-dynamic", R),
    ],
    "component.tsx": [(1, "react", R), (2, "react-types-only", T), (6, "./Lazy", R)],
    "component.vue": [(6, "vue", R), (7, "vue-types-only", T)],
    "widget.svelte": [(6, "svelte", R), (7, "dayjs", R)],
    # Stored as .txt so that linters and type checkers leave the sample alone.
    "imports.py.txt": [
        (8, "os", R),
        (8, "plain_a", R),
        (8, "plain_b", R),
        (9, "dotted.module.path", R),
        (10, "from_module", R),
        (11, "from_pkg.sub", R),
        (12, ".", R),
        (13, ".relative", R),
        (14, "..parent.mod", R),
        (22, "inside_function", R),
        (28, "in_try", R),
        (30, "in_except", R),
        (32, "in_else", R),
        (34, "in_finally", R),
        (37, "in_if", R),
        (40, "in_with", R),
        (42, "importlib", R),
        (43, "typing", R),
        (46, "type_only_pkg", T),
        (48, "not_type_checking", R),
        (50, "dynamic_literal", R),
        (51, "dunder_literal", R),
        (52, ".relative_dynamic", R),
        # Django and pytest import these settings' dotted paths themselves.
        (57, "django.contrib.admin", R),
        (58, "rest_framework", R),
        (59, "corsheaders", R),
        (60, "corsheaders.middleware.CorsMiddleware", R),
        (61, "allauth.account.auth_backends.AuthenticationBackend", R),
        (63, "pytest_plugin_by_name", R),
    ],
    "main.go": [
        (3, "github.com/single/pkg", R),
        (5, "fmt", R),
        (6, "github.com/aliased/pkg-go", R),
        (7, "github.com/dot/imported", R),
        (8, "github.com/blank/driver", R),
        (9, "gopkg.in/yaml.v3", R),
        (10, "github.com/versioned/module/v2", R),
        (12, "github.com/raw/string", R),
    ],
    "lib.rs": [
        (2, "macro_crate", R),
        (3, "plain_crate", R),
        (4, "renamed_crate", R),
        (9, "use_crate", R),
        (10, "grouped", R),
        (11, "absolute_crate", R),
        (12, "glob_crate", R),
        (13, "aliased_crate", R),
        # `use time::Duration` names tokio_like's `time`, bound the line before.
        (14, "tokio_like", R),
        (26, "derive_crate", R),
        (29, "path_crate", R),
        (30, "type_crate", R),
        (31, "renamed_crate", R),  # `short::go()` through `extern crate … as short`
        (32, "macro_arg_crate", R),
        (37, "serde_json_like", R),
    ],
    "app.rb": [
        (1, "plain_gem", R),
        (2, "net/http", R),
        (3, "paren_gem", R),
        (5, "kernel_gem", R),
        (6, "autoloaded_gem", R),
        (7, "Bundler.require", ImportKind.ALL_DIRECT),
    ],
    "App.java": [
        (3, "com.fasterxml.jackson.databind.ObjectMapper", R),
        (4, "org.apache.commons.io", R),
        (5, "org.junit.Assert.assertEquals", R),
        (6, "java.util.List", R),
        (12, "com.google.gson.Gson", R),
        (14, "org.springframework.stereotype.Component", R),
        (18, "org.slf4j.LoggerFactory", R),
        (19, "okhttp3.OkHttpClient", R),
    ],
    "App.kt": [
        (3, "com.squareup.moshi.Moshi", R),
        (4, "kotlinx.coroutines", R),
        (5, "io.ktor.server.engine.embeddedServer", R),
        (10, "com.fasterxml.jackson.databind.ObjectMapper", R),
        (11, "okhttp3.OkHttpClient", R),
    ],
    "Program.cs": [
        (1, "System.Text", R),
        (2, "Newtonsoft.Json", R),
        (3, "Serilog.Log", R),
        (4, "YamlDotNet.Serialization", R),
        (16, "RestSharp.RestClient", R),
        (17, "Newtonsoft.Json.Linq.JObject.Parse", R),
        (18, "System.IO.MemoryStream", R),
    ],
    "index.php": [
        (4, "GuzzleHttp\\Client", R),
        (5, "Monolog\\Logger", R),
        (5, "Monolog\\Handler\\StreamHandler", R),
        (6, "Amp\\async", R),
        # `Relative\Name` on line 11 is relative to the file's namespace App\Http.
        (10, "Symfony\\Component\\HttpClient\\HttpClient", R),
    ],
    "App.swift": [
        (1, "UIKit", R),
        (2, "Alamofire", R),
        (3, "SwiftyJSON.JSON", R),
        (4, "RxSwift.Observable", R),
    ],
    "AppDelegate.m": [
        (1, "AFNetworking", R),
        (2, "Firebase.Analytics", R),
        (3, "SDWebImage/UIImageView+WebCache.h", R),
        (4, "stdio.h", R),
        (5, "Masonry.h", R),
    ],
}


def sample_language(name: str) -> Language | None:
    return language_for(name.removesuffix(".txt"))


def test_every_sample_is_checked() -> None:
    assert {p.name for p in SOURCES.iterdir()} == set(EXPECTED)
    assert {sample_language(name) for name in EXPECTED} == set(Language)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reads_every_form_and_no_trap(name: str) -> None:
    language = sample_language(name)
    assert language is not None
    refs = READERS[language].imports((SOURCES / name).read_bytes())
    assert [(r.line, r.specifier, r.kind) for r in refs] == EXPECTED[name]
    assert not any("trap" in r.specifier for r in refs)


def test_python_from_import_names_are_kept_for_submodules() -> None:
    refs = READERS[Language.PYTHON].imports(b"from google import protobuf, genai\n")
    assert [(r.specifier, r.names) for r in refs] == [("google", ("protobuf", "genai"))]


def test_python_syntax_error_is_a_parse_error_with_the_reason() -> None:
    with pytest.raises(ImportParseError, match=r"not valid Python 3: .*\(line 1\)"):
        READERS[Language.PYTHON].imports(b'import os; print "python 2"\n')


def test_python_null_bytes_are_a_parse_error() -> None:
    with pytest.raises(ImportParseError):
        READERS[Language.PYTHON].imports(b"import os\x00\n")


def test_go_symbols_per_import() -> None:
    refs = {
        r.specifier: r for r in READERS[Language.GO].imports((SOURCES / "main.go").read_bytes())
    }
    assert refs["github.com/single/pkg"].symbols == ("Run", "Token")
    assert refs["github.com/aliased/pkg-go"].alias == "alias"
    assert refs["github.com/aliased/pkg-go"].symbols == ("Sign",)
    # gopkg.in/yaml.v3 is package yaml, module/v2 is package module.
    assert refs["gopkg.in/yaml.v3"].symbols == ("Unmarshal",)
    assert refs["github.com/versioned/module/v2"].symbols == ("New",)
    assert refs["github.com/blank/driver"].symbols == ()
    dot = refs["github.com/dot/imported"].symbols
    assert dot is not None
    assert "Parse" in dot
    assert "Close" in refs["fmt"].selectors


def test_go_unknown_package_name_gives_unknown_symbols() -> None:
    # The package in github.com/x/weird-path is called `other`: no guess matches.
    source = b'package p\nimport "github.com/x/weird-path"\nfunc f() { other.Call() }\n'
    (ref,) = READERS[Language.GO].imports(source)
    assert ref.symbols is None


def test_suffixes_are_unique_and_lower_case() -> None:
    suffixes = [s for reader in READERS.values() for s in reader.suffixes]
    assert len(suffixes) == len(set(suffixes)) == len(SUFFIXES)
    assert all(s.startswith(".") and s == s.lower() for s in suffixes)
    assert language_for("App.JAVA") is Language.JAVA
    assert language_for("Makefile") is None
    assert language_for(".js") is None  # a dotfile named ".js" has no suffix
