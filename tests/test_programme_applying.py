"""Applying to the practice leader programme (issue 15, point 2): an address proved by a
link, a draft that keeps everything, eligibility screened at once, word limits and the
registration number checked on the server, the closing second (both sides of a clock
change), one applicant's extension, and equality monitoring apart and in aggregate."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import Role, User
from portal.audit.models import AuditEvent
from portal.common.clock import frozen_at
from portal.errors import RuleError
from portal.extensions import db
from portal.programme import applying, equality, rounds, scope
from portal.programme.models import Application, ApplicationState, Round
from tests.support import run_jobs
from tests.test_accounts import mails

START_LINK = re.compile(r"http://localhost(/programme/start/[\w.-]+)")
DURING = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)
KENSINGTON = "E09000020"


def make_round(world, *, closes_on=date(2027, 3, 31), title="Practice leaders 2027") -> Round:
    admin = world["centre_admin"]
    with tenancy.system_scope():
        held = rounds.open_round(
            actor=admin, title=title, opens_on=date(2027, 1, 4), opens_time="09:00",
            closes_on=closes_on, closes_time="23:59:59", places=20,
        )  # fmt: skip
        rounds.add_question(
            held.id, actor=admin, eligible_answer="yes",
            text="Do you manage social workers in children's services in England?",
            reason="The programme is for managers in children's services in England.",
        )  # fmt: skip
        rounds.add_criterion(
            held.id, actor=admin, title="Leading practice", weight=3, stage="application",
            descriptors=["Little", "Some", "Clear", "Strong evidence of leading practice"],
            independent=False, word_limit=50,
        )  # fmt: skip
        rounds.add_criterion(
            held.id, actor=admin, title="Readiness for an AD role", weight=1,
            stage="assessment", descriptors=["a", "b", "c", "d"], independent=True,
        )  # fmt: skip
        db.session.commit()
        return held


@pytest.fixture
def during():
    with frozen_at(DURING):
        yield


@pytest.fixture
def programme_round(world, during):
    return make_round(world)


def applicant(email="ada.marker@example.org", name="Ada Marker") -> User:
    person = User(email=email, name=name, role=Role.APPLICANT)
    db.session.add(person)
    db.session.commit()
    return person


def complete(application_id: int, person: User, **changes) -> None:
    with scope.as_person(person.id):
        application = db.session.get(Application, application_id)
        held = application.round
        criterion = held.application_criteria[0]
        draft = applying.Draft(
            full_name=person.name, job_title="Head of Service", council_code=KENSINGTON,
            management_years=6, management_summary="I lead two assessment teams.",
            swe_number="sw 123456", statements={criterion.id: "I led a change in practice."},
            answers={held.questions[0].id: True},
        )  # fmt: skip
        for key, value in changes.items():
            setattr(draft, key, value)
        applying.save_draft(application, actor=person, draft=draft)
        db.session.commit()


def started(held: Round, person: User) -> int:
    """The id of ``person``'s new draft (objects of the programme are read in a scope)."""
    with scope.as_person(person.id):
        made = applying.draft_for(person, held)
        db.session.commit()
        return made.id


def mine(application_id: int, person: User) -> Application:
    db.session.expire_all()
    return db.session.get(Application, application_id)


def form_of(held: Round, **changes) -> dict:
    criterion = held.application_criteria[0]
    data = {
        "full_name": "Ada Marker", "job_title": "Head of Service", "council_code": KENSINGTON,
        "management_years": "6", "management_summary": "I lead two assessment teams.",
        "swe_number": "SW123456", f"statement_{criterion.id}": "I led a change in practice.",
        f"question_{held.questions[0].id}": "yes",
    }  # fmt: skip
    data.update(changes)
    return data


# --- Starting ---------------------------------------------------------------------------


def test_an_applicant_starts_with_a_link_that_signs_in_once(app, client, programme_round, system):
    asked = client.post("/programme/apply", data={"name": "Ada Marker", "email": "Ada@Example.org"})
    assert "Check your email" in asked.text
    run_jobs()
    (message,) = mails(system, "ada@example.org")
    path = START_LINK.search(message.body_text).group(1)

    opened = client.get(path)  # a mail scanner opening the link changes nothing
    assert opened.status_code == 200 and "Continue to your application" in opened.text
    assert db.session.scalar(select(User).where(User.email == "ada@example.org")) is None

    continued = client.post(path)
    assert continued.status_code == 302
    page = client.get(continued.headers["Location"])
    assert "Your application" in page.text and "Ada Marker" in page.text
    person = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    assert person.role == Role.APPLICANT and not person.has_password

    client.post("/sign-out")
    again = client.post(path)
    assert again.status_code == 400 and "already been used" in again.text


