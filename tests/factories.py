"""factory_boy factories. Tenant-owned rows need a scope: create them inside
``tenancy.system_scope()`` (the ``world`` fixture does)."""

from __future__ import annotations

from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory

from portal.accounts.models import Membership, Role, User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.host.models import Borough, HostService
from portal.tenants.models import Cohort, Tenant

PASSWORD = "correct-horse-battery-staple"
_HASH = hash_password(PASSWORD)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class CohortFactory(Base):
    class Meta:
        model = Cohort
        sqlalchemy_get_or_create = ("year",)

    year = 2027
    starts_on = factory.LazyAttribute(lambda o: date(o.year, 1, 1))
    ends_on = factory.LazyAttribute(lambda o: date(o.year, 12, 31))


class TenantFactory(Base):
    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"authority-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title() + " Council")
    cohort = factory.SubFactory(CohortFactory)
    brand_colour = "#0b5a3e"
    contact_name = "Pat Contact"
    contact_email = factory.LazyAttribute(lambda o: f"contact@{o.slug}.example")
    retention_months = 72


class HostServiceFactory(Base):
    class Meta:
        model = HostService

    name = factory.Sequence(lambda n: f"Assessment Team {n}")
    borough = Borough.WESTMINSTER
    kind = "Assessment"
    office = "City Hall"
    capacity = 2


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.PARTICIPANT
    password_hash = _HASH


class MembershipFactory(Base):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant_id = None
