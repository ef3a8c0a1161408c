"""Tenant files: ``flask tenants sync`` loads tenants/<slug>.toml, reports what it
changed, and refuses a bad folder without changing anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.tenants.files import LOGO_DIR, TenantFileError, load_tenant_files, parse_tenant_file
from portal.tenants.models import Cohort, Tenant
from portal.tenants.service import sync_tenants

SHIPPED = Path(__file__).resolve().parent.parent / "tenants"


def toml(
    slug: str,
    *,
    name: str = "",
    cohort: int = 2027,
    colour: str = "#0b5a3e",
    retention: int = 72,
    extra: str = "",
    contact_email: str = "",
) -> str:
    """A valid tenant file for ``slug``; ``extra`` lines are added to the top table."""
    name = name or slug.replace("-", " ").title() + " Council"
    contact_email = contact_email or f"lead@{slug}.example"
    return (
        f'slug = "{slug}"\n'
        f'name = "{name}"\n'
        f"cohort = {cohort}\n"
        f'brand_colour = "{colour}"\n'
        f"retention_months = {retention}\n"
        f"{extra}"
        "\n[contact]\n"
        'name = "Sam Lead"\n'
        f'email = "{contact_email}"\n'
    )


def write(folder: Path, slug: str, text: str | None = None, **kwargs) -> Path:
    path = folder / f"{slug}.toml"
    path.write_text(text if text is not None else toml(slug, **kwargs), encoding="utf-8")
    return path


def sync(app, folder: Path, *extra: str):
    """Run ``flask tenants sync --dir folder`` as an operator would."""
    result = app.test_cli_runner().invoke(args=["tenants", "sync", "--dir", str(folder), *extra])
    db.session.expire_all()  # the command committed in its own session
    return result


def snapshot() -> dict:
    """Every tenant and cohort as plain values, to prove nothing changed."""
    db.session.expire_all()
    tenants = {
        t.slug: (
            t.name,
            t.cohort.year,
            t.brand_colour,
            t.logo,
            t.contact_name,
            t.contact_email,
            t.retention_months,
            t.custom_domain,
        )
        for t in db.session.scalars(select(Tenant))
    }
    cohorts = sorted(db.session.scalars(select(Cohort.year)))
    return {"tenants": tenants, "cohorts": cohorts}


def audit_count(system) -> int:
    with system():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "tenants"
    path.mkdir()
    return path


# --- Adding, reporting, changing ---------------------------------------------------------


def test_sync_adds_tenants_and_their_cohort_and_says_so(app, folder, system):
    write(folder, "northbrook", name="Northbrook Council")
    write(folder, "eastmere", name="Eastmere Borough Council", colour="#4C2C92")

    result = sync(app, folder)

    assert result.exit_code == 0, result.output
    assert "Added cohort 2027" in result.output
    assert "Added eastmere" in result.output
    assert "Added northbrook" in result.output
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    assert set(tenants) == {"northbrook", "eastmere"}
    assert tenants["eastmere"].name == "Eastmere Borough Council"
    assert tenants["eastmere"].brand_colour == "#4c2c92"  # stored in one spelling
    assert tenants["northbrook"].contact_email == "lead@northbrook.example"
    assert tenants["northbrook"].retention_months == 72
    cohort = db.session.scalar(select(Cohort))
    assert cohort.year == 2027
    assert {t.slug for t in cohort.tenants} == {"northbrook", "eastmere"}
    with system():
        actions = list(db.session.scalars(select(AuditEvent.action)))
    assert actions.count("tenant.added") == 2


def test_second_run_reports_unchanged_and_writes_nothing(app, folder, system):
    write(folder, "northbrook")
    assert sync(app, folder).exit_code == 0
    before, events = snapshot(), audit_count(system)

    result = sync(app, folder)

    assert result.exit_code == 0, result.output
    assert "Unchanged northbrook" in result.output
    assert "Added" not in result.output
    assert snapshot() == before
    assert audit_count(system) == events


def test_changed_field_is_reported_by_name_and_saved(app, folder, system):
    write(folder, "northbrook")
    sync(app, folder)
    write(folder, "northbrook", name="Northbrook City Council", retention=84)

    result = sync(app, folder)

    assert result.exit_code == 0, result.output
    assert "Changed northbrook: name, retention_months" in result.output
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "northbrook"))
    assert tenant.name == "Northbrook City Council"
    assert tenant.retention_months == 84
    with system():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tenant.changed"))
    assert event.details == {"fields": ["name", "retention_months"]}


def test_changes_are_reported_with_the_files_field_names(app, folder):
    write(folder, "northbrook")
    sync(app, folder)
    write(folder, "northbrook", cohort=2028, contact_email="new.lead@northbrook.example")

    result = sync(app, folder)

    assert result.exit_code == 0, result.output
    assert "Added cohort 2028" in result.output
    assert "Changed northbrook: cohort, contact.email" in result.output
    tenant = db.session.scalar(select(Tenant))
    assert tenant.cohort.year == 2028
    assert tenant.contact_email == "new.lead@northbrook.example"


def test_file_that_is_not_utf8_is_refused(app, folder):
    (folder / "westford.toml").write_bytes(toml("westford").encode() + b"# \xff\xfe\n")
    result = sync(app, folder)
    assert result.exit_code != 0
    assert f"error: {folder / 'westford.toml'}: (file): is not valid TOML" in result.output
    assert snapshot() == {"tenants": {}, "cohorts": []}


def test_tenant_left_in_database_without_a_file_is_reported_not_deleted(app, folder):
    write(folder, "northbrook")
    write(folder, "eastmere")
    sync(app, folder)
    (folder / "eastmere.toml").unlink()

    result = sync(app, folder)

    assert result.exit_code == 0, result.output
    assert "no file (left as it is): eastmere" in result.output
    assert db.session.scalar(select(Tenant).where(Tenant.slug == "eastmere")) is not None


def test_check_validates_and_reports_but_writes_nothing(app, folder, system):
    write(folder, "northbrook")

    result = sync(app, folder, "--check")

    assert result.exit_code == 0, result.output
    assert "Added northbrook" in result.output
    assert "nothing was written" in result.output
    assert snapshot() == {"tenants": {}, "cohorts": []}
    assert audit_count(system) == 0


def test_check_reports_changes_without_making_them(app, folder):
    write(folder, "northbrook")
    sync(app, folder)
    write(folder, "northbrook", name="Renamed Council")

    result = sync(app, folder, "--check")

    assert "Changed northbrook: name" in result.output
    assert db.session.scalar(select(Tenant.name)) == "Northbrook Council"


def test_empty_folder_says_so(app, folder):
    result = sync(app, folder)
    assert result.exit_code == 0
    assert "No tenant files found" in result.output


def test_missing_folder_is_a_clear_error(app, tmp_path):
    result = sync(app, tmp_path / "nowhere")
    assert result.exit_code != 0
    assert "nowhere" in result.output
    assert "does not exist" in result.output


# --- Bad files: a clear error naming file and field, and nothing changes -----------------

BAD_FILES = {
    "bad slug": ("Bad_Slug", toml("Bad_Slug"), "slug", "lowercase letters"),
    "slug not matching file name": (
        "westford",
        toml("southbrook"),
        "slug",
        "must match the file name",
    ),
    "reserved slug": ("admin", toml("admin"), "slug", "used by the portal itself"),
    "missing name": (
        "westford",
        toml("westford").replace('name = "Westford Council"\n', ""),
        "name",
        "is missing",
    ),
    "blank name": ("westford", toml("westford", name="   "), "name", "non-empty"),
    "bad colour": ("westford", toml("westford", colour="green"), "brand_colour", "a colour like"),
    "low-contrast colour": (
        "westford",
        toml("westford", colour="#ffdd00"),
        "brand_colour",
        "4.5:1",
    ),
    "bad contact email": (
        "westford",
        toml("westford", contact_email="not-an-address"),
        "contact.email",
        "not a valid email address",
    ),
    "retention too short": (
        "westford",
        toml("westford", retention=6),
        "retention_months",
        "from 12 to 120",
    ),
    "retention too long": (
        "westford",
        toml("westford", retention=121),
        "retention_months",
        "from 12 to 120",
    ),
    "retention not a number": (
        "westford",
        toml("westford").replace("retention_months = 72", 'retention_months = "72"'),
        "retention_months",
        "whole number",
    ),
    "unknown key": (
        "westford",
        toml("westford", extra='colour_scheme = "dark"\n'),
        "colour_scheme",
        "not a field",
    ),
    "unknown contact key": (
        "westford",
        toml("westford") + 'phone = "0123"\n',
        "contact.phone",
        "not a field",
    ),
    "invalid TOML": ("westford", 'slug = "westford\nname = ', "(file)", "not valid TOML"),
    "logo missing": (
        "westford",
        toml("westford", extra='logo = "westford.svg"\n'),
        "logo",
        "does not exist",
    ),
    "logo outside the logo folder": (
        "westford",
        toml("westford", extra='logo = "../../config.py"\n'),
        "logo",
        "must be the name of an .svg or .png file",
    ),
    "bad custom domain": (
        "westford",
        toml("westford", extra='custom_domain = "http://x"\n'),
        "custom_domain",
        "is not a host name",
    ),
    "bad cohort": ("westford", toml("westford", cohort=27), "cohort", "programme year"),
    "contact not a table": (
        "westford",
        toml("westford").split("\n[contact]")[0] + '\ncontact = "Sam"\n',
        "contact",
        "must be a table",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_refused_naming_file_and_field_and_nothing_changes(app, folder, system, case):
    file_stem, text, field, words = case
    # An existing tenant whose (valid) file changed, and a valid new one: neither lands.
    write(folder, "northbrook")
    sync(app, folder)
    write(folder, "northbrook", name="Northbrook Renamed")
    write(folder, "eastmere")
    write(folder, file_stem, text)
    before, events = snapshot(), audit_count(system)

    result = sync(app, folder)

    assert result.exit_code != 0
    bad_path = str(folder / f"{file_stem}.toml")
    error_lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert any(
        bad_path in line and f": {field}:" in line and words in line for line in error_lines
    ), result.output
    assert "no changes made" in result.output
    assert "Added" not in result.output
    assert snapshot() == before
    assert before["tenants"]["northbrook"][0] == "Northbrook Council"
    assert audit_count(system) == events


def test_every_problem_in_a_file_is_listed_at_once(folder):
    path = write(folder, "westford", toml("westford", colour="red", retention=500))
    spec, problems = parse_tenant_file(path)
    assert spec is None
    assert {(f, k) for f, k, _ in problems} == {
        (str(path), "brand_colour"),
        (str(path), "retention_months"),
    }


def test_duplicate_custom_domain_is_refused_naming_both_files(app, folder):
    domain = 'custom_domain = "portal.shared.example"\n'
    write(folder, "northbrook", extra=domain)
    write(folder, "eastmere", extra=domain)

    result = sync(app, folder)

    assert result.exit_code != 0
    assert f"error: {folder / 'northbrook.toml'}: custom_domain: is also used by" in result.output
    assert "eastmere.toml" in result.output
    assert snapshot() == {"tenants": {}, "cohorts": []}


def test_custom_domain_already_used_by_a_tenant_without_a_file_is_refused(app, folder):
    domain = 'custom_domain = "portal.shared.example"\n'
    write(folder, "eastmere", extra=domain)
    sync(app, folder)
    (folder / "eastmere.toml").unlink()
    write(folder, "northbrook", extra=domain)
    before = snapshot()

    result = sync(app, folder)

    assert result.exit_code != 0
    assert f"{folder / 'northbrook.toml'}: custom_domain" in result.output
    assert "eastmere" in result.output
    assert snapshot() == before


def test_swapping_custom_domains_between_tenants_is_allowed(app, folder):
    write(folder, "northbrook", extra='custom_domain = "one.example"\n')
    write(folder, "eastmere", extra='custom_domain = "two.example"\n')
    sync(app, folder)
    write(folder, "northbrook", extra='custom_domain = "two.example"\n')
    write(folder, "eastmere", extra='custom_domain = "one.example"\n')

    result = sync(app, folder)

    assert result.exit_code == 0, result.output
    domains = dict(db.session.execute(select(Tenant.slug, Tenant.custom_domain)).all())
    assert domains == {"northbrook": "two.example", "eastmere": "one.example"}


def test_a_valid_logo_in_the_logo_folder_is_accepted(app, folder):
    logo = sorted(LOGO_DIR.glob("*.svg"))[0].name
    write(folder, "westford", extra=f'logo = "{logo}"\n')
    assert sync(app, folder).exit_code == 0
    assert db.session.scalar(select(Tenant.logo)) == logo


# --- The cohort limit --------------------------------------------------------------------


def test_more_authorities_than_the_cohort_limit_is_refused(app, folder):
    assert app.config["COHORT_PARTNER_LIMIT"] == 3
    for slug in ("northbrook", "eastmere", "southwick", "westford"):
        write(folder, slug)

    result = sync(app, folder)

    assert result.exit_code != 0
    assert "cohort 2027 would have 4 partner authorities; the limit is 3" in result.output
    assert snapshot() == {"tenants": {}, "cohorts": []}


def test_cohort_limit_counts_tenants_already_in_the_database(app, folder):
    for slug in ("northbrook", "eastmere", "southwick"):
        write(folder, slug)
    assert sync(app, folder).exit_code == 0
    (folder / "southwick.toml").unlink()
    write(folder, "westford")
    before = snapshot()

    result = sync(app, folder)

    assert result.exit_code != 0
    assert "southwick (database)" in result.output
    assert "the limit is 3" in result.output
    assert snapshot() == before


def test_cohort_limit_is_per_year_and_configurable(app, folder, monkeypatch):
    for slug in ("northbrook", "eastmere", "southwick"):
        write(folder, slug)
    write(folder, "westford", cohort=2028)
    assert sync(app, folder).exit_code == 0
    assert snapshot()["cohorts"] == [2027, 2028]

    monkeypatch.setitem(app.config, "COHORT_PARTNER_LIMIT", 2)
    write(folder, "northbrook", name="Renamed")
    result = sync(app, folder)
    assert result.exit_code != 0
    assert "the limit is 2" in result.output


def test_service_refuses_with_problems_naming_the_files(folder, system):
    for slug in ("northbrook", "eastmere"):
        write(folder, slug)
    with system(), pytest.raises(TenantFileError) as raised:
        sync_tenants(folder, limit=1)
    (files, key, message) = raised.value.problems[0]
    assert key == "cohort"
    assert "northbrook.toml" in files and "eastmere.toml" in files
    assert "the limit is 1" in message


def test_service_report_lines(folder, system):
    write(folder, "northbrook")
    with system():
        report = sync_tenants(folder)
    assert report.lines() == ["Added cohort 2027", "Added northbrook"]
    assert report.added == ["northbrook"]


# --- The shipped files -------------------------------------------------------------------


def test_shipped_tenant_files_are_valid():
    specs = load_tenant_files(SHIPPED)
    assert len(specs) >= 3
    for spec in specs:
        assert (SHIPPED / f"{spec.slug}.toml").is_file()
        if spec.logo:
            assert (LOGO_DIR / spec.logo).is_file()


def test_shipped_tenant_files_sync_cleanly(app, system):
    result = sync(app, SHIPPED)
    assert result.exit_code == 0, result.output
    slugs = {p.stem for p in SHIPPED.glob("*.toml")}
    assert set(db.session.scalars(select(Tenant.slug))) == slugs
    assert sync(app, SHIPPED).output.count("Unchanged") == len(slugs)
