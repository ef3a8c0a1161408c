"""Errors that service functions raise for a person to read."""

from __future__ import annotations


class RuleError(ValueError):
    """A domain rule refused the change. ``field`` names the form field to blame, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(Exception):
    """The record is not there, or not for this person: a 404 that never confirms it exists.

    Deliberately not a LookupError, so a KeyError or IndexError from a bug inside a
    service is a 500 that gets fixed, not a silent 404.
    """
