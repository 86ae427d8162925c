"""Organisations, users and memberships in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from bastion.accounts.service import (
    authenticate,
    create_account,
    find_account_by_email,
    issue_token,
)
from bastion.db.models.orgs import Membership, Provider, Role
from bastion.db.session import read_session, write_session
from bastion.orgs import service, users
from bastion.orgs.errors import (
    InvalidEmail,
    InvalidOrganization,
    NotAMember,
    OrganizationExists,
    UnknownOrganization,
    UnknownUser,
    UserExists,
)
from tests.orgs.conftest import World
from tests.support.clock import FakeClock


def test_organizations_are_unique_per_provider_whatever_the_case(
    db_engine: Engine, clock: FakeClock
) -> None:
    with write_session(db_engine) as session:
        service.create_organization(session, Provider.GITHUB, "Acme", clock())
        service.create_organization(session, Provider.GITLAB, "acme", clock())
    with write_session(db_engine) as session, pytest.raises(OrganizationExists, match="gh/Acme"):
        service.create_organization(session, Provider.GITHUB, "ACME", clock())
    with read_session(db_engine) as session:
        listed = [(o.provider, o.name) for o in service.list_organizations(session)]
    assert listed == [("gh", "Acme"), ("gl", "acme")]


def test_an_invalid_organization_name_is_refused(db_engine: Engine, clock: FakeClock) -> None:
    with write_session(db_engine) as session, pytest.raises(InvalidOrganization):
        service.create_organization(session, Provider.GITHUB, "two words", clock())


def test_an_installation_adopts_the_organization_an_admin_created(
    db_engine: Engine, clock: FakeClock
) -> None:
    with write_session(db_engine) as session:
        created = service.create_organization(session, Provider.GITHUB, "Acme", clock())
        found = service.organization_for_installation(session, Provider.GITHUB, 77, "acme", clock())
        assert found.id == created.id
        assert found.github_installation_id == 77
        other = service.organization_for_installation(
            session, Provider.GITHUB_ENTERPRISE, 78, "acme", clock()
        )
        assert other.id != created.id


def test_users_are_found_by_email_in_any_case(db_engine: Engine, clock: FakeClock) -> None:
    with write_session(db_engine) as session:
        alice = users.create_user(session, " Alice@Example.COM ", clock())
        named = users.create_user(session, "bob@example.com", clock(), name="Bob B.")
    assert (alice.email, alice.name) == ("alice@example.com", "alice@example.com")
    assert (named.email, named.name) == ("bob@example.com", "Bob B.")
    with read_session(db_engine) as session:
        found = find_account_by_email(session, "ALICE@example.com")
        assert found is not None
        assert found.id == alice.id
        assert users.require_user(session, "Bob@Example.com").id == named.id
        with pytest.raises(UnknownUser, match=r"carol@example\.com"):
            users.require_user(session, "carol@example.com")


def test_duplicate_users_are_refused(db_engine: Engine, clock: FakeClock) -> None:
    with write_session(db_engine) as session:
        users.create_user(session, "alice@example.com", clock())
        create_account(session, "ci", clock())
    with write_session(db_engine) as session, pytest.raises(UserExists, match="email"):
        users.create_user(session, "ALICE@example.com", clock(), name="another")
    with write_session(db_engine) as session, pytest.raises(UserExists, match="named 'ci'"):
        users.create_user(session, "ci@example.com", clock(), name="ci")
    with write_session(db_engine) as session, pytest.raises(InvalidEmail):
        users.create_user(session, "alice", clock())


def test_list_accounts_shows_people_and_service_accounts(db_engine: Engine, world: World) -> None:
    with read_session(db_engine) as session:
        listed = [(a.name, a.email) for a in users.list_accounts(session)]
    assert listed == [
        ("alice@example.com", "alice@example.com"),
        ("bob@example.com", "bob@example.com"),
        ("carol@example.com", "carol@example.com"),
        ("ci", None),
        ("dave@example.com", "dave@example.com"),
    ]


def test_re_adding_a_member_changes_the_role(
    db_engine: Engine, world: World, clock: FakeClock
) -> None:
    with write_session(db_engine) as session:
        service.add_member(
            session, Provider.GITHUB, "ACME", "Carol@example.com", role=Role.MANAGER, now=clock()
        )
    with read_session(db_engine) as session:
        acme = service.require_organization(session, Provider.GITHUB, "acme")
        members = service.list_members(session, acme.id)
        rows = session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.organization_id == acme.id)
        )
    assert [(m.name, m.role) for m in members] == [
        ("alice@example.com", Role.ADMIN),
        ("bob@example.com", Role.MANAGER),
        ("carol@example.com", Role.MANAGER),
        ("ci", Role.MEMBER),
    ]
    assert rows == 4
    assert members[3].email is None


def test_adding_needs_an_existing_organization_and_user(
    db_engine: Engine, world: World, clock: FakeClock
) -> None:
    with write_session(db_engine) as session, pytest.raises(UnknownOrganization, match="gh/nope"):
        service.add_member(
            session, Provider.GITHUB, "nope", "alice@example.com", role=Role.ADMIN, now=clock()
        )
    with write_session(db_engine) as session, pytest.raises(UnknownUser):
        service.add_member(
            session, Provider.GITHUB, "acme", "erin@example.com", role=Role.ADMIN, now=clock()
        )
    with write_session(db_engine) as session, pytest.raises(UnknownOrganization):
        # The same name under another provider is another organisation.
        service.add_member(
            session, Provider.BITBUCKET, "acme", "alice@example.com", role=Role.ADMIN, now=clock()
        )


def test_removing_a_member(db_engine: Engine, world: World) -> None:
    with write_session(db_engine) as session:
        service.remove_member(session, Provider.GITHUB, "acme", "bob@example.com")
    with write_session(db_engine) as session, pytest.raises(NotAMember, match=r"bob@example\.com"):
        service.remove_member(session, Provider.GITHUB, "acme", "bob@example.com")
    with read_session(db_engine) as session:
        acme = service.require_organization(session, Provider.GITHUB, "acme")
        names = [m.name for m in service.list_members(session, acme.id)]
        bob = users.require_user(session, "bob@example.com")
    # The account stays; only the membership went.
    assert "bob@example.com" not in names
    assert bob.disabled_at is None


def test_organizations_of_an_account_with_its_roles(db_engine: Engine, world: World) -> None:
    with read_session(db_engine) as session:
        carol = users.require_user(session, "carol@example.com")
        dave = users.require_user(session, "dave@example.com")
        carols = service.organizations_of(session, carol.id)
        daves = service.organizations_of(session, dave.id)
    assert [(o.provider, o.name, o.role) for o in carols] == [
        (Provider.GITHUB, "Acme", Role.MEMBER),
        (Provider.GITLAB, "globex", Role.MANAGER),
    ]
    assert daves == []


def test_disabling_a_user_stops_its_tokens_until_enabled(
    db_engine: Engine, clock: FakeClock
) -> None:
    with write_session(db_engine) as session:
        alice = users.create_user(session, "alice@example.com", clock())
        token = issue_token(session, alice.id, "laptop", clock()).token
    first = clock()
    with write_session(db_engine) as session:
        users.set_disabled(session, "alice@example.com", first)
    clock.advance(60)
    with write_session(db_engine) as session:
        again = users.set_disabled(session, "alice@example.com", clock())
        assert again.disabled_at == first  # the first time is kept
        assert authenticate(session, token, clock()) is None
    with write_session(db_engine) as session:
        users.set_disabled(session, "ALICE@example.com", None)
    with write_session(db_engine) as session:
        found = authenticate(session, token, clock())
        assert found is not None
        assert found.id == alice.id
