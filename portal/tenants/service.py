"""Partner authorities from ``tenants/<slug>.toml``: loading them into the database.

Every file is checked first (``portal.tenants.files``); one bad field in one file
means nothing changes, and the error names the file and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from portal.audit.service import record
from portal.errors import RuleError
from portal.extensions import db
from portal.tenants.files import (
    TenantFileError,
    TenantSpec,
    load_tenant_files,
    parse_tenant_file,
)
from portal.tenants.models import Cohort, Tenant


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    cohorts_added: list[int] = field(default_factory=list)
    not_in_files: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Added cohort {year}" for year in self.cohorts_added]
        out += [f"Added {slug}" for slug in self.added]
        out += [f"Changed {slug}: {', '.join(keys)}" for slug, keys in self.changed.items()]
        out += [f"Unchanged {slug}" for slug in self.unchanged]
        out += [f"In the database but no file (left as it is): {s}" for s in self.not_in_files]
        return out


# Column -> the field's name in a tenant file, for reports.
FILE_FIELD = {
    "cohort_id": "cohort",
    "contact_name": "contact.name",
    "contact_email": "contact.email",
}


def _tenant_values(spec: TenantSpec, cohort_id: int) -> dict:
    return {
        "slug": spec.slug,
        "name": spec.name,
        "cohort_id": cohort_id,
        "brand_colour": spec.brand_colour,
        "logo": spec.logo,
        "contact_name": spec.contact_name,
        "contact_email": spec.contact_email,
        "retention_months": spec.retention_months,
        "custom_domain": spec.custom_domain,
    }


def sync_tenants(directory: Path, *, limit: int | None = None) -> SyncReport:
    """Make the tenants table match the files. Validates everything first; raises
    TenantFileError (nothing written) on any problem. The caller commits."""
    specs = load_tenant_files(directory)
    limit = limit if limit is not None else current_app.config["COHORT_PARTNER_LIMIT"]
    existing = {t.slug: t for t in db.session.scalars(select(Tenant))}
    problems = _cohort_limit_problems(directory, specs, existing, limit)
    problems += _held_domain_problems(directory, specs, existing)
    if problems:
        raise TenantFileError(problems)
    report = SyncReport(not_in_files=sorted(set(existing) - {s.slug for s in specs}))
    _release_moving_domains(specs, existing)
    cohorts = {c.year: c for c in db.session.scalars(select(Cohort))}
    for spec in specs:
        cohort = _cohort_for(spec.cohort, cohorts, report)
        _write_tenant(spec, existing.get(spec.slug), _tenant_values(spec, cohort.id), report)
    db.session.flush()
    return report


def _cohort_limit_problems(directory, specs, existing, limit: int) -> list:
    """The cohort limit counts tenants in the files plus any left in the database."""
    file_slugs = {s.slug for s in specs}
    per_year: dict[int, list[str]] = {}
    for spec in specs:
        per_year.setdefault(spec.cohort, []).append(f"{directory}/{spec.slug}.toml")
    for slug, tenant in existing.items():
        if slug not in file_slugs:
            per_year.setdefault(tenant.cohort.year, []).append(f"{slug} (database)")
    return [
        (", ".join(sorted(names)), "cohort",
         f"cohort {year} would have {len(names)} partner authorities; the limit is {limit}")
        for year, names in sorted(per_year.items())
        if len(names) > limit
    ]  # fmt: skip


def _held_domain_problems(directory, specs, existing) -> list:
    """A custom domain still held by a tenant that has no file would otherwise fail on
    the unique constraint half-way through the writes."""
    file_slugs = {s.slug for s in specs}
    held = {
        t.custom_domain: slug
        for slug, t in existing.items()
        if slug not in file_slugs and t.custom_domain
    }
    return [
        (f"{directory}/{spec.slug}.toml", "custom_domain",
         f"is also used by {held[spec.custom_domain]} (database, no file)")
        for spec in specs
        if spec.custom_domain in held
    ]  # fmt: skip


def _release_moving_domains(specs, existing) -> None:
    """Tenants may swap or hand over custom domains in one sync: release every domain
    that moves first, so no intermediate write breaks the unique rule."""
    moving = [
        existing[s.slug]
        for s in specs
        if s.slug in existing and existing[s.slug].custom_domain not in (None, s.custom_domain)
    ]
    for tenant in moving:
        tenant.custom_domain = None
    if moving:
        db.session.flush()


def _cohort_for(year: int, cohorts: dict[int, Cohort], report: SyncReport) -> Cohort:
    cohort = cohorts.get(year)
    if cohort is None:
        cohort = Cohort(year=year, starts_on=date(year, 1, 1), ends_on=date(year, 12, 31))
        db.session.add(cohort)
        db.session.flush()
        cohorts[year] = cohort
        report.cohorts_added.append(year)
    return cohort


def _write_tenant(spec: TenantSpec, tenant: Tenant | None, values: dict, report) -> None:
    if tenant is None:
        tenant = Tenant(**values)
        db.session.add(tenant)
        db.session.flush()
        report.added.append(spec.slug)
        record("tenant.added", obj=tenant, summary=f"Added {spec.name} from its file")
        return
    changed = [k for k, v in values.items() if getattr(tenant, k) != v]
    if not changed:
        report.unchanged.append(spec.slug)
        return
    for key in changed:
        setattr(tenant, key, values[key])
    fields = [FILE_FIELD.get(k, k) for k in changed]  # as the file spells them
    report.changed[spec.slug] = fields
    record(
        "tenant.changed",
        obj=tenant,
        summary=f"Changed {', '.join(fields)} from its file",
        details={"fields": fields},
    )


def tenants_by_name() -> list[Tenant]:
    """Every partner authority, by name (the tenants table is not tenant-owned)."""
    return list(db.session.scalars(select(Tenant).order_by(Tenant.name)))


def cohorts_newest_first() -> list[Cohort]:
    return list(db.session.scalars(select(Cohort).order_by(Cohort.year.desc())))


# --- What an admin does from the pages ----------------------------------------------------

FIRST_COHORT_YEAR, LAST_COHORT_YEAR = 2020, 2100
LONGEST_COHORT_DAYS = 2 * 366


def open_cohort(*, year: int | None, starts_on: date | None, ends_on: date | None) -> Cohort:
    """A new programme year, ready for its authorities' files (``cohort = <year>``)."""
    if year is None or not FIRST_COHORT_YEAR <= year <= LAST_COHORT_YEAR:
        raise RuleError(f"Enter a year from {FIRST_COHORT_YEAR} to {LAST_COHORT_YEAR}", "year")
    if db.session.scalar(select(Cohort.id).where(Cohort.year == year)) is not None:
        raise RuleError(f"Cohort {year} is already open", "year")
    if starts_on is None:
        raise RuleError("Enter the cohort's first day", "starts_on")
    if ends_on is None:
        raise RuleError("Enter the cohort's last day", "ends_on")
    if ends_on <= starts_on:
        raise RuleError("The last day must be after the first day", "ends_on")
    if (ends_on - starts_on).days > LONGEST_COHORT_DAYS:
        raise RuleError("A cohort can be at most two years long", "ends_on")
    cohort = Cohort(year=year, starts_on=starts_on, ends_on=ends_on)
    db.session.add(cohort)
    db.session.flush()
    record("cohort.opened", obj=cohort, summary=f"Opened cohort {year}")
    return cohort


@dataclass(frozen=True)
class FilesCheck:
    """What applying the tenant files would do now, or why it would be refused."""

    files: list[TenantSpec]
    report: SyncReport | None  # None when there are problems
    problems: list[tuple[str, str, str]]

    @property
    def changes(self) -> bool:
        return self.report is not None and bool(
            self.report.added or self.report.changed or self.report.cohorts_added
        )


def check_files(directory: Path) -> FilesCheck:
    """``flask tenants sync --check``: every rule of a sync, run and rolled back."""
    try:
        files = load_tenant_files(directory)
        report = sync_tenants(directory)
    except TenantFileError as error:
        db.session.rollback()
        return FilesCheck(files=_readable_files(directory), report=None, problems=error.problems)
    db.session.rollback()
    return FilesCheck(files=files, report=report, problems=[])


def _readable_files(directory: Path) -> list[TenantSpec]:
    """The files that load on their own, to list beside the problems of the others."""
    if not Path(directory).is_dir():
        return []
    parsed = [parse_tenant_file(path)[0] for path in sorted(Path(directory).glob("*.toml"))]
    return [spec for spec in parsed if spec is not None]
