"""CocoaPods: a pod is imported as a module of its own name (Swift `import Alamofire`,
Objective-C `@import AFNetworking;`) or through its headers (`#import <SDWebImage/…h>`,
`#import "AFNetworking.h"`). A subspec (`Firebase/Analytics`) belongs to its root pod.
Swift replaces `-` in module names with `_`. Compared case-insensitively, as the file
systems these projects are built on are.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.mapping.base import Segments


class CocoaPodsMapping:
    ecosystem: ClassVar[Ecosystem] = Ecosystem.COCOAPODS
    languages: ClassVar[frozenset[Language]] = frozenset({Language.SWIFT, Language.OBJC})
    context_files: ClassVar[frozenset[str]] = frozenset()

    def learn(self, path: PurePosixPath, data: bytes) -> None:
        return

    def import_prefixes(self, name: str) -> frozenset[Segments] | None:
        root = name.split("/", 1)[0].lower()
        return frozenset({(root,), (root.replace("-", "_"),)})

    def segments(self, ref: ImportRef, language: Language) -> list[Segments]:
        spec = ref.specifier.strip()
        if language is Language.OBJC and (spec.endswith(".h") or "/" in spec):
            module = spec.split("/", 1)[0] if "/" in spec else spec.removesuffix(".h")
        else:
            module = spec.split(".", 1)[0]
        return [(module.lower(),)] if module else []

    def first_party(self) -> frozenset[Segments]:
        return frozenset()
