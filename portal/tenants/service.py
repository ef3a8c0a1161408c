"""Partner authorities from ``tenants/<slug>.toml``: validation and sync.

Every file is checked before anything is written; one bad field in one file
means nothing changes, and the error names the file and the field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select

from portal.audit.service import record
from portal.extensions import db
from portal.tenants.models import Cohort, Tenant

SLUG = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LOGO = re.compile(r"^[a-z0-9][a-z0-9._-]{0,80}\.(svg|png)$")
# First path segments the portal itself uses; a tenant slug may not take them.
RESERVED_SLUGS = {
    "admin", "host", "static", "sign-in", "sign-out", "password", "invitations",
    "account", "accessibility", "privacy", "healthz", "api", "assets",
}  # fmt: skip
LOGO_DIR = Path(__file__).resolve().parent.parent / "static" / "logos"
ALLOWED_KEYS = {
    "slug", "name", "cohort", "brand_colour", "logo", "contact", "retention_months",
    "custom_domain",
}  # fmt: skip


class TenantFileError(ValueError):
    """One or more tenant files are wrong. ``problems`` lists (file, field, message)."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{f}: {k}: {m}" for f, k, m in problems))


@dataclass(frozen=True)
class TenantSpec:
    slug: str
    name: str
    cohort: int
    brand_colour: str
    contact_name: str
    contact_email: str
    retention_months: int
    logo: str | None = None
    custom_domain: str | None = None


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


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of white text on ``colour``."""

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def parse_tenant_file(path: Path) -> tuple[TenantSpec | None, list[tuple[str, str, str]]]:
    """Read one file; returns the spec, or None and every problem found in it."""
    name = str(path)
    problems: list[tuple[str, str, str]] = []

    def problem(key: str, message: str) -> None:
        problems.append((name, key, message))

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        return None, [(name, "(file)", f"is not valid TOML: {error}")]

    for key in sorted(set(data) - ALLOWED_KEYS):
        problem(key, "is not a field a tenant file has")

    def text(key: str, value, max_length: int, required: bool = True) -> str | None:
        if value is None:
            if required:
                problem(key, "is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            problem(key, "must be non-empty text")
            return None
        if len(value) > max_length:
            problem(key, f"must be {max_length} characters or fewer")
            return None
        return value.strip()

    slug = text("slug", data.get("slug"), 40)
    if slug is not None:
        if not SLUG.match(slug):
            problem("slug", "must be 3-40 lowercase letters, digits and hyphens")
        elif slug in RESERVED_SLUGS:
            problem("slug", f"'{slug}' is used by the portal itself; choose another")
        elif slug != path.stem:
            problem("slug", f"'{slug}' must match the file name ('{path.stem}.toml')")
    title = text("name", data.get("name"), 120)

    cohort = data.get("cohort")
    if not isinstance(cohort, int) or isinstance(cohort, bool) or not 2000 <= cohort <= 2100:
        problem("cohort", "must be a programme year such as 2027")
        cohort = None

    colour = text("brand_colour", data.get("brand_colour"), 7)
    if colour is not None:
        if not COLOUR.match(colour):
            problem("brand_colour", "must be a colour like '#0b5a3e'")
            colour = None
        else:
            ratio = contrast_with_white(colour)
            if ratio < 4.5:
                problem(
                    "brand_colour",
                    f"'{colour}' has a contrast of {ratio:.2f}:1 with the white header text; "
                    "it needs 4.5:1 or more (choose a darker colour)",
                )
                colour = None
            else:
                colour = colour.lower()

    contact = data.get("contact")
    contact_name = contact_email = None
    if not isinstance(contact, dict):
        problem("contact", "must be a table with name and email ([contact])")
    else:
        contact_name = text("contact.name", contact.get("name"), 120)
        raw_email = text("contact.email", contact.get("email"), 254)
        if raw_email is not None:
            try:
                contact_email = validate_email(raw_email, check_deliverability=False).normalized
            except EmailNotValidError as error:
                problem("contact.email", f"is not a valid email address ({error})")
        for key in sorted(set(contact) - {"name", "email"}):
            problem(f"contact.{key}", "is not a field a tenant file has")

    retention = data.get("retention_months")
    if not isinstance(retention, int) or isinstance(retention, bool) or not 12 <= retention <= 120:
        problem("retention_months", "must be a whole number of months from 12 to 120")
        retention = None

    logo = text("logo", data.get("logo"), 80, required=False)
    if logo is not None:
        if not LOGO.match(logo):
            problem("logo", "must be the name of an .svg or .png file in portal/static/logos")
            logo = None
        elif not (LOGO_DIR / logo).is_file():
            problem("logo", f"portal/static/logos/{logo} does not exist")
            logo = None

    domain = text("custom_domain", data.get("custom_domain"), 253, required=False)
    if domain is not None:
        domain = domain.lower()
        if not DOMAIN.match(domain):
            problem("custom_domain", f"'{domain}' is not a host name like portal.example.gov.uk")

    if problems:
        return None, problems
    return TenantSpec(
        slug=slug,
        name=title,
        cohort=cohort,
        brand_colour=colour,
        contact_name=contact_name,
        contact_email=contact_email,
        retention_months=retention,
        logo=logo,
        custom_domain=domain,
    ), []


def load_tenant_files(directory: Path) -> list[TenantSpec]:
    """Every ``*.toml`` in ``directory``, validated together; raises TenantFileError."""
    directory = Path(directory)
    if not directory.is_dir():
        raise TenantFileError([(str(directory), "(folder)", "does not exist")])
    specs, problems = [], []
    for path in sorted(directory.glob("*.toml")):
        spec, found = parse_tenant_file(path)
        problems += found
        if spec is not None:
            specs.append(spec)
    domains: dict[str, str] = {}
    for spec in specs:
        if spec.custom_domain and spec.custom_domain in domains:
            problems.append(
                (f"{directory}/{spec.slug}.toml", "custom_domain",
                 f"is also used by {domains[spec.custom_domain]}.toml")
            )  # fmt: skip
        elif spec.custom_domain:
            domains[spec.custom_domain] = spec.slug
    if problems:
        raise TenantFileError(problems)
    return specs


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
    file_slugs = {s.slug for s in specs}

    # The cohort limit counts tenants in the files plus any left in the database.
    per_year: dict[int, list[str]] = {}
    for spec in specs:
        per_year.setdefault(spec.cohort, []).append(f"{directory}/{spec.slug}.toml")
    for slug, tenant in existing.items():
        if slug not in file_slugs:
            per_year.setdefault(tenant.cohort.year, []).append(f"{slug} (database)")
    problems = [
        (", ".join(sorted(names)), "cohort",
         f"cohort {year} would have {len(names)} partner authorities; the limit is {limit}")
        for year, names in sorted(per_year.items())
        if len(names) > limit
    ]  # fmt: skip
    # A custom domain still held by a tenant that has no file would otherwise
    # fail on the unique constraint half-way through the writes.
    held = {
        t.custom_domain: slug
        for slug, t in existing.items()
        if slug not in file_slugs and t.custom_domain
    }
    problems += [
        (f"{directory}/{spec.slug}.toml", "custom_domain",
         f"is also used by {held[spec.custom_domain]} (database, no file)")
        for spec in specs
        if spec.custom_domain in held
    ]  # fmt: skip
    if problems:
        raise TenantFileError(problems)

    report = SyncReport(not_in_files=sorted(set(existing) - file_slugs))
    # Tenants may swap or hand over custom domains in one sync: release every
    # domain that moves first, so no intermediate write breaks the unique rule.
    moving = [
        existing[s.slug]
        for s in specs
        if s.slug in existing and existing[s.slug].custom_domain not in (None, s.custom_domain)
    ]
    for tenant in moving:
        tenant.custom_domain = None
    if moving:
        db.session.flush()
    cohorts = {c.year: c for c in db.session.scalars(select(Cohort))}
    for spec in specs:
        cohort = cohorts.get(spec.cohort)
        if cohort is None:
            cohort = Cohort(
                year=spec.cohort,
                starts_on=date(spec.cohort, 1, 1),
                ends_on=date(spec.cohort, 12, 31),
            )
            db.session.add(cohort)
            db.session.flush()
            cohorts[spec.cohort] = cohort
            report.cohorts_added.append(spec.cohort)
        values = _tenant_values(spec, cohort.id)
        tenant = existing.get(spec.slug)
        if tenant is None:
            tenant = Tenant(**values)
            db.session.add(tenant)
            db.session.flush()
            report.added.append(spec.slug)
            record("tenant.added", obj=tenant, summary=f"Added {spec.name} from its file")
            continue
        changed = [k for k, v in values.items() if getattr(tenant, k) != v]
        if not changed:
            report.unchanged.append(spec.slug)
            continue
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
    db.session.flush()
    return report


def tenants_by_name() -> list[Tenant]:
    """Every partner authority, by name (the tenants table is not tenant-owned)."""
    return list(db.session.scalars(select(Tenant).order_by(Tenant.name)))


def cohorts_newest_first() -> list[Cohort]:
    return list(db.session.scalars(select(Cohort).order_by(Cohort.year.desc())))
