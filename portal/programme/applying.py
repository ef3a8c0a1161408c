"""Applying to a round: an email address proved by a link, a draft kept as it is typed,
eligibility screened at once, and a submission the closing second decides.

Nothing typed is lost: a draft keeps whatever is entered, even over a word limit or in
the wrong format, and says what must change; only submitting insists. Submitting is
accepted up to the end of the round's closing second (``rounds.accepts_at``), or of
the later second an admin gave this one applicant (audited).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy import select

from portal.accounts.links import signer
from portal.accounts.lookup import checked_email, find_user_by_email
from portal.accounts.models import Role, User
from portal.audit.service import record
from portal.common import inputs
from portal.common.clock import as_utc, london_exact, utcnow
from portal.common.routes import absolute_url_for
from portal.errors import NotFound, RuleError
from portal.extensions import db
from portal.jobs.service import enqueue
from portal.mail.service import queue_mail, sent_lately
from portal.programme import councils, scope
from portal.programme.models import (
    Answer,
    Application,
    ApplicationState,
    Round,
    Statement,
)
from portal.programme.rounds import accepts_at, london_moment

START_LINK_MAX_AGE = timedelta(hours=1)
START_LINKS_PER_HOUR = 5
SWE_NUMBER = re.compile(r"^SW\d{1,6}$")
SWE_FORMAT = (
    "Enter your Social Work England registration number: SW and up to 6 digits, like SW123456"
)
SUMMARY_WORDS = 250


class StartLinkError(RuleError):
    """A start link that cannot be used (expired, broken, used)."""


def normalise_swe(value: str | None) -> str:
    return "".join((value or "").split()).upper()


# --- Starting: an address proved by a link ----------------------------------------------


def ask_to_start(held: Round, *, email: str, name: str) -> None:
    """Promise a link to the address; the lookup and the email happen in the background,
    so the page answers alike whoever the address belongs to."""
    name = " ".join((name or "").split())
    if not name:
        raise RuleError("Enter your full name", "name")
    if len(name) > 120 or inputs.has_control_characters(name, allowed=frozenset()):
        raise RuleError("Enter your name as 120 letters or fewer", "name")
    email = checked_email(email)
    if not accepts_at(held, utcnow()):
        raise RuleError(f"{held} is not taking applications now")
    enqueue("programme.start_link", tenant_id=None, email=email, name=name, round_id=held.id)


START = "programme-start"  # the links' signing purpose


def send_start_link(*, email: str, name: str, round_id: int) -> None:
    """Email the link that starts (or reopens) an application, at most
    ``START_LINKS_PER_HOUR`` an hour. An address that is already a staff account is told
    to sign in with it instead: a link never signs a staff account in."""
    held = db.session.get(Round, round_id)
    if held is None:
        return
    if sent_lately(email, "programme_start", within=timedelta(hours=1)) >= START_LINKS_PER_HOUR:
        return
    user = find_user_by_email(email)
    if user is not None and user.role != Role.APPLICANT:
        body = (
            f"Hello {user.name},\n\nSomeone asked to apply to {held} with this address. "
            "It already has a partnership portal account: sign in with it, then open "
            f"{absolute_url_for('programme.apply')} to start or carry on your application.\n"
        )
    else:
        token = signer(START).dumps(
            {"e": email, "n": name, "r": held.id, "t": utcnow().timestamp()}
        )
        link = absolute_url_for("programme.start", token=token)
        body = (
            f"Hello {user.name if user else name},\n\nUse this link within an hour to "
            f"start or carry on your application to {held}: {link}\n\n"
            f"Applications close at {london_exact(held.closes_at)} (UK time).\n\n"
            "If you did not ask to apply, you can ignore this email.\n"
        )
    queue_mail(to=email, subject=f"Your application to {held}", body=body,
               kind="programme_start", tenant_id=None)  # fmt: skip


@dataclass
class StartLink:
    email: str
    name: str
    round_id: int
    issued_at: datetime


def read_start_link(token: str) -> StartLink:
    try:
        data = signer(START).loads(token, max_age=int(START_LINK_MAX_AGE.total_seconds()))
    except SignatureExpired as error:
        raise StartLinkError("This link has expired. Ask for a new one.") from error
    except BadSignature as error:
        raise StartLinkError("This link is not valid. Check you copied all of it.") from error
    if not isinstance(data, dict) or not {"e", "n", "r", "t"} <= set(data):
        raise StartLinkError("This link is not valid. Check you copied all of it.")
    issued = datetime.fromtimestamp(float(data["t"]), tz=UTC)
    return StartLink(str(data["e"]), str(data["n"]), int(data["r"]), issued)


def begin(token: str) -> tuple[User, Application]:
    """The applicant a link proves, signed in for the first time or again, and their
    draft for the round (made now if they have none). Each link signs in once."""
    link = read_start_link(token)
    held = db.session.get(Round, link.round_id)
    if held is None:
        raise StartLinkError("This round no longer exists.")
    user = find_user_by_email(link.email)
    if user is not None and user.role != Role.APPLICANT:
        raise StartLinkError("This address has a portal account: sign in with it instead.")
    if user is not None and not user.active:
        raise StartLinkError(
            "This account is closed. Contact the centre if you think it should not be."
        )
    if user is not None and user.last_sign_in_at and as_utc(user.last_sign_in_at) >= link.issued_at:
        raise StartLinkError(
            "This link has already been used, or you signed in since. Ask for a new one."
        )
    if user is None:
        user = User(email=link.email, name=link.name, role=Role.APPLICANT)
        db.session.add(user)
        db.session.flush()
        record("programme.applicant_joined", obj=user, actor=user, summary=link.email)
    user.last_sign_in_at = utcnow()
    record("auth.signed_in", obj=user, actor=user, summary="With a programme link")
    with scope.as_person(user.id):  # signing in: the request's scope is nobody's yet
        draft = draft_for(user, held, name=link.name)
        db.session.flush()
    return user, draft


def draft_for(user: User, held: Round, *, name: str | None = None) -> Application:
    """``user``'s application to ``held``: the one they have, or a new draft while the
    round takes applications."""
    found = db.session.scalar(
        select(Application).where(
            Application.round_id == held.id, Application.applicant_id == user.id
        )
    )
    if found is not None:
        return found
    if not accepts_at(held, utcnow()):
        raise RuleError(f"{held} is not taking applications now")
    made = Application(round=held, applicant_id=user.id, full_name=name or user.name)
    db.session.add(made)
    db.session.flush()
    record("programme.application_started", obj=made, actor=user, summary=str(held))
    return made


def get_application(application_id: int) -> Application:
    """One application, through the programme scope: someone else's is not found."""
    found = db.session.scalar(select(Application).where(Application.id == application_id))
    if found is None:
        raise NotFound(application_id)
    return found


