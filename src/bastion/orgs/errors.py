"""What can go wrong administering organisations, users and memberships.

Each error carries its API ``code`` and status; the CLI shows the message and exits 2.
"""

from __future__ import annotations

from bastion.errors import BastionError


class InvalidOrganization(BastionError):
    code = "invalid_organization"
    status_code = 400
    default_message = "Invalid organization"


class OrganizationExists(BastionError):
    code = "organization_exists"
    status_code = 409
    default_message = "The organization already exists"


class UnknownOrganization(BastionError):
    # The same code as the API's 404 for an organisation the caller cannot see.
    code = "organization_not_found"
    status_code = 404
    default_message = "Organization not found"


class InvalidRole(BastionError):
    code = "invalid_role"
    status_code = 400
    default_message = "Invalid role"


class InvalidEmail(BastionError):
    code = "invalid_email"
    status_code = 400
    default_message = "Invalid email address"


class InvalidAccountName(BastionError):
    code = "invalid_account_name"
    status_code = 400
    default_message = "Invalid account name"


class UserExists(BastionError):
    code = "user_exists"
    status_code = 409
    default_message = "The user already exists"


class UnknownUser(BastionError):
    code = "user_not_found"
    status_code = 404
    default_message = "User not found"


class NotAMember(BastionError):
    code = "membership_not_found"
    status_code = 404
    default_message = "The user is not a member of the organization"