def test_a_staff_address_is_told_to_sign_in_and_gets_no_link(
    client, world, programme_round, system
):
    manager = world["partner_manager_a"]
    client.post("/programme/apply", data={"name": "Someone", "email": manager.email})
    run_jobs()
    (message,) = mails(system, manager.email)
    assert "sign in with it" in message.body_text
    assert "/programme/start/" not in message.body_text


def test_a_signed_in_manager_applies_with_their_account(world, login_as, programme_round):
    client = login_as(world["partner_manager_a"])
    made = client.post("/programme/apply")
    assert made.status_code == 302 and "/programme/applications/" in made.headers["Location"]


def test_no_open_round_says_when_the_next_opens(world, client):
    with frozen_at(datetime(2026, 12, 1, tzinfo=UTC)):
        make_round(world)
        page = unescape(client.get("/programme/apply").text)
    assert "Applications are not open" in page and "4 January 2027, 9:00:00am" in page


# --- The draft --------------------------------------------------------------------------


def test_a_draft_keeps_everything_typed_and_says_what_must_change(login_as, programme_round):
    person = applicant()
    made = started(programme_round, person)
    client = login_as(person)
    criterion = programme_round.application_criteria[0]
    long_text = " ".join(["word"] * 61)
    saved = client.post(f"/programme/applications/{made}", data=form_of(
        programme_round, swe_number="123456", **{f"statement_{criterion.id}": long_text},
        save="Save draft",
    ))  # fmt: skip
    assert saved.status_code == 302

    page = unescape(client.get(f"/programme/applications/{made}").text)
    assert long_text in page and "123456" in page  # nothing lost
    check = unescape(client.get(f"/programme/applications/{made}/check").text)
    assert "Leading practice is 61 words: the limit is 50. Remove 11." in check
    assert "SW and up to 6 digits" in check
    assert "Submit your application" not in check

    refused = client.post(f"/programme/applications/{made}/check")
    assert "Before you submit" in unescape(refused.text)
    with scope.as_person(person.id):
        assert mine(made, person).state == ApplicationState.DRAFT


def test_autosave_answers_with_the_time_and_the_eligibility_verdict(login_as, programme_round):
    person = applicant()
    made = started(programme_round, person)
    client = login_as(person)
    question = programme_round.questions[0]
    saved = client.post(
        f"/programme/applications/{made}/autosave",
        data=form_of(programme_round, **{f"question_{question.id}": "no"}),
        headers={"HX-Request": "true"},
    )
    assert "Draft saved at" in saved.text
    assert "not eligible" in saved.text and question.reason in unescape(saved.text)
    assert 'data-hx-swap-oob="true"' in saved.text
    refused = client.post(f"/programme/applications/{made}/check")
    assert "You are not eligible to apply: " + question.reason in unescape(refused.text)


def test_a_registration_number_is_tidied_and_checked(programme_round):
    person = applicant()
    made = started(programme_round, person)
    complete(made, person)
    with scope.as_person(person.id):
        made = mine(made, person)
        assert made.swe_number == "SW123456"
        assert applying.to_complete(made) == []
        for bad in ("SW1234567", "S123456", "SWABC", ""):
            made.swe_number = applying.normalise_swe(bad) or None
            assert ("swe_number", applying.SWE_FORMAT) in applying.to_complete(made)
        db.session.rollback()


def test_a_complete_application_is_submitted_and_cannot_change(login_as, programme_round, system):
    person = applicant()
    made = started(programme_round, person)
    complete(made, person)
    client = login_as(person)
    submitted = client.post(f"/programme/applications/{made}/check")
    assert submitted.status_code == 302
    page = unescape(client.get(f"/programme/applications/{made}").text)
    assert "Submitted" in page and "1 February 2027, 12:00" in page
    changed = client.post(f"/programme/applications/{made}/autosave", data=form_of(
        programme_round, full_name="Someone Else"), headers={"HX-Request": "true"})  # fmt: skip
    assert "can no longer be changed" in changed.text
    with scope.as_person(person.id):
        assert mine(made, person).full_name == "Ada Marker"
    assert [m.subject for m in mails(system, person.email)] == [
        "We have your application to Practice leaders 2027"
    ]


# --- The closing second -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("closes_on", "last_second_utc"),
    [
        (date(2027, 3, 31), datetime(2027, 3, 31, 22, 59, 59, tzinfo=UTC)),  # BST since 28 Mar
        (date(2027, 10, 31), datetime(2027, 10, 31, 23, 59, 59, tzinfo=UTC)),  # GMT since that day
        (date(2027, 3, 27), datetime(2027, 3, 27, 23, 59, 59, tzinfo=UTC)),  # GMT, the day before
    ],
)
def test_the_closing_second_is_accepted_and_the_next_refused(world, closes_on, last_second_utc):
    with frozen_at(DURING):
        held = make_round(world, closes_on=closes_on)
        person = applicant()
        made = started(held, person)
        complete(made, person)
    with scope.as_person(person.id):
        made = mine(made, person)
        assert applying.in_time(made, last_second_utc + timedelta(milliseconds=999))
        with pytest.raises(RuleError, match="closed at .*11:59:59pm"):
            applying.submit(made, actor=person, at=last_second_utc + timedelta(seconds=1))
        applying.submit(made, actor=person, at=last_second_utc + timedelta(milliseconds=400))
        assert made.state == ApplicationState.SUBMITTED
        db.session.rollback()


