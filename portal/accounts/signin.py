"""Signing in, and passwords: change, forgotten, reset."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from portal.accounts import sign_in_sessions
from portal.accounts.links import link_to, make_link_token, read_link_token
from portal.accounts.lookup import (
    RESET,
    acting_for,
    audit_tenant,
    find_user_by_email,
    normalise_email,
)
from portal.accounts.models import User, new_stamp
from portal.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from portal.audit.service import record
from portal.common.clock import utcnow
from portal.errors import RuleError
from portal.jobs.service import enqueue
from portal.mail.service import queue_mail, sent_lately


def authenticate(email: str, password: str) -> User | None:
    """The user these credentials belong to, if they are right and the account is active.

    Records the attempt either way, and upgrades the hash when the parameters changed.
    """
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    with acting_for(user):
        if not ok or user is None or not user.active:
            record(
                "auth.sign_in_failed",
                actor=user,
                tenant_id=audit_tenant(user) if user else None,
                summary=f"Failed sign-in for {normalise_email(email)[:200]}",
                details={"email": normalise_email(email)[:254]},
            )
            return None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_sign_in_at = utcnow()
        record("auth.signed_in", obj=user, actor=user, tenant_id=audit_tenant(user))
    return user


def set_password(user: User, password: str) -> None:
    problems = password_problems(password, user_inputs=(user.email, user.name))
    if problems:
        raise RuleError(problems[0], "password")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_stamp = new_stamp()  # every link made before stops working ...
    sign_in_sessions.end_all(user, sign_in_sessions.PASSWORD_CHANGED)  # ... and every session


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; other sessions end."""
    if not verify_password(user.password_hash, current):
        raise RuleError("Your current password is not right", "current_password")
    set_password(user, new)
    record("user.password_changed", obj=user, actor=user, tenant_id=audit_tenant(user))


def request_password_reset(email: str) -> None:
    """Promise to email a reset link, if the account exists; say nothing either way.

    The request does the same work whoever the address belongs to (one outbox row),
    so its timing tells nobody whether an account exists: the lookup, the per-account
    limit and the email happen in the background (:func:`send_password_reset`).
    """
    enqueue("accounts.password_reset", tenant_id=None, email=normalise_email(email)[:254])


def send_password_reset(user: User) -> None:
    """Email a reset link to an active account with a password, at most
    ``PASSWORD_RESETS_PER_HOUR`` times an hour, however often it is asked for."""
    if not user.active or not user.has_password:
        return
    with acting_for(user):
        limit = current_app.config["PASSWORD_RESETS_PER_HOUR"]
        if sent_lately(user.email, "password_reset", within=timedelta(hours=1)) >= limit:
            record(
                "user.password_reset_limited",
                obj=user,
                actor=user,
                tenant_id=audit_tenant(user),
                summary=f"Reset email not sent to {user.email}: too many in an hour",
            )
            return
        _queue_reset(user)


def _queue_reset(user: User) -> None:
    tenant_id = audit_tenant(user)
    link = link_to("auth.reset_password", make_link_token(user, RESET))
    queue_mail(
        to=user.email,
        subject="Reset your partnership portal password",
        body=(
            f"Hello {user.name},\n\nSomeone asked to reset your password. If it was you, "
            f"use this link within an hour: {link}\n\n"
            "If it was not you, you can ignore this email; your password has not changed.\n"
        ),
        kind="password_reset",
        tenant_id=tenant_id,
    )
    record("user.password_reset_requested", obj=user, actor=user, tenant_id=tenant_id)


def reset_password(token: str, password: str) -> User:
    user = read_link_token(token, RESET, current_app.config["PASSWORD_RESET_MAX_AGE"])
    with acting_for(user):
        set_password(user, password)
        record("user.password_reset", obj=user, actor=user, tenant_id=audit_tenant(user))
    return user
