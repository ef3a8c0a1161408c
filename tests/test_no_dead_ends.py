"""Nothing waits where nobody sees it: requests to a service with no lead reach the
centre's admins, and a lead always has a service (issue 13, point 2)."""

from __future__ import annotations

from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import Role
from portal.extensions import db
from portal.notifications.models import Notification
from portal.placements.models import PlacementStatus
from tests.factories import HostServiceFactory
from tests.test_accounts import mails, user_by_email
from tests.test_placements import days, request


def notified(user) -> list[str]:
    db.session.expire_all()
    with tenancy.system_scope():
        return list(
            db.session.scalars(select(Notification.text).where(Notification.user_id == user.id))
        )


def test_a_request_to_a_service_with_no_lead_reaches_the_centres_admins(world, login_as, system):
    unled = HostServiceFactory(name="Leaving Care")
    db.session.commit()
    manager = login_as(world["partner_manager_a"])
    start, end = days(10), days(39)

    response = manager.post(
        "/northbrook/placements/new",
        data={
            "participant": str(world["participant_a"].id),
            "service": str(unled.id),
            "starts_on": [start.day, start.month, start.year],
            "ends_on": [end.day, end.month, end.year],
            "weekdays": ["0", "1", "2", "3", "4"],
            "learning_goals": "Pathway planning",
        },  # fmt: skip
        follow_redirects=True,
    )

    assert "Request sent to the Centre for Social Work: Leaving Care has no lead yet" in (
        response.text
    )
    assert "This service has no lead yet" in response.text
    admin = world["centre_admin"]
    assert any("asks for a placement" in text for text in notified(admin))
    assert [m.kind for m in mails(system, admin.email)] == ["placement"]
    assert notified(world["service_lead"]) == []  # the lead of another service


def test_a_request_to_a_led_service_goes_to_its_lead_only(world):
    request(world)
    assert any("asks for a placement" in text for text in notified(world["service_lead"]))
    assert notified(world["centre_admin"]) == []


def test_the_admin_finds_every_waiting_request_from_the_menu(world, login_as):
    unled = HostServiceFactory(name="Leaving Care")
    db.session.commit()
    request(world, service_id=unled.id)
    admin = login_as(world["centre_admin"])

    home = admin.get("/admin/")
    listed = admin.get("/host/placements")

    assert 'href="/host/placements"' in home.text
    assert listed.status_code == 200
    assert "Leaving Care" in listed.text
    assert "Approve" in listed.text


def test_a_lead_is_invited_with_the_service_they_lead(world, login_as):
    admin = login_as(world["centre_admin"])
    data = {"name": "Lou Lead", "email": "lou@host.example", "role": "service_lead"}

    refused = admin.post("/admin/users/invite", data=data)
    invited = admin.post(
        "/admin/users/invite", data={**data, "host_service": str(world.service.id)}
    )

    assert refused.status_code == 200
    assert "Select the service they lead" in refused.text
    assert invited.status_code == 302
    assert user_by_email("lou@host.example").host_service_id == world.service.id


def test_an_admin_gives_someone_a_service_and_only_then_makes_them_a_lead(world, login_as):
    admin = login_as(world["centre_admin"])
    practitioner = world["host_practitioner"]
    practitioner.host_service_id = None
    db.session.commit()
    other = HostServiceFactory(name="Family Support")
    db.session.commit()

    early = admin.post(f"/admin/users/{practitioner.id}/role", data={"role-role": "service_lead"})
    assert early.status_code == 400
    assert "Choose the service they lead first" in early.text

    saved = admin.post(
        f"/admin/users/{practitioner.id}/service", data={"service-host_service": str(other.id)}
    )
    promoted = admin.post(
        f"/admin/users/{practitioner.id}/role", data={"role-role": "service_lead"}
    )
    emptied = admin.post(
        f"/admin/users/{practitioner.id}/service", data={"service-host_service": ""}
    )

    assert saved.status_code == promoted.status_code == 302
    person = user_by_email(practitioner.email)
    assert person.role == Role.SERVICE_LEAD and person.host_service_id == other.id
    assert emptied.status_code == 400
    assert "A service lead must have a service" in emptied.text
    assert user_by_email(practitioner.email).host_service_id == other.id


def test_the_person_page_shows_the_service_choice_for_host_staff_only(world, login_as):
    admin = login_as(world["centre_admin"])
    host = admin.get(f"/admin/users/{world['host_practitioner'].id}")
    partner = admin.get(f"/admin/users/{world['participant_a'].id}")
    assert 'name="service-host_service"' in host.text
    assert 'name="service-host_service"' not in partner.text


def test_decided_placements_still_tell_the_admins_of_an_unled_service(world):
    from portal.placements import service

    unled = HostServiceFactory(name="Leaving Care")
    db.session.commit()
    pid = request(world, service_id=unled.id)
    with tenancy.scoped({world.a.id}):
        service.withdraw_placement(pid, manager=world["partner_manager_a"])
        db.session.commit()
        assert service.get_placement(pid).status == PlacementStatus.WITHDRAWN
    assert any("Withdrawn" in text for text in notified(world["centre_admin"]))
