"""NuGet: a package id is, by convention, the root namespace of its assemblies
(`Newtonsoft.Json`, `Serilog.Sinks.Console`); `*.Core` and `*.Abstractions` packages fill
their parent's namespace (`Microsoft.Extensions.Logging.Abstractions` →
`Microsoft.Extensions.Logging`). A curated table covers ids unrelated to their namespace.
C# namespaces are compared case-insensitively, as NuGet compares ids.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.mapping.base import Segments

KNOWN_NAMESPACES: dict[str, tuple[str, ...]] = {
    "sharpziplib": ("ICSharpCode.SharpZipLib",),
    "bouncycastle": ("Org.BouncyCastle",),
    "bouncycastle.cryptography": ("Org.BouncyCastle",),
    "portable.bouncycastle": ("Org.BouncyCastle",),
    "dotnetzip": ("Ionic.Zip", "Ionic.Zlib"),
    "ssh.net": ("Renci.SshNet",),
    "mongodb.driver": ("MongoDB.Driver", "MongoDB.Bson"),
    "magick.net-q16-anycpu": ("ImageMagick",),
    "magick.net-q8-anycpu": ("ImageMagick",),
    "magick.net-q16-hdri-anycpu": ("ImageMagick",),
    "system.identitymodel.tokens.jwt": (
        "System.IdentityModel.Tokens.Jwt",
        "Microsoft.IdentityModel.Tokens",
    ),
    "itextsharp": ("iTextSharp",),
}
_PARENT_SUFFIXES = (".core", ".abstractions")


class NuGetMapping:
    ecosystem: ClassVar[Ecosystem] = Ecosystem.NUGET
    languages: ClassVar[frozenset[Language]] = frozenset({Language.CSHARP})
    context_files: ClassVar[frozenset[str]] = frozenset()

    def learn(self, path: PurePosixPath, data: bytes) -> None:
        return

    def import_prefixes(self, name: str) -> frozenset[Segments] | None:
        key = name.lower()
        namespaces = {key, *(n.lower() for n in KNOWN_NAMESPACES.get(key, ()))}
        for suffix in _PARENT_SUFFIXES:
            parent = key.removesuffix(suffix)
            if parent != key and parent.count(".") >= 1:
                namespaces.add(parent)
        return frozenset(tuple(n.split(".")) for n in namespaces)

    def segments(self, ref: ImportRef, language: Language) -> list[Segments]:
        return [tuple(ref.specifier.lower().split("."))] if ref.specifier else []

    def first_party(self) -> frozenset[Segments]:
        return frozenset()
