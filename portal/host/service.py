"""Managing the host's services: the catalogue partner managers choose from."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.audit.service import record
from portal.errors import RuleError
from portal.extensions import db
from portal.host.models import Borough, HostService


def _check(name: str, kind: str, office: str, capacity: int | None, borough: str) -> None:
    if not (name or "").strip():
        raise RuleError("Enter the service's name", "name")
    if borough not in Borough.__members__:
        raise RuleError("Select a borough", "borough")
    if not (kind or "").strip():
        raise RuleError("Enter the kind of work", "kind")
    if not (office or "").strip():
        raise RuleError("Enter the office partner staff go to", "office")
    if capacity is None or not 0 <= capacity <= 50:
        raise RuleError("Enter a number of places from 0 to 50", "capacity")


def save_service(
    service: HostService | None,
    *,
    actor,
    name: str,
    borough: str,
    kind: str,
    office: str,
    description: str,
    capacity: int | None,
) -> HostService:
    """Add a service, or change one. Capacity cannot drop below places already agreed."""
    _check(name, kind, office, capacity, borough)
    name = name.strip()
    clash = db.session.scalar(
        select(HostService).where(func.lower(HostService.name) == name.lower())
    )
    if clash is not None and clash is not service:
        raise RuleError("There is already a service with this name", "name")
    if service is not None and capacity < service.capacity:
        busiest = _busiest_future_day(service)
        if busiest and busiest[1] > capacity:
            raise RuleError(
                f"{busiest[1]} placements are agreed on {busiest[0]:%-d %B %Y}; "
                f"capacity cannot go below that",
                "capacity",
            )
    created = service is None
    service = service or HostService()
    service.name = name
    service.borough = Borough[borough]
    service.kind = kind.strip()[:60]
    service.office = office.strip()[:200]
    service.description = (description or "").strip()[:2000]
    service.capacity = capacity
    db.session.add(service)
    db.session.flush()
    record(
        "service.added" if created else "service.changed",
        obj=service,
        actor=actor,
        summary=f"{service.name}: {service.capacity} places",
    )
    return service


def _busiest_future_day(service: HostService):
    from portal.placements.service import daily_places_taken, today

    start = today()
    taken = daily_places_taken(service.id, start, start + timedelta(days=400))
    if not taken:
        return None
    return max(taken.items(), key=lambda item: item[1])


def catalogue() -> list[HostService]:
    """The host's services, by borough and name."""
    return list(
        db.session.scalars(select(HostService).order_by(HostService.borough, HostService.name))
    )


def services_by_name() -> list[HostService]:
    return list(db.session.scalars(select(HostService).order_by(HostService.name)))


SERVICE_ROLES = (Role.HOST_PRACTITIONER, Role.SERVICE_LEAD)  # people who work in one service


def set_host_service(user: User, service_id: int | None, *, by: User) -> None:
    """The host service a practitioner works in, or a lead leads."""
    if by.role != Role.CENTRE_ADMIN:
        raise RuleError("Only centre admins can change someone's service")
    if user.role not in SERVICE_ROLES:
        raise RuleError("Only host practitioners and service leads belong to a service")
    if service_id is None and user.role == Role.SERVICE_LEAD:
        raise RuleError(
            "A service lead must have a service. Choose one, or change their role first",
            "host_service",
        )
    if service_id is not None and db.session.get(HostService, service_id) is None:
        raise RuleError("Select a service from the list", "host_service")
    if user.host_service_id == service_id:
        return
    user.host_service_id = service_id
    db.session.flush()
    record(
        "user.service_changed",
        obj=user,
        actor=by,
        summary=f"{user.email} works in {user.host_service or 'no service'}",
        details={"service": service_id},
    )
