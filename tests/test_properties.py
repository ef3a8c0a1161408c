"""Property tests: random input into every people and sign-in form never gives a
500 and never leaves a partial write; hostile text renders inert."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.accounts import passwords, service
from portal.accounts.models import Membership, Role, User
from portal.accounts.passwords import password_problems
from portal.common.inputs import has_control_characters
from portal.extensions import db, limiter
from portal.mail.models import MailMessage
from tests.factories import PASSWORD
from tests.support import run_jobs


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Fuzzing forms, not argon2: hash cheaply so examples stay fast."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("dummy"))


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any text a browser could send: every Unicode character but lone surrogates, which
# cannot be encoded in a form post at all. NUL and other control characters included.
anything = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
emailish = st.one_of(
    anything,
    st.emails(),
    st.builds(lambda local, extra: f"{local}@northbrook.example{extra}", anything, anything),
)


def counts() -> dict[str, int]:
    """Users, memberships and mail: the rows a people form may write."""
    from portal import tenancy

    db.session.expire_all()
    with tenancy.system_scope():
        return {
            "users": db.session.scalar(select(func.count()).select_from(User)),
            "memberships": db.session.scalar(select(func.count()).select_from(Membership)),
            "mail": db.session.scalar(select(func.count()).select_from(MailMessage)),
        }


def delta(before: dict, after: dict) -> dict:
    return {k: after[k] - before[k] for k in before}


NOTHING = {"users": 0, "memberships": 0, "mail": 0}


def answers(*values) -> tuple[int, ...]:
    """What a form may answer: its page or a redirect; and a 400 when anything sent holds
    a control character, refused before the form (portal/common/inputs.py)."""
    flat = [v for value in values for v in (value if isinstance(value, list) else [value])]
    return (200, 302, 400) if any(has_control_characters(v) for v in flat) else (200, 302)


def fresh_limits() -> None:
    # Each example is a different visitor; the limits are tested in test_security.
    limiter.reset()


# --- Random input ------------------------------------------------------------------------


@FUZZ
@given(email=emailish, password=anything, nxt=anything)
def test_sign_in_form_never_fails_and_writes_no_people(app, world, email, password, nxt):
    fresh_limits()
    before = counts()

    response = app.test_client().post(
        "/sign-in", data={"email": email, "password": password, "next": nxt}
    )

    assert response.status_code in answers(email, password, nxt), response.status_code
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/")
        assert not response.headers["Location"].startswith("//")
    assert delta(before, counts()) == NOTHING


@FUZZ
@given(name=anything, email=emailish)
def test_partner_invite_form_never_fails_and_writes_all_or_nothing(
    app, login_as, world, name, email
):
    fresh_limits()
    manager = login_as(world["partner_manager_a"])
    before = counts()
    invited_before = not has_control_characters(email) and service.find_user_by_email(email)

    response = manager.post("/northbrook/people/invite", data={"name": name, "email": email})

    assert response.status_code in answers(name, email), response.status_code
    change = delta(before, counts())
    if response.status_code == 302 and invited_before:  # an earlier example's: sent again
        assert change == {"users": 0, "memberships": 0, "mail": 1}
    elif response.status_code == 302:
        assert change == {"users": 1, "memberships": 1, "mail": 1}
        invited = service.find_user_by_email(email)
        assert invited is not None and invited.name == name.strip()
        assert invited.role == Role.PARTICIPANT
        assert service.tenant_ids_for(invited) == [world.a.id]
    else:
        assert change == NOTHING
        assert "There is a problem" in response.text


ROLES = [r.value for r in Role]


@FUZZ
@given(
    name=anything,
    email=emailish,
    role=st.one_of(st.sampled_from(ROLES), anything),
    tenant=st.one_of(st.sampled_from(["", "a", "b"]), anything),
    works_with=st.lists(st.one_of(st.sampled_from(["a", "b"]), anything), max_size=3),
    host_service=st.one_of(st.sampled_from(["", "service"]), anything),
)
def test_admin_invite_form_never_fails_and_writes_all_or_nothing(
    app, login_as, world, name, email, role, tenant, works_with, host_service
):
    fresh_limits()
    ids = {"a": str(world.a.id), "b": str(world.b.id), "service": str(world.service.id)}
    admin = login_as(world["centre_admin"])
    before = counts()
    invited_before = service.find_user_by_email(email.strip()) if "@" in email else None

    response = admin.post(
        "/admin/users/invite",
        data={
            "name": name,
            "email": email,
            "role": role,
            "tenant": ids.get(tenant, tenant),
            "works_with": [ids.get(w, w) for w in works_with],
            "host_service": ids.get(host_service, host_service),
        },
    )

    sent = (name, email, role, tenant, works_with, host_service)
    assert response.status_code in answers(*sent), response.status_code
    change = delta(before, counts())
    if response.status_code == 302 and invited_before is not None:
        # an earlier example invited this address: the invitation is sent again
        assert not invited_before.has_password
        assert change["mail"] == 1 and change["users"] == change["memberships"] == 0
    elif response.status_code == 302:
        assert change["users"] == 1 and change["mail"] == 1
        invited = service.find_user_by_email(email)
        assert invited.role == Role(role)
        if invited.role == Role.PARTNER_MANAGER:
            assert service.tenant_ids_for(invited) == [int(ids.get(tenant, tenant))]
        if invited.role == Role.CENTRE_ADMIN:
            assert change["memberships"] == 0
        else:
            assert change["memberships"] == len(service.tenant_ids_for(invited))
    else:
        assert change == NOTHING


@FUZZ
@given(email=emailish)
def test_forgot_password_form_never_fails_and_writes_no_people(app, world, email):
    fresh_limits()
    before = counts()

    response = app.test_client().post("/password/forgot", data={"email": email})
    run_jobs()  # the lookup and the email happen in the background

    assert response.status_code in answers(email) and response.status_code != 302
    change = delta(before, counts())
    assert change["users"] == change["memberships"] == 0
    known = service.normalise_email(email) in {u.email for u in world.users.values()}
    assert change["mail"] == (1 if known and response.status_code == 200 else 0)


@FUZZ
@given(password=anything, confirm=st.one_of(st.just(None), anything))
def test_set_password_form_never_fails_and_saves_only_good_passwords(app, world, password, confirm):
    fresh_limits()
    invitation = service.invite_user(
        inviter=world["centre_admin"],
        email=f"fuzz{counts()['users']}@host.example",
        name="Fuzz Person",
        role=Role.FACILITATOR,
    )
    db.session.commit()
    path = invitation.link.removeprefix("http://localhost")
    user_id = invitation.user.id
    before = counts()

    response = app.test_client().post(
        path, data={"password": password, "confirm": password if confirm is None else confirm}
    )

    assert response.status_code in answers(password, confirm or ""), response.status_code
    assert delta(before, counts()) == NOTHING
    user = db.session.get(User, user_id)
    if response.status_code == 302:
        assert user.has_password
        assert confirm in (None, password)
        assert password_problems(password, user_inputs=(user.email, user.name)) == []
    else:
        assert not user.has_password


@FUZZ
@given(current=st.one_of(st.just(PASSWORD), anything), new=anything)
def test_change_password_form_never_fails(app, login_as, world, current, new):
    fresh_limits()
    user = world["participant_a"]
    db.session.refresh(user)
    user.password_hash = passwords.hash_password(PASSWORD)
    db.session.commit()
    old_hash = user.password_hash
    client = login_as(user)

    response = client.post(
        "/account/password", data={"current_password": current, "password": new, "confirm": new}
    )

    assert response.status_code in answers(current, new), response.status_code
    db.session.expire_all()
    changed = db.session.get(User, user.id).password_hash != old_hash
    assert changed == (response.status_code == 302)
    if changed:
        assert password_problems(new, user_inputs=(user.email, user.name)) == []


# --- Hostile text renders inert ----------------------------------------------------------

HOSTILE_NAME = '<script>alert(1)</script><b hx-get="/x" hx-trigger="load">[x](javascript:alert(1))'


def assert_inert(html: str) -> None:
    assert "<script>alert(1)" not in html
    assert 'hx-get="/x"' not in html
    assert "<b hx-get" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_hostile_name_is_escaped_wherever_it_is_shown(app, login_as, world):
    manager = login_as(world["partner_manager_a"])
    response = manager.post(
        "/northbrook/people/invite", data={"name": HOSTILE_NAME, "email": "h@northbrook.example"}
    )
    assert response.status_code == 302
    person = service.find_user_by_email("h@northbrook.example")
    assert person.name == HOSTILE_NAME  # stored as typed, escaped when shown

    assert_inert(manager.get("/northbrook/people").text)
    assert_inert(manager.get(f"/northbrook/people/{person.id}").text)
    admin = login_as(world["centre_admin"])
    assert_inert(admin.get("/admin/users").text)
    assert_inert(admin.get(f"/admin/users/{person.id}").text)
    # The person's own pages show their name in the header.
    assert_inert(login_as(person).get("/northbrook/").text)


def test_hostile_text_in_a_refused_form_is_escaped_in_the_field(app, login_as, world):
    breakout = '"><script>alert(1)</script><b hx-get="/x" x="'
    manager = login_as(world["partner_manager_a"])

    response = manager.post("/northbrook/people/invite", data={"name": breakout, "email": breakout})

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert_inert(response.text)
    assert re.search(r'value="&#34;&gt;&lt;script&gt;', response.text)


def test_hostile_email_in_the_sign_in_and_reset_pages_is_escaped(app, world):
    hostile = '<script>alert(1)</script>@x.example"><b hx-get="/x">'
    client = app.test_client()
    sign_in = client.post("/sign-in", data={"email": hostile, "password": "x"})
    forgot = client.post("/password/forgot", data={"email": "<script>alert(1)</script>"})
    for page in (sign_in.text, forgot.text):
        assert "<script>alert(1)" not in page
        assert 'hx-get="/x"' not in page


def test_hostile_text_in_the_audit_log_is_escaped(app, login_as, world):
    hostile = '<script>alert(1)</script><b hx-get="/x">'
    app.test_client().post("/sign-in", data={"email": hostile, "password": "wrong"})
    page = login_as(world["centre_admin"]).get("/admin/audit").text
    assert_inert(page)


# --- The audit log's filters take any query string ----------------------------------------


@FUZZ
@given(
    action=anything,
    actor=anything,
    tenant=st.one_of(
        st.text("0123456789-", max_size=25), st.sampled_from(["", "a", "b"]), anything
    ),
)
def test_audit_filters_never_fail(app, login_as, world, action, actor, tenant):
    if not tenant.isascii():
        tenant = ""  # see test_audit_tenant_filter_with_non_ascii_digits below
    ids = {"a": str(world.a.id), "b": str(world.b.id)}
    admin = login_as(world["centre_admin"])

    response = admin.get(
        "/admin/audit",
        query_string={"action": action, "actor": actor, "tenant": ids.get(tenant, tenant)},
    )

    if has_control_characters(action + actor + tenant):
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert "events, newest first" in response.text


def test_audit_tenant_filter_with_non_ascii_digits(login_as, world):
    admin = login_as(world["centre_admin"])
    assert admin.get("/admin/audit", query_string={"tenant": "²"}).status_code == 200
