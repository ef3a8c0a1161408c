"""Times are stored in UTC and shown in Europe/London."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def london(value: datetime | None) -> str:
    """A UTC time as a person in England reads it, e.g. '3 March 2027, 9:05am'."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(LONDON)
    hour = local.strftime("%I").lstrip("0")
    return f"{local.day} {local:%B %Y}, {hour}:{local:%M}{local:%p}".replace("AM", "am").replace(
        "PM", "pm"
    )


def london_time(value: datetime | None) -> str:
    """A UTC time as a London clock time, e.g. '09:05'."""
    return "" if value is None else f"{as_utc(value).astimezone(LONDON):%H:%M}"
