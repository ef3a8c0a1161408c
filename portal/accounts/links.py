"""Signed links in emails: invitations and password resets."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.accounts.lookup import INVITE, LinkError
from portal.accounts.models import User
from portal.common.routes import absolute_url_for
from portal.extensions import db


def signer(purpose: str) -> URLSafeTimedSerializer:
    """Signs and reads the tokens of one kind of emailed link (its own salt)."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal-{purpose}")


def make_link_token(user: User, purpose: str) -> str:
    """A signed token for ``user`` that stops working once their stamp rotates."""
    return signer(purpose).dumps({"u": user.id, "s": user.session_stamp})


def read_link_token(token: str, purpose: str, max_age: timedelta) -> User:
    """The user a valid, unexpired, unused link is for, or :class:`LinkError`."""
    what = "invitation" if purpose == INVITE else "password reset link"
    try:
        data = signer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise LinkError(f"This {what} has expired. Ask for a new one.") from error
    except BadSignature as error:
        raise LinkError(f"This {what} is not valid. Check you copied the whole link.") from error
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise LinkError(f"This {what} is not valid. Check you copied the whole link.")
    if data.get("s") != user.session_stamp:
        raise LinkError(
            f"This {what} has already been used, or a newer one was sent. Use the link in "
            "the newest email, or ask for a new one."
        )
    return user


def link_to(endpoint: str, token: str) -> str:
    """An absolute link for an email, on ``PORTAL_BASE_URL``: the CLI and jobs (no
    request) make the same links as pages do."""
    return absolute_url_for(endpoint, token=token)
