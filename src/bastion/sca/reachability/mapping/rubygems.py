"""RubyGems: a gem is required by its name, or with `-` read as `/` (`net-http` →
`net/http`, the convention for gems that extend a namespace), or, for a few well-known
gems, by another path (activesupport → `active_support`). `Bundler.require` loads every
gem of the Gemfile, so it counts for every direct dependency.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.mapping.base import Segments

KNOWN_REQUIRES: dict[str, tuple[str, ...]] = {
    "activesupport": ("active_support",),
    "activerecord": ("active_record",),
    "activemodel": ("active_model",),
    "activejob": ("active_job",),
    "activestorage": ("active_storage",),
    "actionpack": ("action_controller", "action_dispatch", "abstract_controller"),
    "actionview": ("action_view",),
    "actionmailer": ("action_mailer",),
    "actioncable": ("action_cable",),
    "actiontext": ("action_text",),
    "actionmailbox": ("action_mailbox",),
    "railties": ("rails",),
    "rails-html-sanitizer": ("rails-html-sanitizer", "rails/html/sanitizer"),
    "ruby-saml": ("onelogin/ruby-saml", "ruby-saml"),
    "google-protobuf": ("google/protobuf",),
    "mime-types": ("mime/types", "mime-types"),
    "rest-client": ("rest-client", "restclient"),
    "ruby-openid": ("openid",),
    "omniauth-oauth2": ("omniauth-oauth2", "omniauth/strategies/oauth2"),
    "jwt": ("jwt",),
    "nokogiri": ("nokogiri",),
    "rubyzip": ("zip",),
    "sqlite3-ruby": ("sqlite3",),
    "bcrypt-ruby": ("bcrypt",),
    "activeresource": ("active_resource",),
    "ruby-progressbar": ("ruby-progressbar", "progressbar"),
}


class RubyGemsMapping:
    ecosystem: ClassVar[Ecosystem] = Ecosystem.RUBYGEMS
    languages: ClassVar[frozenset[Language]] = frozenset({Language.RUBY})
    context_files: ClassVar[frozenset[str]] = frozenset()

    def learn(self, path: PurePosixPath, data: bytes) -> None:
        return

    def import_prefixes(self, name: str) -> frozenset[Segments] | None:
        paths = {name, name.replace("-", "/"), *KNOWN_REQUIRES.get(name, ())}
        return frozenset(tuple(p.split("/")) for p in paths)

    def segments(self, ref: ImportRef, language: Language) -> list[Segments]:
        path = ref.specifier.strip().removesuffix(".rb")
        if not path or path.startswith((".", "/")):
            return []
        return [tuple(path.split("/"))]

    def first_party(self) -> frozenset[Segments]:
        return frozenset()
