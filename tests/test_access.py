"""The access matrix: every route × anonymous, every role, and another tenant's user.

Walks ``app.url_map`` so a new route is covered the day it is added: it must be
listed below (or as public), or this test fails.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import Role, User
from portal.boards.models import Board, Comment, Flag, Reflection, ReflectionStatus, Visibility
from portal.common.clock import today, utcnow
from portal.jobs.models import JobRun, OutboxMessage
from portal.mail.service import queue_mail
from portal.notifications.service import notify
from portal.placements.models import Placement
from portal.programme import scope as programme_scope
from portal.programme.models import Application, Round
from portal.sessions.models import (
    AvailabilityException,
    ExceptionKind,
    Place,
    Session,
    SessionKind,
)

PUBLIC = {
    "static",
    "pages.index",
    "pages.accessibility",
    "pages.privacy",
    "pages.healthz",
    "pages.livez",
    "auth.sign_in",
    "auth.sign_out",
    "auth.accept_invitation",
    "auth.forgot_password",
    "auth.reset_password",
    "calendar.feed",  # the secret token is the key (calendar apps cannot sign in)
    "programme.index",  # the open round's page: applicants come from any council
    "programme.apply",  # starting an application: by an emailed link, or signed in
    "programme.start",  # the emailed link's token is the key
}

MANAGER, PARTICIPANT = "partner_manager_a", "participant_a"
HOSTS = ("host_practitioner", "service_lead", "facilitator")
LEAD = "service_lead"
ADMIN = "centre_admin"
ROLE_KEYS = (MANAGER, PARTICIPANT, *HOSTS, ADMIN)
EVERYONE = set(ROLE_KEYS)

# endpoint -> which of tenant a's users (and host staff working with a) may use it
ALLOWED = {
    "auth.change_password": EVERYONE,
    "auth.time_left": EVERYONE,
    "auth.stay_signed_in": EVERYONE,
    "auth.keep_typed": EVERYONE,
    "partner.index": EVERYONE,
    "partner.people": {MANAGER, *HOSTS, ADMIN},
    "partner.person": {MANAGER, *HOSTS, ADMIN},
    "partner.invite": {MANAGER},
    "partner.set_active": {MANAGER, ADMIN},
    "partner.resend_invitation": {MANAGER},
    "partner.cancel_invitation": {MANAGER},
    "partner.person_details": {MANAGER},
    "partner.import_participants": {MANAGER},
    "partner.import_template": {MANAGER},
    "partner.import_status": {MANAGER},
    "host.index": {*HOSTS, ADMIN},
    "host.authorities": {*HOSTS, ADMIN},
    "admin.index": {ADMIN},
    "admin.users": {ADMIN},
    "admin.invite": {ADMIN},
    "admin.user": {ADMIN},
    "admin.change_role": {ADMIN},
    "admin.assignments": {ADMIN},
    "admin.set_service": {ADMIN},
    "admin.set_active": {ADMIN},
    "admin.end_sessions": {ADMIN},
    "admin.resend_invitation": {ADMIN},
    "admin.cancel_invitation": {ADMIN},
    "admin.user_details": {ADMIN},
    "admin.audit": {ADMIN},
    "admin.mailbox": {ADMIN},
    "admin.mail_message": {ADMIN},
    "operations.index": {ADMIN},
    "operations.retry": {ADMIN},
    "operations.discard": {ADMIN},
    "notifications.index": EVERYONE,
    "notifications.count": EVERYONE,
    "notifications.read_all": EVERYONE,
    # Only its owner may mark a notification read; for everyone else it does not exist.
    "notifications.read": {PARTICIPANT},
    "admin.services": {ADMIN},
    "admin.edit_service": {ADMIN},
    "placements.index": EVERYONE,
    "placements.new": {MANAGER},
    "placements.detail": EVERYONE,  # participant_a is this placement's participant
    "placements.approve": {LEAD, ADMIN},
    "placements.decline": {LEAD, ADMIN},
    "placements.propose": {LEAD, ADMIN},
    "placements.start": {LEAD, ADMIN},
    "placements.complete": {LEAD, ADMIN},
    "placements.accept": {MANAGER},
    "placements.reject": {MANAGER},
    "placements.withdraw": {MANAGER},
    "placements.check": {MANAGER, LEAD, ADMIN},
    "placements.cancel": {ADMIN},
    "placements.evaluate": {PARTICIPANT, LEAD},
    "placements.services": {MANAGER, *HOSTS, ADMIN},
    "host_placements.lead_index": {LEAD, ADMIN},
    "host_placements.capacity": {*HOSTS, ADMIN},
    "sessions.index": EVERYONE,
    "sessions.detail": EVERYONE,  # participant_a is this visit's participant
    "sessions.ics": EVERYONE,
    "sessions.find": {MANAGER, PARTICIPANT},
    "sessions.book": {MANAGER, PARTICIPANT},
    # The visit's host, its participant, their manager and the centre may change it.
    "sessions.cancel": {MANAGER, PARTICIPANT, "host_practitioner", ADMIN},
    "sessions.reschedule": {MANAGER, PARTICIPANT, "host_practitioner", ADMIN},
    "sessions.confirm": {*HOSTS, ADMIN},
    "sessions.attendance": {*HOSTS, ADMIN},
    "sessions.groups": EVERYONE,
    "sessions.seat": {MANAGER, PARTICIPANT},
    "sessions.leave": {MANAGER, PARTICIPANT},
    "sessions.seat_series": {MANAGER, PARTICIPANT},
    "placements.undo_check": {MANAGER, LEAD, ADMIN},
    "admin_cohorts.index": {ADMIN},
    "admin_cohorts.new": {ADMIN},
    "admin_cohorts.apply_files": {ADMIN},
    "programme_admin.rounds_list": {ADMIN},
    "programme_admin.new_round": {ADMIN},
    "programme_admin.round_page": {ADMIN},
    "programme_admin.add_criterion": {ADMIN},
    "programme_admin.add_question": {ADMIN},
    "programme_admin.applications": {ADMIN},
    "programme_admin.application": {ADMIN},
    "programme_admin.extend": {ADMIN},
    "programme_admin.equality_report": {ADMIN},
    # Anyone signed in may apply, so may list their own applications ...
    "programme.my_applications": EVERYONE,
    # ... but an application's pages are its applicant's alone (the admins read it on
    # theirs): the one in the matrix is an applicant's outside the world, so all get 404.
    "programme.application": set(),
    "programme.autosave": set(),
    "programme.check": set(),
    "programme.equality_page": set(),
    "placements.undo_approval": {LEAD, ADMIN},
    "host_sessions.week": {*HOSTS, ADMIN},
    "host_sessions.session_detail": {*HOSTS, ADMIN},
    "host_sessions.session_ics": {*HOSTS, ADMIN},
    "host_sessions.confirm_host": {*HOSTS, ADMIN},
    "host_sessions.group_attendance": {*HOSTS, ADMIN},
    "host_sessions.cancel_group": {"facilitator", ADMIN},
    "host_sessions.reschedule_group": {"facilitator", ADMIN},
    "host_sessions.new_group": {"facilitator", ADMIN},
    "host_sessions.availability": {*HOSTS, ADMIN},
    "host_sessions.add_away": {*HOSTS, ADMIN},
    # Only its owner may remove time away; for everyone else it does not exist.
    "host_sessions.remove_away": {"host_practitioner"},
    "calendar.settings": EVERYONE,
    "boards.index": EVERYONE,
    "boards.board": EVERYONE,
    "boards.search": EVERYONE,
    "boards.start": {MANAGER, PARTICIPANT},
    "boards.reflect_on_session": {PARTICIPANT},  # a manager was not in the session: 404
    # Only its author (participant_a) writes, shares or deletes a reflection.
    "boards.edit": {PARTICIPANT},
    "boards.autosave": {PARTICIPANT},
    "boards.share": {PARTICIPANT},
    "boards.delete": {PARTICIPANT},
    "boards.reflection": EVERYONE,  # shared with the whole cohort
    "boards.comment": EVERYONE,
    "boards.helped": EVERYONE,
    "boards.flag": EVERYONE,
    "host_boards.host_reflection": {*HOSTS, ADMIN},
    "host_boards.moderation": {"facilitator", ADMIN},
    "host_boards.approve": {"facilitator", ADMIN},
    "host_boards.restore": {"facilitator", ADMIN},
    "host_boards.pin": {"facilitator", ADMIN},
    "host_boards.hide": {"facilitator", ADMIN},
    "host_boards.dismiss_flag": {"facilitator", ADMIN},
    "host_boards.hide_comment": {"facilitator", ADMIN},
    "host_boards.new_board": {"facilitator", ADMIN},
    "digest.preferences": EVERYONE,
}
GROUP_ENDPOINTS = {
    "sessions.seat",
    "sessions.seat_series",
    "sessions.leave",
    "host_sessions.cancel_group",
    "host_sessions.reschedule_group",
    "host_sessions.group_attendance",
}


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def _url(app, rule, world, ids) -> str:
    return _build(app, rule.endpoint, _values(rule, world, ids))


def _build(app, endpoint: str, values: dict) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def _values(rule, world, ids) -> dict:
    """A value for each argument in ``rule``'s path, from the world and the ids below."""
    values = {}
    for arg in rule.arguments:
        if arg == "tenant_slug":
            values[arg] = world.a.slug
        elif arg == "user_id":
            # Only host staff work with authorities; anyone else's would be refused (400).
            host = rule.endpoint in ("admin.assignments", "admin.set_service")
            person = "host_practitioner" if host else PARTICIPANT
            values[arg] = world[person].id
        elif arg == "message_id":
            values[arg] = ids["message"]
        elif arg == "outbox_id":
            values[arg] = ids["outbox"]
        elif arg == "notification_id":
            values[arg] = ids["notification"]
        elif arg == "run_id":
            values[arg] = ids["run"]
        elif arg == "placement_id":
            values[arg] = ids["placement"]
        elif arg == "item":
            values[arg] = "dbs"
        elif arg == "service_id":
            values[arg] = world.service.id
        elif arg == "session_id":
            values[arg] = ids["group" if rule.endpoint in GROUP_ENDPOINTS else "session"]
        elif arg == "board_id":
            values[arg] = ids["board"]
        elif arg == "reflection_id":
            values[arg] = ids["draft" if rule.endpoint == "boards.delete" else "reflection"]
        elif arg == "comment_id":
            values[arg] = ids["comment"]
        elif arg == "flag_id":
            values[arg] = ids["flag"]
        elif arg == "exception_id":
            values[arg] = ids["exception"]
        elif arg == "round_id":
            values[arg] = ids["round"]
        elif arg == "application_id":
            values[arg] = ids["application"]
        elif arg == "token":
            values[arg] = "not-a-token"
        else:
            raise AssertionError(f"access matrix does not know how to fill <{arg}> in {rule}")
    return values