def applications_of(user: User) -> list[Application]:
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.applicant_id == user.id)
            .order_by(Application.created_at.desc())
        )
    )


# --- The draft --------------------------------------------------------------------------


@dataclass
class Draft:
    """What the form sent: every field as typed."""

    full_name: str = ""
    job_title: str = ""
    council_code: str = ""
    management_years: int | None = None
    management_summary: str = ""
    swe_number: str = ""
    statements: dict[int, str] | None = None  # criterion id -> text
    answers: dict[int, bool | None] | None = None  # question id -> yes / no / unanswered


def save_draft(application: Application, *, actor: User, draft: Draft) -> None:
    """Keep what was typed (the form's fields, within generous hard limits); what must
    change before it can be submitted is :func:`to_complete`'s to say."""
    _editable(application, actor)
    application.full_name = " ".join((draft.full_name or "").split())[:120]
    application.job_title = " ".join((draft.job_title or "").split())[:150]
    code = (draft.council_code or "").strip()
    application.council_code = code if councils.get(code) else None
    if draft.management_years is not None and 0 <= draft.management_years <= 60:
        application.management_years = draft.management_years
    application.management_summary = (draft.management_summary or "")[: SUMMARY_WORDS * 20]
    application.swe_number = normalise_swe(draft.swe_number)[:12] or None
    by_criterion = {s.criterion_id: s for s in application.statements}
    for criterion in application.round.application_criteria:
        text = (draft.statements or {}).get(criterion.id)
        if text is None:
            continue
        text = text[: criterion.word_limit * 20]  # far past any limit: a paste gone wrong
        if criterion.id in by_criterion:
            by_criterion[criterion.id].text = text
        else:
            application.statements.append(Statement(criterion_id=criterion.id, text=text))
    by_question = {a.question_id: a for a in application.answers}
    for question in application.round.questions:
        answer = (draft.answers or {}).get(question.id)
        if answer is None:
            continue
        if question.id in by_question:
            by_question[question.id].answer = answer
        else:
            application.answers.append(Answer(question_id=question.id, answer=answer))
    application.updated_at = utcnow()
    db.session.flush()


def _editable(application: Application, actor: User) -> None:
    if application.applicant_id != actor.id:
        raise RuleError("Only the applicant can change an application")
    if application.state != ApplicationState.DRAFT:
        raise RuleError("This application has been submitted and can no longer be changed")


def screened_out(application: Application) -> list[str]:
    """The reasons, from the round's questions, that the answers given make the
    applicant ineligible (empty: eligible so far)."""
    given = {a.question_id: a.answer for a in application.answers}
    return [
        q.reason
        for q in application.round.questions
        if q.id in given and given[q.id] != q.eligible_answer
    ]


