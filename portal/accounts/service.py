"""The rules for people: invitations, sign-in, passwords, roles and deactivation.

Routes, CLI commands and jobs all call these by these names; each function adds its
changes and audit events to the session, and the caller commits once. They live in:

- ``lookup``: finding people, and a person's tenant scope;
- ``links``: signed links for invitations and resets;
- ``invitations``: who may invite whom, accepting, correcting details;
- ``pending``: invitations not yet accepted: their state, sending again, cancelling;
- ``signin``: signing in and passwords;
- ``people``: administering people, and who is in an authority.
"""

from portal.accounts.invitations import (
    accept_invitation,
    can_invite,
    correct_details,
    invite_user,
)
from portal.accounts.links import (
    link_to,
    make_link_token,
    read_link_token,
)
from portal.accounts.lookup import (
    EMAIL_FORMAT,
    INVITE,
    RESET,
    LinkError,
    acting_for,
    audit_tenant,
    find_user_by_email,
    has_control_characters,
    home_tenant,
    normalise_email,
    tenant_ids_for,
    tenants_for,
)
from portal.accounts.pending import (
    AccountState,
    Invitation,
    account_state,
    cancel_invitation,
    invitation_expires_at,
    resend_invitation,
)
from portal.accounts.people import (
    active_participant,
    active_participants,
    active_participants_query,
    can_manage_person,
    change_role,
    count_users_by_role,
    end_sessions,
    participant_counts,
    partner_staff_counts,
    people_query,
    set_active,
    set_assignments,
    tenant_people_query,
    tenant_person,
)
from portal.accounts.sign_in_sessions import open_sessions
from portal.accounts.signin import (
    authenticate,
    change_password,
    request_password_reset,
    reset_password,
    set_password,
)

__all__ = [
    "AccountState",
    "account_state",
    "cancel_invitation",
    "correct_details",
    "invitation_expires_at",
    "resend_invitation",
    "EMAIL_FORMAT",
    "INVITE",
    "Invitation",
    "LinkError",
    "RESET",
    "accept_invitation",
    "acting_for",
    "active_participant",
    "active_participants",
    "active_participants_query",
    "audit_tenant",
    "authenticate",
    "can_invite",
    "can_manage_person",
    "change_password",
    "change_role",
    "count_users_by_role",
    "find_user_by_email",
    "has_control_characters",
    "home_tenant",
    "invite_user",
    "link_to",
    "make_link_token",
    "normalise_email",
    "participant_counts",
    "partner_staff_counts",
    "people_query",
    "read_link_token",
    "request_password_reset",
    "reset_password",
    "set_active",
    "end_sessions",
    "open_sessions",
    "set_assignments",
    "set_password",
    "tenant_ids_for",
    "tenant_people_query",
    "tenant_person",
    "tenants_for",
]