def _methods(rule):
    return sorted(m for m in rule.methods if m in {"GET", "POST"})


def _form(endpoint: str, world) -> dict:
    """What to post to ``endpoint``: enough that an allowed role gets past the form to the
    work (a form that fails validation is a 400, which says nothing about access)."""
    away = today() + timedelta(days=50)
    unchanged = {"name": world[PARTICIPANT].name, "email": world[PARTICIPANT].email}
    return {
        "boards.comment": {"body": "Thank you"},
        "host_sessions.add_away": {"starts_on": [away.day, away.month, away.year], "kind": "leave"},
        "admin.change_role": {"role-role": "participant"},  # the same: nothing changes
        "admin.assignments": {"assign-works_with": str(world.a.id)},  # the same, again
        "admin.set_service": {"service-host_service": str(world.service.id)},  # the same
        **dict.fromkeys(("partner.person_details", "admin.user_details"), unchanged),
    }.get(endpoint, {})


@pytest.fixture
def ids(world, db):
    with tenancy.system_scope():
        message = queue_mail(
            to="someone@northbrook.example", subject="Hello", body="Hi", kind="test",
            tenant_id=world.a.id,
        )  # fmt: skip
        db.session.flush()
        message_id = message.id
        outbox_id = db.session.scalar(select(OutboxMessage.id))
        notification = notify(
            user_id=world[PARTICIPANT].id, text="Hello", link="/", tenant_id=world.a.id
        )
        run = JobRun(
            id="a" * 32, name="imports.participants", description="Import", tenant_id=world.a.id
        )
        db.session.add(run)
        placement = Placement(
            tenant_id=world.a.id, participant_id=world[PARTICIPANT].id,
            service_id=world.service.id, starts_on=today() + timedelta(days=3),
            ends_on=today() + timedelta(days=9), weekdays=0b11111, learning_goals="Goals",
        )  # fmt: skip
        db.session.add(placement)
        start = utcnow() + timedelta(days=5)
        visit = Session(
            tenant_id=world.a.id, kind=SessionKind.JOINT_VISIT, title="Joint visit",
            host_id=world["host_practitioner"].id, starts_at=start,
            ends_at=start + timedelta(hours=1), location="Online",
        )  # fmt: skip
        group = Session(
            tenant_id=None, kind=SessionKind.SEMINAR, title="Seminar", seats=10,
            host_id=world["facilitator"].id, starts_at=start + timedelta(days=1),
            ends_at=start + timedelta(days=1, hours=2), location="Online",
        )  # fmt: skip
        away = AvailabilityException(
            user_id=world["host_practitioner"].id, starts_on=today() + timedelta(days=30),
            ends_on=today() + timedelta(days=31), kind=ExceptionKind.LEAVE,
        )  # fmt: skip
        db.session.add_all([visit, group, away])
        db.session.flush()
        db.session.add(
            Place(tenant_id=world.a.id, session_id=visit.id, participant_id=world[PARTICIPANT].id)
        )
        db.session.flush()
        notification_id, placement_id = notification.id, placement.id
        session_id, group_id, away_id = visit.id, group.id, away.id
        board = Board(cohort_id=world.a.cohort_id, title="Joint visits")
        db.session.add(board)
        db.session.flush()
        shared = dict(tenant_id=world.a.id, board_id=board.id, author_id=world[PARTICIPANT].id)
        reflection = Reflection(
            **shared, title="Referrals", body="What I learned", visibility=Visibility.COHORT,
            status=ReflectionStatus.PUBLISHED, shared_cohort_id=world.a.cohort_id,
            published_at=utcnow(),
        )  # fmt: skip
        draft = Reflection(**shared, title="Draft", body="Not yet")
        db.session.add_all([reflection, draft])
        db.session.flush()
        comment = Comment(
            tenant_id=world.a.id, shared_cohort_id=world.a.cohort_id,
            reflection_id=reflection.id, author_id=world[MANAGER].id, body="Yes",
        )  # fmt: skip
        db.session.add(comment)
        db.session.flush()
        flag = Flag(tenant_id=world.a.id, reflection_id=reflection.id, comment_id=comment.id,
                    user_id=world[MANAGER].id, reason="Check")  # fmt: skip
        db.session.add(flag)
        db.session.flush()
        board_ids = {"board": board.id, "reflection": reflection.id, "draft": draft.id,
                     "comment": comment.id, "flag": flag.id}  # fmt: skip
        programme_round = Round(
            title="Practice leaders", opens_at=utcnow(), closes_at=utcnow() + timedelta(days=30),
            places=20,
        )  # fmt: skip
        db.session.add(programme_round)
        db.session.flush()
        board_ids["round"] = programme_round.id
        someone = User(email="applicant@example.org", name="An Applicant", role=Role.APPLICANT)
        db.session.add(someone)
        db.session.flush()
        with programme_scope.as_person(someone.id):
            application = Application(round_id=programme_round.id, applicant_id=someone.id)
            db.session.add(application)
            db.session.flush()
            board_ids["application"] = application.id
    db.session.commit()
    return {
        "message": message_id,
        "outbox": outbox_id,
        "notification": notification_id,
        "run": "a" * 32,
        "placement": placement_id,
        "session": session_id,
        "group": group_id,
        "exception": away_id,
        **board_ids,
    }


