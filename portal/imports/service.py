"""Importing participants from a CSV file, as a background job with progress.

A manager uploads a file; :func:`start_participant_import` checks its shape at
once (a clear error for a file that is not a CSV of names and emails) and
promises a job. The job checks every row, reports each problem by row and
column, and imports nothing from a file with any problem. Otherwise it invites
every participant (an account, a membership, an invitation email) in one
transaction, and tells the manager when it is done. The uploaded text is then
deleted.

Like an invitation from the form, an import says nothing about another authority's
people: only an address the manager can see (their own authority's staff) is a
problem; one with an account elsewhere is accepted like a new one and invited quietly
(nothing created or changed: see ``portal.accounts.invitations``).
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.accounts.invitations import ALREADY_HAS_ACCOUNT, addresses_known_to
from portal.accounts.models import Role, User
from portal.common.clock import utcnow
from portal.common.text import plural
from portal.errors import NotFound, RuleError
from portal.extensions import db
from portal.imports.models import ParticipantImport
from portal.jobs.models import JobRun, JobRunStatus
from portal.jobs.service import enqueue
from portal.notifications.service import notify
from portal.tenants.models import Tenant

MAX_BYTES = 1_000_000
MAX_ROWS = 2000
COLUMNS = ("name", "email")
TEMPLATE = "name,email\nAlex Example,alex.example@yourcouncil.gov.uk\n"


EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.org"


def _valid_email(email: str) -> bool:
    if len(email) > 254 or accounts.has_control_characters(email):
        return False
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@dataclass(frozen=True)
class RowProblem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


def read_csv(raw: bytes) -> list[dict[str, str]]:
    """The rows of an uploaded file, or a RuleError saying what is wrong with the file."""
    if not raw.strip():
        raise RuleError("The selected file is empty", "file")
    if len(raw) > MAX_BYTES:
        raise RuleError("The selected file must be smaller than 1MB", "file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleError("The selected file must be a CSV saved as UTF-8", "file") from None
    if "\x00" in text:
        raise RuleError("The selected file must be a CSV", "file")
    reader = csv.DictReader(io.StringIO(text))
    headers = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in headers]
    if missing:
        raise RuleError(
            f"The first row of the file must name the columns: name, email "
            f"(missing: {', '.join(missing)})",
            "file",
        )
    reader.fieldnames = headers
    try:
        rows = [
            {c: (row.get(c) or "").strip() for c in COLUMNS}
            for row in reader
            if any((v or "").strip() for v in row.values() if isinstance(v, str))
        ]
    except csv.Error as error:
        raise RuleError(f"The selected file is not a valid CSV ({error})", "file") from None
    if not rows:
        raise RuleError("The selected file has no participants in it", "file")
    if len(rows) > MAX_ROWS:
        raise RuleError(f"The selected file must have {MAX_ROWS} rows or fewer", "file")
    return rows


def start_participant_import(*, tenant: Tenant, manager: User, filename: str, raw: bytes) -> JobRun:
    """Check the file's shape and promise the import job; the caller commits."""
    if not accounts.can_invite(manager, Role.PARTICIPANT, tenant):
        raise RuleError("You cannot invite participants to this authority")
    rows = read_csv(raw)
    run = JobRun(
        id=secrets.token_hex(16),
        name="imports.participants",
        description=f"Import of {len(rows)} participants from {filename[:120]}",
        user_id=manager.id,
        tenant_id=tenant.id,
        message="Waiting to start",
    )
    upload = ParticipantImport(
        tenant_id=tenant.id,
        uploaded_by_id=manager.id,
        filename=filename[:200],
        content=raw.decode("utf-8-sig"),
        job_run_id=run.id,
    )
    db.session.add_all([run, upload])
    db.session.flush()
    enqueue("imports.participants", tenant_id=tenant.id, import_id=upload.id)
    return run


PROGRESS_EVERY = 25  # rows between progress writes while inviting


def _progress_aside(run_id: str, progress: int, message: str) -> None:
    """Progress while the invitations are written in one transaction (all or nothing):
    told on a connection of its own, so the polling page sees it before that commits.
    SQLite has one writer at a time, so there the bar moves on at the end instead."""
    if db.engine.dialect.name != "postgresql":
        return
    with Session(db.engine) as aside:  # the tenant scope is set on it as on any session
        aside.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            .values(progress=progress, message=message, updated_at=utcnow())
        )
        aside.commit()


def _progress(run: JobRun, done: int, total: int, message: str) -> None:
    run.progress = min(99, int(done * 100 / max(total, 1)))
    run.message = message
    db.session.commit()  # the page polling this run sees it now


