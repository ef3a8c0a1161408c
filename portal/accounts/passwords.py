"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from portal.config import PASSWORD_HASH_COSTS, password_hash_cost

MIN_LENGTH = 12
MAX_LENGTH = 128


def make_hasher(cost: str) -> PasswordHasher:
    """An argon2id hasher at one of the costs in portal/config.py's PASSWORD_HASH_COSTS."""
    return PasswordHasher(type=Type.ID, **PASSWORD_HASH_COSTS[cost])


# argon2id at the cost PASSWORD_HASH_COST names when this module is first imported:
# production's unless the test suite asked for its own (tests/conftest.py).
hasher = make_hasher(password_hash_cost())
# Verified against when an email is unknown, so a miss costs as long as a hit.
_DUMMY_HASH = hasher.hash("not-a-real-password-but-the-same-cost")


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always takes one argon2 verification."""
    try:
        return hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher.check_needs_rehash(password_hash)


STRENGTH_CHECKED = 72


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def password_problems(password: str, *, user_inputs: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with ``password`` as a new password, in words for the user (empty if fine)."""
    if len(password) < MIN_LENGTH:
        return [f"Password must be {MIN_LENGTH} characters or more"]
    if len(password) > MAX_LENGTH:
        return [f"Password must be {MAX_LENGTH} characters or fewer"]
    if password.lower() in _common_passwords():
        return ["Password is too common. Try three or four random words together"]
    # zxcvbn judges at most its first 72 characters (it refuses more: its matching grows
    # fast with length); past those, a password is as strong as its first 72.
    result = zxcvbn(password[:STRENGTH_CHECKED], user_inputs=[u for u in user_inputs if u])
    if result["score"] < 3:
        warning = result["feedback"].get("warning") or "Password is too easy to guess"
        return [f"{warning.rstrip('.')}. Try three or four random words together"]
    return []