def test_every_route_is_in_the_matrix(app):
    endpoints = {r.endpoint for r in _rules(app)}
    missing = endpoints - PUBLIC - set(ALLOWED)
    assert not missing, f"routes with no access rule: {sorted(missing)}"
    assert not set(ALLOWED) - endpoints, "rules for routes that no longer exist"


def test_anonymous_is_sent_to_sign_in(app, world, ids, client):
    for rule in _rules(app):
        if rule.endpoint in PUBLIC:
            continue
        url = _url(app, rule, world, ids)
        for method in _methods(rule):
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/sign-in"), (method, url)


@pytest.mark.parametrize("role_key", ROLE_KEYS)
def test_each_role_sees_only_its_pages(app, world, ids, login_as, role_key):
    client = login_as(world[role_key])
    wrong = []
    for rule in _rules(app):
        if rule.endpoint in PUBLIC:
            continue
        url = _url(app, rule, world, ids)
        for method in _methods(rule):
            data = _form(rule.endpoint, world) if method == "POST" else None
            response = client.open(url, method=method, data=data)
            status = response.status_code
            if role_key in ALLOWED[rule.endpoint]:
                # Allowed: answered (a page, or a redirect after the work), never refused,
                # and never a 400: that would mean the matrix never reached the route's work.
                if not 200 <= status < 400:
                    wrong.append((method, url, status, "allowed, so 2xx or 3xx"))
                elif response.headers.get("Location", "").startswith("/sign-in"):
                    wrong.append((method, url, status, "allowed, but sent to sign in"))
            elif status not in (403, 404):
                wrong.append((method, url, status, "not allowed, so 403 or 404"))
            # Whatever the answer, the session is still this user's (only a POST, such
            # as signing out or a new role, can end it).
            if method == "POST":
                client = login_as(world[role_key], client)
    assert not wrong, f"{role_key}:\n" + "\n".join(map(str, wrong))


