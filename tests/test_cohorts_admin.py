"""An admin opens next year's cohort and applies the authorities' files from the
pages, with the checks of ``flask tenants sync`` (issue 13, point 14).

Before: a new cohort needed someone to edit files and run a command on the server,
and nothing in the portal said which authority files belonged to which cohort.
"""

from __future__ import annotations

from html import unescape

from sqlalchemy import select

from portal import tenancy
from portal.extensions import db
from portal.tenants.models import Cohort, Tenant
from tests.test_tenant_files import write


def folder_of(app, tmp_path, monkeypatch):
    folder = tmp_path / "tenants"
    folder.mkdir()
    monkeypatch.setitem(app.config, "TENANTS_DIR", str(folder))
    return folder


def test_an_admin_opens_next_years_cohort(world, login_as, app, tmp_path, monkeypatch):
    folder_of(app, tmp_path, monkeypatch)
    admin = login_as(world["centre_admin"])
    form = {"year": "2028", "starts_on": ["1", "4", "2028"], "ends_on": ["31", "3", "2029"]}

    opened = unescape(admin.post("/admin/cohorts/new", data=form, follow_redirects=True).text)

    assert "Cohort 2028 is open. Add each partner authority's file with cohort = 2028" in opened
    assert "1 April 2028 to 31 March 2029" in opened
    again = admin.post("/admin/cohorts/new", data=form)
    assert "Cohort 2028 is already open" in again.text
    backwards = admin.post("/admin/cohorts/new", data={**form, "year": "2029",
                                                       "ends_on": ["1", "1", "2028"]})  # fmt: skip
    assert "The last day must be after the first day" in backwards.text
    with tenancy.system_scope():
        assert db.session.scalar(select(Cohort).where(Cohort.year == 2028)).starts_on.month == 4


def test_the_files_of_a_cohort_are_shown_then_applied(world, login_as, app, tmp_path, monkeypatch):
    folder = folder_of(app, tmp_path, monkeypatch)
    write(folder, "westfield", cohort=2028, name="Westfield Council")
    admin = login_as(world["centre_admin"])

    page = admin.get("/admin/cohorts/").text

    assert "Cohort 2028" in page and "not open yet" in page and "Westfield Council" in page
    assert "Added westfield" in page and "Apply the files" in page
    with tenancy.system_scope():
        assert db.session.scalar(select(Tenant).where(Tenant.slug == "westfield")) is None

    applied = admin.post("/admin/cohorts/apply", follow_redirects=True)

    assert "Files applied. Added cohort 2028; Added westfield" in applied.text
    assert "Not yet: apply the files" not in applied.text
    with tenancy.system_scope():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "westfield"))
        assert tenant.cohort.year == 2028


def test_files_with_problems_are_listed_and_nothing_is_applied(
    world, login_as, app, tmp_path, monkeypatch
):
    folder = folder_of(app, tmp_path, monkeypatch)
    for slug in ("one", "two", "three", "four"):  # one more than a cohort may hold
        write(folder, slug, cohort=2028)
    broken = write(folder, "broken", text='slug = "broken"\nname = 5\n')
    admin = login_as(world["centre_admin"])

    page = admin.get("/admin/cohorts/").text
    assert "The files cannot be applied" in page
    assert "broken.toml" in page and "Apply the files" not in page
    broken.unlink()
    page = admin.get("/admin/cohorts/").text
    assert "cohort 2028 would have 4 partner authorities; the limit is 3" in page
    refused = admin.post("/admin/cohorts/apply", follow_redirects=True)
    assert "Nothing was changed" in refused.text
    with tenancy.system_scope():
        assert db.session.scalar(select(Tenant).where(Tenant.slug == "one")) is None


def test_only_admins_see_the_cohorts(world, login_as):
    assert login_as(world["partner_manager_a"]).get("/admin/cohorts/").status_code == 403
