"""Slowing password guessers down without locking out the people whose accounts they guess.

Only failed attempts count, so a council network where twenty people sign in at nine
o'clock is never refused. A guesser is limited per network address and per account
from that address: wrong passwords typed elsewhere cannot lock the owner out.

A browser that has signed in to an account before carries a known-device cookie
(OWASP's "device cookies"). From it, attempts at that account are counted per device
instead, so the owner still gets in from a network someone is guessing from. Guessing
spread over many addresses meets a third, looser limit per account that applies to
unknown browsers only: it can keep the owner out of a new browser for an hour, never
out of one they have used before.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.accounts.lookup import normalise_email
from portal.extensions import limiter

DEVICE_COOKIE = "portal_device"
DEVICE_MAX_AGE = timedelta(days=365)


def failures(limit, key, *, unless=None):
    """A rate limit on POSTs that counts only those that failed (see :func:`failed`)."""
    return limiter.limit(
        limit, key_func=key, methods=["POST"], deduct_when=failed, exempt_when=unless
    )


def address_limit() -> str:
    return current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"]


def account_limit() -> str:
    return current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"]


def account_anywhere_limit() -> str:
    return current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT_ANYWHERE"]


def failed(response) -> bool:
    """A sign-in (or password change) that did not go through: it redirects on success."""
    return response.status_code != 302


def _email() -> str:
    return normalise_email(request.form.get("email", ""))[:254]


def address_key() -> str:
    return f"sign-in-address:{get_remote_address()}"


def account_and_address_key() -> str:
    return f"sign-in-account:{_email()}:{get_remote_address()}"


def account_key() -> str:
    return f"sign-in-account:{_email()}"


def device_key() -> str:
    return f"sign-in-device:{known_device() or ''}"


def password_change_key() -> str:
    return f"password-change:{current_user.get_id() if current_user.is_authenticated else ''}"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="known-device")


def _tag(email: str) -> str:
    """Names the account without the cookie holding its address."""
    key = current_app.secret_key.encode()
    return hmac.new(key, email.encode(), hashlib.sha256).hexdigest()[:32]


def known_device() -> str | None:
    """This browser's device id, if it signed in before to the account being tried
    (read once per request: every limit on the sign-in form asks)."""
    if "known_device" not in g:
        g.known_device = _device_in_cookie()
    return g.known_device


def _device_in_cookie() -> str | None:
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie or len(cookie) > 300:
        return None
    try:
        data = _serializer().loads(cookie, max_age=int(DEVICE_MAX_AGE.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(data, dict) or not hmac.compare_digest(
        str(data.get("a", "")), _tag(_email())
    ):
        return None
    return str(data.get("d", "")) or None


def is_known_device() -> bool:
    return known_device() is not None


def is_unknown_device() -> bool:
    return known_device() is None


def remember_device(response, email: str) -> None:
    """After a successful sign-in: this browser is now known for this account."""
    value = _serializer().dumps({"a": _tag(normalise_email(email)), "d": secrets.token_hex(8)})
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=int(DEVICE_MAX_AGE.total_seconds()),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