@pytest.mark.parametrize("role_key", ["partner_manager_b", "participant_b"])
def test_another_tenants_staff_get_404_for_tenant_pages(app, world, ids, login_as, role_key):
    client = login_as(world[role_key])
    for rule in _rules(app):
        if rule.endpoint in PUBLIC or not rule.rule.startswith("/<tenant_slug>"):
            continue
        url = _url(app, rule, world, ids)
        for method in _methods(rule):
            response = client.open(url, method=method)
            assert response.status_code == 404, (role_key, method, url, response.status_code)


def test_own_tenant_slug_with_another_tenants_id_is_404(world, login_as):
    client = login_as(world["partner_manager_b"])
    other = world[PARTICIPANT].id
    assert client.get(f"/eastmere/people/{other}").status_code == 404
    assert client.post(f"/eastmere/people/{other}/active").status_code == 404
    # ... and the participant of their own authority is found.
    own = world["participant_b"].id
    assert client.get(f"/eastmere/people/{own}").status_code == 200


def test_host_staff_get_404_for_authorities_they_do_not_work_with(world, login_as):
    for key in HOSTS:
        client = login_as(world[key])
        assert client.get("/eastmere/").status_code == 404, key
        assert client.get("/northbrook/").status_code == 200, key


def test_unknown_tenant_is_404_not_403(world, login_as):
    client = login_as(world[MANAGER])
    assert client.get("/nowhere/").status_code == 404
    assert client.get("/nowhere/people").status_code == 404


def test_people_list_shows_only_own_authority(world, login_as):
    page = login_as(world[MANAGER]).get("/northbrook/people").get_data(as_text=True)
    assert world[PARTICIPANT].email in page
    assert world["participant_b"].email not in page
    assert world["partner_manager_b"].email not in page
