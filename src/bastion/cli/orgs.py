"""`bastion orgs …`, `bastion users …` and `bastion members …`: who may use the API."""

from __future__ import annotations

from typing import Annotated

import typer

from bastion.cli.admin import admin_errors, print_table, when

orgs_app = typer.Typer(help="Organisations under a git provider.", no_args_is_help=True)
users_app = typer.Typer(help="People's accounts, identified by email.", no_args_is_help=True)
members_app = typer.Typer(
    help="Who belongs to an organisation, with which role.", no_args_is_help=True
)

_PROVIDERS = "gh, ghe, gl, gle, bb or bbe"
OrgRef = Annotated[
    str,
    typer.Argument(metavar="PROVIDER/NAME", help=f"The organisation, e.g. gh/acme ({_PROVIDERS})."),
]
Email = Annotated[str, typer.Argument(metavar="EMAIL", help="The user's email address.")]


@orgs_app.command("create")
def create_org(
    provider: Annotated[str, typer.Argument(metavar="PROVIDER", help=_PROVIDERS)],
    name: Annotated[str, typer.Argument(metavar="NAME", help="As the provider spells it.")],
) -> None:
    """Create an organisation (GitHub App installations create theirs on first use)."""
    with admin_errors():
        from bastion.cli.state import open_engine  # noqa: PLC0415 - lazy: keeps --help fast
        from bastion.clock import utcnow  # noqa: PLC0415
        from bastion.db.session import write_session  # noqa: PLC0415
        from bastion.orgs.service import create_organization, parse_provider  # noqa: PLC0415

        parsed = parse_provider(provider)
        with write_session(open_engine()) as session:
            org = create_organization(session, parsed, name, utcnow())
        typer.echo(f"created organization {org.provider}/{org.name}")


@orgs_app.command("list")
def list_orgs() -> None:
    """Every organisation."""
    with admin_errors():
        from bastion.cli.state import open_engine  # noqa: PLC0415
        from bastion.db.session import read_session  # noqa: PLC0415
        from bastion.orgs.service import list_organizations  # noqa: PLC0415

        with read_session(open_engine()) as session:
            orgs = list_organizations(session)
        rows = [
            [
                f"{org.provider}/{org.name}",
                "-" if org.github_installation_id is None else str(org.github_installation_id),
                when(org.created_at),
            ]
            for org in orgs
        ]
        print_table(["ORGANIZATION", "INSTALLATION", "CREATED"], rows)


@users_app.command("create")
def create_user(
    email: Email,
    name: Annotated[
        str | None, typer.Option("--name", help="Account name (default: the email).")
    ] = None,
) -> None:
    """Create a user; add it to organisations with `bastion members add`."""
    with admin_errors():
        from bastion.cli.state import open_engine  # noqa: PLC0415
        from bastion.clock import utcnow  # noqa: PLC0415
        from bastion.db.session import write_session  # noqa: PLC0415
        from bastion.orgs import users  # noqa: PLC0415

        with write_session(open_engine()) as session:
            account = users.create_user(session, email, utcnow(), name=name)
        typer.echo(f"created user {account.email} (account {account.name!r})")


@users_app.command("list")
def list_users() -> None:
    """Every account: users, and service accounts (no email) holding CI tokens."""
    with admin_errors():
        from bastion.cli.state import open_engine  # noqa: PLC0415
        from bastion.db.session import read_session  # noqa: PLC0415
        from bastion.orgs import users  # noqa: PLC0415

        with read_session(open_engine()) as session:
            accounts = users.list_accounts(session)
        rows = [
            [
                account.email or "-",
                account.name,
                when(account.created_at),
                when(account.disabled_at),
            ]
            for account in accounts
        ]
        print_table(["EMAIL", "NAME", "CREATED", "DISABLED"], rows)


@users_app.command("disable")
def disable_user(email: Email) -> None:
    """Disable a user: its tokens stop working at once; its memberships stay."""
    _set_disabled(email, disable=True)


@users_app.command("enable")
def enable_user(email: Email) -> None:
    """Enable a disabled user again; its tokens that are not revoked or expired work again."""
    _set_disabled(email, disable=False)


def _set_disabled(email: str, *, disable: bool) -> None:
    with admin_errors():
        from bastion.cli.state import open_engine  # noqa: PLC0415
        from bastion.clock import utcnow  # noqa: PLC0415
        from bastion.db.session import write_session  # noqa: PLC0415
        from bastion.orgs import users  # noqa: PLC0415

        with write_session(open_engine()) as session:
            account = users.set_disabled(session, email, utcnow() if disable else None)
        typer.echo(f"{'disabled' if disable else 'enabled'} user {account.email}")


@members_app.command("add")
def add_member(
    organization: OrgRef,
    email: Email,
    role: Annotated[
        str, typer.Option("--role", help="admin, manager or member; re-adding changes the role.")
    ] = "member",
) -> None:
    """Add a user to an organisation, or change its role there."""
    with admin_errors():
        from bastion.cli.state import open_engine  # noqa: PLC0415
        from bastion.clock import utcnow  # noqa: PLC0415
        from bastion.db.session import write_session  # noqa: PLC0415
        from bastion.orgs import service  # noqa: PLC0415

        provider, name = service.parse_org_ref(organization)
        parsed_role = service.parse_role(role)
        with write_session(open_engine()) as session:
            service.add_member(session, provider, name, email, role=parsed_role, now=utcnow())
        typer.echo(f"{email.strip().lower()} is {parsed_role.value} of {provider.value}/{name}")


@members_app.command("remove")
def remove_member(organization: OrgRef, email: Email) -> None:
    """Remove a user from an organisation (the account and its tokens stay)."""
    with admin_errors():
        from bastion.cli.state import open_engine  # noqa: PLC0415
        from bastion.db.session import write_session  # noqa: PLC0415
        from bastion.orgs import service  # noqa: PLC0415

        provider, name = service.parse_org_ref(organization)
        with write_session(open_engine()) as session:
            service.remove_member(session, provider, name, email)
        typer.echo(f"removed {email.strip().lower()} from {provider.value}/{name}")


@members_app.command("list")
def list_members(organization: OrgRef) -> None:
    """An organisation's members and their roles."""
    with admin_errors():
        from bastion.cli.state import open_engine  # noqa: PLC0415
        from bastion.db.session import read_session  # noqa: PLC0415
        from bastion.orgs import service  # noqa: PLC0415

        provider, name = service.parse_org_ref(organization)
        with read_session(open_engine()) as session:
            org = service.require_organization(session, provider, name)
            members = service.list_members(session, org.id)
        rows = [
            [
                member.email or "-",
                member.name,
                member.role.value,
                when(member.added_at),
                "disabled" if member.disabled else "active",
            ]
            for member in members
        ]
        print_table(["EMAIL", "NAME", "ROLE", "ADDED", "STATUS"], rows)
