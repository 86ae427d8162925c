"""What admins type: emails, account names, PROVIDER/NAME, providers and roles."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bastion.db.models.orgs import Provider, Role
from bastion.orgs.errors import InvalidAccountName, InvalidEmail, InvalidOrganization, InvalidRole
from bastion.orgs.service import check_name, parse_org_ref, parse_provider, parse_role
from bastion.orgs.users import MAX_EMAIL, check_account_name, parse_email

org_names = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._/-]{0,99}\Z")
providers = st.sampled_from(list(Provider))
roles = st.sampled_from(list(Role))


def _case_variants(text: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(text, upper, strict=True))
    )


@given(st.emails(), st.sampled_from(["", " ", "\t", "\n "]))
def test_every_email_is_accepted_trimmed_and_lower_cased(email: str, space: str) -> None:
    assert parse_email(f"{space}{email}{space}") == email.lower()


@given(st.text(max_size=300))
@example("alice@example")  # one label: a typo for a real domain
@example("alice@@example.com")
@example("al ice@example.com")
@example("alice.@example.com")
@example("alice@-example.com")
@example("alice@example.123")
def test_anything_else_is_refused_with_invalid_email_or_normalised(text: str) -> None:
    try:
        email = parse_email(text)
    except InvalidEmail:
        return
    local, _, domain = email.rpartition("@")
    assert email == email.strip().lower()
    assert local
    assert "." in domain
    assert len(email) <= MAX_EMAIL
    assert not any(c.isspace() for c in email)
    assert parse_email(email) == email


@pytest.mark.parametrize(
    "text",
    [
        "",
        "alice",
        "@example.com",
        "alice@",
        "alice@example",
        "a b@example.com",
        "alice@ex_ample.com",
        "alice..b@example.com",
        "alice@example..com",
        "alice@exam\nple.com",
        "é@example.com",
        f"{'a' * 65}@example.com",
        f"alice@{'a' * 250}.com",
    ],
)
def test_refused_emails(text: str) -> None:
    with pytest.raises(InvalidEmail):
        parse_email(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Alice@Example.COM", "alice@example.com"),
        ("  o'brien+ci@mail.example.co.uk ", "o'brien+ci@mail.example.co.uk"),
        ("first.last@xn--bcher-kva.example", "first.last@xn--bcher-kva.example"),
    ],
)
def test_accepted_emails(text: str, expected: str) -> None:
    assert parse_email(text) == expected


@given(st.text(max_size=120))
def test_account_names_are_trimmed_printable_and_bounded(text: str) -> None:
    try:
        name = check_account_name(text)
    except InvalidAccountName:
        stripped = text.strip()
        assert not stripped or len(stripped) > 100 or not stripped.isprintable()
        return
    assert name == text.strip()
    assert 1 <= len(name) <= 100
    assert name.isprintable()


@given(providers, org_names, st.data())
def test_org_refs_round_trip(provider: Provider, name: str, data: st.DataObject) -> None:
    spelt = data.draw(_case_variants(provider.value))
    assert parse_org_ref(f" {spelt}/{name} ") == (provider, name)


@given(st.text(max_size=120))
@example("gh")
@example("gh/")
@example("/acme")
@example("github/acme")
@example("gh/ acme")
def test_bad_org_refs_raise_invalid_organization_only(text: str) -> None:
    try:
        provider, name = parse_org_ref(text)
    except InvalidOrganization:
        return
    assert f"{provider.value}/{name}".lower() == text.strip().lower()
    assert check_name(name) == name


@given(st.text(max_size=20))
@example(" GHE ")
@example("Admin")
def test_providers_and_roles_are_parsed_or_refused_listing_the_choices(text: str) -> None:
    key = text.strip().lower()
    if key in {p.value for p in Provider}:
        assert parse_provider(text).value == key
    else:
        with pytest.raises(InvalidOrganization, match="use one of gh, ghe, gl, gle, bb, bbe"):
            parse_provider(text)
    if key in {r.value for r in Role}:
        assert parse_role(text).value == key
    else:
        with pytest.raises(InvalidRole, match="use one of admin, manager, member"):
            parse_role(text)


@given(roles, st.data())
def test_roles_are_case_insensitive(role: Role, data: st.DataObject) -> None:
    assert parse_role(data.draw(_case_variants(role.value))) is role