def test_the_page_refuses_a_submission_a_second_late_with_the_reason(world, login_as):
    with frozen_at(DURING):
        held = make_round(world)
        person = applicant()
        made = started(held, person)
        complete(made, person)
    with frozen_at(datetime(2027, 3, 31, 23, 0, 0, tzinfo=UTC)):  # 00:00:00 BST on 1 April
        refused = login_as(person).post(f"/programme/applications/{made}/check")
    text = unescape(refused.text)
    assert "closed at 31 March 2027, 11:59:59pm (UK time)" in text and "draft is kept" in text


def test_an_admin_extends_one_applicants_deadline_audited(world, login_as, system):
    with frozen_at(DURING):
        held = make_round(world)
        late, other = applicant(), applicant("bo.marker@example.org", "Bo Marker")
        late_app, other_app = started(held, late), started(held, other)
        complete(late_app, late)
        complete(other_app, other)
        admin = login_as(world["centre_admin"])
        extended = admin.post(f"/admin/programme/applications/{late_app}/extend", data={
            "until_on": ["7", "4", "2027"], "until_time": "12:00:00",
            "reason": "Their director was on leave",
        })  # fmt: skip
        assert extended.status_code == 302
    with frozen_at(datetime(2027, 4, 7, 10, 59, 0, tzinfo=UTC)):  # 11:59 BST
        assert login_as(late).post(f"/programme/applications/{late_app}/check").status_code == 302
        refused = login_as(other).post(f"/programme/applications/{other_app}/check")
        assert "closed at" in refused.text
    with tenancy.system_scope():
        (event,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "programme.deadline_extended")
        )
        assert "Their director was on leave" in event.summary
        assert event.actor_id == world["centre_admin"].id


# --- Equality monitoring ----------------------------------------------------------------


def test_equality_answers_are_kept_apart_and_reported_only_in_aggregate(
    world, login_as, programme_round
):
    people = [applicant(f"p{n}@example.org", f"Zed Quill{n}") for n in range(13)]
    for n, person in enumerate(people):
        made = started(programme_round, person)
        answers = {"age": "35_44" if n < 7 else "45_54" if n < 12 else "55_plus",
                   "sex": "prefer_not"}  # fmt: skip
        login_as(person).post(f"/programme/applications/{made}/equality", data=answers)
    admin = login_as(world["centre_admin"])
    page = unescape(admin.get(f"/admin/programme/rounds/{programme_round.id}/equality").text)
    assert "from 13 returns" in page
    assert re.search(r"35 to 44</th><td[^>]*>7<", page)
    assert re.search(r"55 or over</th><td[^>]*>fewer than 5<", page)
    assert re.search(r"45 to 54</th><td[^>]*>not shown<", page)  # else 13 - 7 - 5 = 1
    assert re.search(r"Prefer not to say</th><td[^>]*>13<", page)
    assert "Zed Quill" not in page and "p1@example.org" not in page


def test_a_lone_small_count_takes_the_next_smallest_with_it():
    assert equality.suppress([6, 2, 0, 9]) == [None, None, 0, 9]
    assert equality.suppress([6, 2, 3, 9]) == [6, None, None, 9]
    assert equality.suppress([5, 0, 7]) == [5, 0, 7]


def test_the_equality_form_offers_prefer_not_to_say_everywhere():
    for _question, options in equality.QUESTIONS.values():
        assert equality.PREFER_NOT in options


def test_an_application_is_its_applicants_alone(world, login_as, programme_round):
    ada, bo = applicant(), applicant("bo.marker@example.org", "Bo Marker")
    made = started(programme_round, ada)
    pages = [f"/programme/applications/{made}", f"/programme/applications/{made}/check",
             f"/programme/applications/{made}/equality"]  # fmt: skip
    own = login_as(ada)
    assert [own.get(p).status_code for p in pages] == [200, 200, 200]
    for other in (
        login_as(bo),
        login_as(world["partner_manager_a"]),
        login_as(world["centre_admin"]),
    ):
        assert [other.get(p).status_code for p in pages] == [404, 404, 404]
        saved = other.post(f"/programme/applications/{made}/autosave", data={"full_name": "X"})
        assert saved.status_code == 404
    admin_page = login_as(world["centre_admin"]).get(f"/admin/programme/applications/{made}")
    assert admin_page.status_code == 200 and "Ada Marker" in admin_page.text
    assert login_as(bo).get(f"/admin/programme/applications/{made}").status_code == 403
