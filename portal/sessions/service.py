"""The rules of sessions: every booking and change goes through one of these functions.

Routes, jobs and the CLI call them by these names; each lives in the module named
after what it does:

- ``diary``: who is busy when (read across authorities as times and counts only);
- ``visits``: finding a time for a joint visit or consultation, and booking it;
- ``groups``: group sessions, series, seats and the waiting list;
- ``changes``: confirming, cancelling, moving, recording attendance;
- ``messages``: telling people (each in their own authority's scope) and reminders;
- ``availability``: a host's hours, booking rules and time away;
- ``views`` and ``feeds``: the sessions people see, and their private calendar feeds.
"""

from portal.common.clock import london_date
from portal.common.clock import utcnow as now
from portal.sessions.availability import (
    add_exception,
    remove_exception,
    save_availability,
    save_settings,
    save_windows,
)
from portal.sessions.changes import (
    can_change,
    can_record_attendance,
    cancel_session,
    confirm_session,
    record_attendance,
    reschedule_session,
)
from portal.sessions.diary import (
    NOTICE,
    SeatRoom,
    busy_as_host,
    busy_as_participant,
    exceptions_for,
    get_session,
    host_rules,
    placement_periods,
    seat_counts,
    seat_room,
    seats_taken,
    settings_for,
    windows_for,
)
from portal.sessions.feeds import (
    calendar_sessions,
    feed_for,
    feed_owner,
    new_feed_token,
    revoke_feed,
)
from portal.sessions.groups import (
    MAX_OCCURRENCES,
    REPEATS,
    book_seat,
    create_group,
    fill_from_waiting_list,
    leave_seat,
    occurrences,
)
from portal.sessions.messages import (
    REMINDER_BEFORE,
    reflection_path,
    send_reminder,
    session_path,
    when,
)
from portal.sessions.series import SeriesBooking, book_series, coming_count, coming_in_series
from portal.sessions.views import (
    attended_by,
    authority_sessions,
    awaiting_confirmation,
    hosted_by,
    upcoming_groups,
)
from portal.sessions.visits import (
    LENGTHS,
    ONLINE,
    Slot,
    book_visit,
    can_book_for,
    find_slots,
    offices,
    visit_hosts,
)

__all__ = [
    "LENGTHS", "MAX_OCCURRENCES", "NOTICE", "ONLINE", "REMINDER_BEFORE", "REPEATS", "Slot",
    "add_exception", "attended_by", "authority_sessions", "book_seat", "book_series",
    "book_visit", "coming_count", "coming_in_series", "SeriesBooking", "seat_room", "SeatRoom",
    "busy_as_host", "busy_as_participant", "calendar_sessions", "can_book_for", "can_change",
    "can_record_attendance", "cancel_session", "confirm_session", "create_group",
    "exceptions_for", "feed_for", "feed_owner", "fill_from_waiting_list", "find_slots",
    "get_session", "host_rules",
    "hosted_by", "awaiting_confirmation", "leave_seat", "london_date", "new_feed_token",
    "now", "occurrences",
    "offices", "placement_periods", "record_attendance", "reflection_path", "remove_exception",
    "reschedule_session", "revoke_feed", "save_availability", "save_settings", "save_windows",
    "seat_counts",
    "seats_taken", "send_reminder", "session_path", "settings_for", "upcoming_groups",
    "visit_hosts", "when", "windows_for",
]  # fmt: skip
