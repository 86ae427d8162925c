"""Maven: `group:artifact` → the Java packages its classes live in.

Most artifacts put their classes under their group id (`org.yaml:snakeyaml` →
`org.yaml.snakeyaml`, `io.netty:netty-codec` → `io.netty`), so the group is the default
prefix. A curated table covers the well-known exceptions (Guava is `com.google.common`)
and narrows groups shared by unrelated artifacts (`org.apache.commons`): the longest
prefix wins, so `org.apache.commons.io.FileUtils` belongs to commons-io only. A group id
that cannot be a package name (`commons-io`, no dot) without a table entry is unknown.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.mapping.base import Segments

KNOWN_PACKAGES: dict[str, tuple[str, ...]] = {
    "com.fasterxml.jackson.core:jackson-databind": ("com.fasterxml.jackson.databind",),
    "com.fasterxml.jackson.core:jackson-core": ("com.fasterxml.jackson.core",),
    "com.fasterxml.jackson.core:jackson-annotations": ("com.fasterxml.jackson.annotation",),
    "org.apache.logging.log4j:log4j-core": ("org.apache.logging.log4j",),
    "org.apache.logging.log4j:log4j-api": ("org.apache.logging.log4j",),
    "log4j:log4j": ("org.apache.log4j",),
    "com.google.guava:guava": ("com.google.common", "com.google.thirdparty"),
    "com.google.code.gson:gson": ("com.google.gson",),
    "commons-io:commons-io": ("org.apache.commons.io",),
    "commons-collections:commons-collections": ("org.apache.commons.collections",),
    "org.apache.commons:commons-collections4": ("org.apache.commons.collections4",),
    "commons-beanutils:commons-beanutils": ("org.apache.commons.beanutils",),
    "commons-fileupload:commons-fileupload": ("org.apache.commons.fileupload",),
    "commons-codec:commons-codec": ("org.apache.commons.codec",),
    "commons-lang:commons-lang": ("org.apache.commons.lang",),
    "org.apache.commons:commons-lang3": ("org.apache.commons.lang3",),
    "org.apache.commons:commons-text": ("org.apache.commons.text",),
    "org.apache.commons:commons-compress": ("org.apache.commons.compress",),
    "org.apache.commons:commons-configuration2": ("org.apache.commons.configuration2",),
    "commons-httpclient:commons-httpclient": ("org.apache.commons.httpclient",),
    "org.apache.httpcomponents:httpclient": ("org.apache.http",),
    "org.apache.httpcomponents:httpcore": ("org.apache.http",),
    "org.apache.tomcat.embed:tomcat-embed-core": (
        "org.apache.catalina",
        "org.apache.coyote",
        "org.apache.tomcat",
    ),
    "com.h2database:h2": ("org.h2",),
    "mysql:mysql-connector-java": ("com.mysql",),
    "com.mysql:mysql-connector-j": ("com.mysql",),
    "junit:junit": ("org.junit", "junit"),
    "com.squareup.okhttp3:okhttp": ("okhttp3",),
    "com.squareup.okhttp:okhttp": ("com.squareup.okhttp",),
    "com.squareup.retrofit2:retrofit": ("retrofit2",),
    "com.squareup.okio:okio": ("okio",),
    "org.jetbrains.kotlin:kotlin-stdlib": ("kotlin",),
    "org.jetbrains.kotlinx:kotlinx-coroutines-core": ("kotlinx.coroutines",),
    "javax.servlet:javax.servlet-api": ("javax.servlet",),
    "jakarta.servlet:jakarta.servlet-api": ("jakarta.servlet",),
    "dom4j:dom4j": ("org.dom4j",),
    "xerces:xercesimpl": ("org.apache.xerces",),
    "xalan:xalan": ("org.apache.xalan", "org.apache.xpath"),
    "bouncycastle:bcprov-jdk15": ("org.bouncycastle",),
    "org.codehaus.jackson:jackson-mapper-asl": ("org.codehaus.jackson.map",),
    "org.yaml:snakeyaml": ("org.yaml.snakeyaml",),
    "net.minidev:json-smart": ("net.minidev.json",),
    "io.projectreactor.netty:reactor-netty": ("reactor.netty",),
    "io.projectreactor:reactor-core": ("reactor",),
}


def _is_package_name(group: str) -> bool:
    parts = group.split(".")
    return len(parts) >= 2 and all(p.replace("-", "_").isidentifier() for p in parts)


class MavenMapping:
    ecosystem: ClassVar[Ecosystem] = Ecosystem.MAVEN
    languages: ClassVar[frozenset[Language]] = frozenset({Language.JAVA, Language.KOTLIN})
    context_files: ClassVar[frozenset[str]] = frozenset()

    def learn(self, path: PurePosixPath, data: bytes) -> None:
        return

    def import_prefixes(self, name: str) -> frozenset[Segments] | None:
        group, _, artifact = name.partition(":")
        known = KNOWN_PACKAGES.get(f"{group}:{artifact}".lower())
        if known:
            return frozenset(tuple(p.split(".")) for p in known)
        if not _is_package_name(group):
            return None
        return frozenset({tuple(group.replace("-", "_").split("."))})

    def segments(self, ref: ImportRef, language: Language) -> list[Segments]:
        return [tuple(ref.specifier.split("."))] if ref.specifier else []

    def first_party(self) -> frozenset[Segments]:
        return frozenset()