def check_rows(
    rows: list[dict[str, str]], run: JobRun, *, tenant: Tenant, manager: User | None
) -> list[RowProblem]:
    """Every problem in every row (checks only: nothing is written). An address is
    reported as taken only if the manager could see its account anyway."""
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    emails = [accounts.normalise_email(r["email"]) for r in rows if r["email"]]
    taken = addresses_known_to(manager, tenant, emails)
    for index, row in enumerate(rows, start=2):
        name, email = row["name"], accounts.normalise_email(row["email"])
        if not name:
            problems.append(RowProblem(index, "name", "Enter the person's full name"))
        elif len(name) > 120 or accounts.has_control_characters(name):
            problems.append(RowProblem(index, "name", "Full name must be 120 characters or fewer"))
        if not email:
            problems.append(RowProblem(index, "email", "Enter their work email address"))
        elif not _valid_email(email):
            problems.append(RowProblem(index, "email", EMAIL_FORMAT))
        elif email in seen:
            problems.append(RowProblem(index, "email", f"Same email address as row {seen[email]}"))
        elif email in taken:
            problems.append(RowProblem(index, "email", ALREADY_HAS_ACCOUNT))
        seen.setdefault(email, index)
        if index % 50 == 0:
            _progress(run, index, len(rows) * 2, f"Checked {index - 1} of {len(rows)} rows")
    return problems


def run_participant_import(import_id: int) -> None:
    """The job: check every row, then import all or nothing. Idempotent."""
    upload = db.session.scalar(select(ParticipantImport).where(ParticipantImport.id == import_id))
    if upload is None or upload.content is None:
        return  # already run (the content is deleted when it finishes)
    run = db.session.get(JobRun, upload.job_run_id)
    if run.finished:
        return
    manager = db.session.get(User, upload.uploaded_by_id) if upload.uploaded_by_id else None
    tenant = db.session.get(Tenant, upload.tenant_id)
    run.status = JobRunStatus.RUNNING
    _progress(run, 0, 1, "Checking the file")
    try:
        rows = read_csv(upload.content.encode())
    except RuleError as error:
        _finish(upload, run, manager, failed=True, message=error.message, problems=[])
        return
    problems = check_rows(rows, run, tenant=tenant, manager=manager)
    if problems or manager is None:
        message = (
            f"Nothing was imported: {plural(len(problems), 'problem')} in the file"
            if problems
            else "Nothing was imported: the person who uploaded the file no longer has an account"
        )
        _finish(upload, run, manager, failed=True, message=message, problems=problems)
        return
    _progress(run, 50, 100, f"Inviting {len(rows)} participants")
    for index, row in enumerate(rows, start=1):
        accounts.invite_user(
            inviter=manager,
            email=row["email"],
            name=row["name"],
            role=Role.PARTICIPANT,
            tenant=tenant,
        )
        if index % PROGRESS_EVERY == 0 and index < len(rows):
            _progress_aside(run.id, 50 + index * 49 // len(rows), f"Invited {index} of {len(rows)}")
    # Re-read: telling someone in another authority (a quiet refusal) works in their
    # scope, and rows the commits above expired may have left the session with it.
    upload = db.session.get(ParticipantImport, import_id)
    run = db.session.get(JobRun, upload.job_run_id)
    _finish(upload, run, manager, failed=False, message=f"Invited {len(rows)} participants",
            problems=[])  # fmt: skip


def _finish(upload, run, manager, *, failed: bool, message: str, problems: list[RowProblem]):
    run.status = JobRunStatus.FAILED if failed else JobRunStatus.FINISHED
    run.progress = 100
    run.message = message
    run.result = {"problems": [p.__dict__ for p in problems[:500]], "total_problems": len(problems)}
    upload.content = None  # personal data is kept no longer than the import needs it
    if manager is not None:
        tenant = db.session.get(Tenant, upload.tenant_id)
        notify(
            user_id=manager.id,
            text=f"Participant import from {upload.filename}: {message}",
            link=f"/{tenant.slug}/people/import/{run.id}",
            tenant_id=upload.tenant_id,
        )
    db.session.commit()


def import_run(tenant: Tenant, run_id: str) -> JobRun:
    """One of the authority's participant imports (its progress), or NotFound."""
    run = db.session.scalar(
        select(JobRun).where(
            JobRun.id == run_id,
            JobRun.tenant_id == tenant.id,
            JobRun.name == "imports.participants",
        )
    )
    if run is None:
        raise NotFound(run_id)
    return run
