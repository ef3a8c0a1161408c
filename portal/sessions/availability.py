"""A host's availability: working hours, booking rules and time away."""

from __future__ import annotations

from datetime import date, timedelta

from portal.accounts.models import User
from portal.audit.service import record
from portal.errors import NotFound, RuleError
from portal.extensions import db
from portal.sessions.diary import windows_for
from portal.sessions.models import AvailabilityException as Exception_
from portal.sessions.models import AvailabilitySettings, AvailabilityWindow


def save_settings(
    user: User,
    *,
    buffer_before: int | None,
    buffer_after: int | None,
    max_per_day: int | None,
    max_per_week: int | None,
    confirm_bookings: bool,
) -> AvailabilitySettings:
    for name, value in (("buffer_before", buffer_before), ("buffer_after", buffer_after)):
        if value is None or not 0 <= value <= 240:
            raise RuleError("Enter a buffer from 0 to 240 minutes", name)
    if max_per_day is not None and not 1 <= max_per_day <= 10:
        raise RuleError("Visits a day must be from 1 to 10, or blank for no limit", "max_per_day")
    if max_per_week is not None and not 1 <= max_per_week <= 50:
        raise RuleError("Visits a week must be from 1 to 50, or blank for no limit", "max_per_week")
    if max_per_day and max_per_week and max_per_week < max_per_day:
        raise RuleError("Visits a week cannot be fewer than visits a day", "max_per_week")
    settings = db.session.get(AvailabilitySettings, user.id)
    if settings is None:
        settings = AvailabilitySettings(user_id=user.id)
        db.session.add(settings)
    settings.buffer_before, settings.buffer_after = buffer_before, buffer_after
    settings.max_per_day, settings.max_per_week = max_per_day, max_per_week
    settings.confirm_bookings = bool(confirm_bookings)
    record("availability.settings", obj=user, actor=user, summary="Booking rules changed")
    return settings


def save_windows(user: User, windows: dict[int, tuple | None]) -> None:
    """Replace the weekly windows: weekday -> (starts, ends) in London time, or None."""
    for weekday, span in windows.items():
        if span is None:
            continue
        starts, ends = span
        if starts is None or ends is None:
            raise RuleError(
                "Enter both a start and an end time, or neither", f"day_{weekday}_starts"
            )
        if ends <= starts:
            raise RuleError("The end time must be after the start time", f"day_{weekday}_ends")
    for old in windows_for(user.id):
        db.session.delete(old)
    for weekday, span in sorted(windows.items()):
        if span is not None:
            db.session.add(
                AvailabilityWindow(user_id=user.id, weekday=weekday, starts=span[0], ends=span[1])
            )
    record("availability.windows", obj=user, actor=user, summary="Working hours changed")


def add_exception(
    user: User, *, starts_on: date | None, ends_on: date | None, kind, note: str = ""
) -> Exception_:
    if starts_on is None:
        raise RuleError("Enter the first day away", "starts_on")
    if ends_on is None:
        ends_on = starts_on
    if ends_on < starts_on:
        raise RuleError("The last day must be the same as or after the first day", "ends_on")
    if ends_on - starts_on > timedelta(days=366):
        raise RuleError("Time away can be at most a year", "ends_on")
    away = Exception_(
        user_id=user.id,
        starts_on=starts_on,
        ends_on=ends_on,
        kind=kind,
        note=(note or "").strip()[:200],
    )
    db.session.add(away)
    record(
        "availability.exception",
        obj=user,
        actor=user,
        summary=f"Away {starts_on:%-d %B} to {ends_on:%-d %B %Y}",
    )
    return away


def remove_exception(user: User, exception_id: int) -> None:
    away = db.session.get(Exception_, exception_id)
    if away is None or away.user_id != user.id:
        raise NotFound(exception_id)
    db.session.delete(away)


def save_availability(
    user: User, *, windows: dict[int, tuple | None], **settings
) -> AvailabilitySettings:
    """The host's whole availability form: booking rules and weekly hours, together (a
    refusal of either changes neither)."""
    saved = save_settings(user, **settings)
    save_windows(user, windows)
    return saved