def to_complete(application: Application) -> list[tuple[str, str]]:
    """(field, what to do) for everything that stops this draft being submitted."""
    found = []
    if not application.full_name:
        found.append(("full_name", "Enter your full name"))
    if not application.job_title:
        found.append(("job_title", "Enter your current role"))
    if not application.council_code:
        found.append(("council_code", "Select your council from the list"))
    if application.management_years is None:
        found.append(("management_years", "Enter how many years you have managed social workers"))
    if not application.management_summary.strip():
        found.append(("management_summary", "Describe your management experience"))
    elif (words := inputs.word_count(application.management_summary)) > SUMMARY_WORDS:
        found.append(
            ("management_summary", _over(words, SUMMARY_WORDS, "your management experience"))
        )
    if not SWE_NUMBER.match(application.swe_number or ""):
        found.append(("swe_number", SWE_FORMAT))
    texts = {s.criterion_id: s.text for s in application.statements}
    for criterion in application.round.application_criteria:
        field = f"statement_{criterion.id}"
        words = inputs.word_count(texts.get(criterion.id))
        if words == 0:
            found.append((field, f"Write your statement for {criterion.title}"))
        elif words > criterion.word_limit:
            found.append((field, _over(words, criterion.word_limit, criterion.title)))
    answered = {a.question_id for a in application.answers}
    for question in application.round.questions:
        if question.id not in answered:
            found.append((f"question_{question.id}", f"Answer: {question.text}"))
    return found


def _over(words: int, limit: int, what: str) -> str:
    what = what[0].upper() + what[1:]
    return f"{what} is {words} words: the limit is {limit}. Remove {words - limit}."


# --- Submitting -------------------------------------------------------------------------


def deadline_of(application: Application) -> datetime:
    """The last second this application may be submitted in."""
    closes = as_utc(application.round.closes_at)
    if application.extended_until is not None:
        return max(closes, as_utc(application.extended_until))
    return closes


def in_time(application: Application, at: datetime) -> bool:
    held = application.round
    at = as_utc(at)
    return as_utc(held.opens_at) <= at < deadline_of(application) + timedelta(seconds=1)


def submit(application: Application, *, actor: User, at: datetime | None = None) -> None:
    """Submit a complete, eligible draft in time; it cannot be changed after."""
    at = at or utcnow()
    _editable(application, actor)
    if not in_time(application, at):
        raise RuleError(
            f"Applications to {application.round} closed at "
            f"{london_exact(deadline_of(application))} (UK time), so this one cannot be "
            "submitted. Your draft is kept. If something outside your control stopped you, "
            "contact the centre."
        )
    reasons = screened_out(application)
    if reasons:
        raise RuleError(f"You are not eligible to apply: {reasons[0]}")
    missing = to_complete(application)
    if missing:
        raise RuleError(f"Before you submit: {missing[0][1]}", missing[0][0])
    application.state = ApplicationState.SUBMITTED
    application.submitted_at = at
    record("programme.application_submitted", obj=application, actor=actor,
           summary=str(application.round))  # fmt: skip
    queue_mail(
        to=actor.email,
        subject=f"We have your application to {application.round}",
        body=(
            f"Hello {application.full_name},\n\nThank you: your application to "
            f"{application.round} was submitted at {london_exact(at)} (UK time). You can "
            f"read it at {_link(application)}.\n"
        ),
        kind="programme_submitted",
        tenant_id=None,
    )


def _link(application: Application) -> str:
    return absolute_url_for("programme.application", application_id=application.id)


def extend(
    application: Application, *, actor: User, day, clock: str | None, reason: str
) -> datetime:
    """An admin gives one applicant until a later second, with the reason (audited)."""
    if actor.role != Role.CENTRE_ADMIN:
        raise RuleError("Only the centre's admins extend a deadline")
    if application.state != ApplicationState.DRAFT:
        raise RuleError("This application has been submitted already")
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleError("Enter why this applicant has longer", "reason")
    if len(reason) > 300:
        raise RuleError("The reason must be 300 characters or fewer", "reason")
    until = london_moment(day, clock, field="until", what="closes for this applicant")
    if until <= as_utc(application.round.closes_at):
        raise RuleError("Choose a time after the round closes", "until_on")
    before = application.extended_until
    application.extended_until, application.extension_reason = until, reason
    record(
        "programme.deadline_extended", obj=application, actor=actor,
        summary=f"Until {london_exact(until)}: {reason}",
        details={"from": as_utc(before).isoformat() if before else None, "to": until.isoformat()},
    )  # fmt: skip
    return until
