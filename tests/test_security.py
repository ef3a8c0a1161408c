"""HTTP security: CSRF, sign-in rate limits, trusted proxies, headers, redirects and
the production configuration check."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as settings
from portal import create_app, security
from portal.accounts import passwords
from portal.accounts.models import User
from portal.extensions import db
from tests.factories import PASSWORD


def sign_in(client, email="participant@northbrook.example", password=PASSWORD, **kwargs):
    return client.post("/sign-in", data={"email": email, "password": password}, **kwargs)


def client_at(app, address: str):
    """A browser at ``address`` (what the server sees as the peer address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def hidden_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


# --- CSRF --------------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_post_without_csrf_token_is_refused(app, world, csrf_on):
    client = app.test_client()
    client.get("/sign-in")

    response = sign_in(client)

    assert response.status_code == 400
    assert "Your form could not be sent" in response.text
    assert "security check" in response.text
    assert client.get("/northbrook/").status_code == 302  # not signed in


def test_post_with_the_forms_token_works(app, world, csrf_on):
    client = app.test_client()
    token = hidden_token(client.get("/sign-in").text)

    response = client.post(
        "/sign-in",
        data={"email": "participant@northbrook.example", "password": PASSWORD, "csrf_token": token},
    )

    assert response.status_code == 302
    assert client.get("/northbrook/").status_code == 200


def test_token_from_another_session_is_refused(app, world, csrf_on):
    stranger = app.test_client()
    token = hidden_token(stranger.get("/sign-in").text)
    victim = app.test_client()
    victim.get("/sign-in")

    response = victim.post(
        "/sign-in",
        data={"email": "participant@northbrook.example", "password": PASSWORD, "csrf_token": token},
    )

    assert response.status_code == 400
    assert "Your form could not be sent" in response.text


def test_htmx_header_token_works_and_a_bad_one_does_not(app, login_as, world, system, csrf_on):
    manager = login_as(world["partner_manager_a"])
    page = manager.get("/northbrook/people/invite").text
    header = re.search(r'hx-headers="([^"]+)"', page).group(1).replace("&#34;", '"')
    token = re.search(r'"X-CSRFToken": "([^"]+)"', header).group(1)
    form = {"name": "Nia Patel", "email": "nia@northbrook.example"}

    refused = manager.post(
        "/northbrook/people/invite", data=form, headers={"X-CSRFToken": token + "x"}
    )
    accepted = manager.post("/northbrook/people/invite", data=form, headers={"X-CSRFToken": token})

    assert refused.status_code == 400
    assert accepted.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "nia@northbrook.example"))


def test_sign_out_needs_the_token_too(app, login_as, world, csrf_on):
    client = login_as(world["participant_a"])
    assert client.post("/sign-out").status_code == 400
    assert client.get("/northbrook/").status_code == 200


# --- Rate limiting -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Rate limits are about counting attempts, not argon2's cost: hash cheaply here."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("dummy"))


def test_wrong_passwords_for_one_account_are_limited_even_with_the_right_one(app, world):
    client = app.test_client()
    for attempt in range(5):
        response = sign_in(client, password=f"wrong guess number {attempt}")
        assert response.status_code == 200, attempt

    limited = sign_in(client, password="wrong guess again")
    right = sign_in(client)

    assert limited.status_code == 429
    assert "Too many attempts" in limited.text
    assert right.status_code == 429
    assert "Too many attempts" in right.text
    assert client.get("/northbrook/").status_code == 302
    # Another person at the same address is not locked out.
    assert sign_in(client, email="participant@eastmere.example").status_code == 302


def test_wrong_passwords_elsewhere_do_not_lock_the_owner_out(app, world):
    guesser = client_at(app, "10.0.0.9")
    for attempt in range(6):
        sign_in(guesser, password=f"wrong guess number {attempt}")
    assert sign_in(guesser).status_code == 429  # the guesser is slowed down ...

    owner = client_at(app, "10.0.0.1")
    assert sign_in(owner).status_code == 302  # ... the owner is not


def test_the_account_and_address_limit_holds_across_spellings(app, world):
    client = client_at(app, "10.0.0.9")
    for attempt, email in enumerate(
        ["participant@northbrook.example", " Participant@Northbrook.EXAMPLE "] * 3
    ):
        if attempt < 5:
            assert sign_in(client, email=email, password="wrong").status_code == 200, attempt
    assert sign_in(client, email="PARTICIPANT@northbrook.example").status_code == 429


def test_twenty_people_signing_in_from_one_network_are_not_refused(app, world):
    office = client_at(app, "10.0.0.1")
    for n in range(25):
        response = sign_in(office)
        assert response.status_code == 302, n
        office.post("/sign-out")


def test_the_owners_known_browser_gets_in_from_the_guessers_network(app, world):
    owner = client_at(app, "10.0.0.1")
    assert sign_in(owner).status_code == 302
    owner.post("/sign-out")
    guesser = client_at(app, "10.0.0.1")  # the same council network, another browser
    for n in range(20):
        sign_in(guesser, email=f"guess{n}@northbrook.example", password="wrong")
    for attempt in range(5):
        sign_in(guesser, password=f"wrong guess number {attempt}")
    assert sign_in(guesser).status_code == 429

    assert sign_in(owner).status_code == 302


def test_a_known_browser_is_limited_on_its_own(app, world):
    owner = client_at(app, "10.0.0.1")
    assert sign_in(owner).status_code == 302
    owner.post("/sign-out")
    for attempt in range(5):
        assert sign_in(owner, password=f"wrong {attempt}").status_code == 200
    assert sign_in(owner).status_code == 429


def test_a_browser_known_for_one_account_is_a_stranger_to_another(app, world):
    browser = client_at(app, "10.0.0.1")
    assert sign_in(browser).status_code == 302
    browser.post("/sign-out")
    for attempt in range(5):
        sign_in(browser, email="participant@eastmere.example", password=f"wrong {attempt}")
    assert sign_in(browser, email="participant@eastmere.example").status_code == 429
    assert sign_in(browser).status_code == 302  # its own account still works


def test_guessing_from_many_addresses_keeps_new_browsers_out_but_not_known_ones(app, world):
    owner = client_at(app, "10.0.0.1")
    assert sign_in(owner).status_code == 302
    owner.post("/sign-out")
    for n in range(30):
        sign_in(client_at(app, f"10.9.{n}.1"), password="wrong")

    assert sign_in(client_at(app, "10.0.0.2")).status_code == 429
    assert sign_in(owner).status_code == 302


def test_wrong_current_passwords_are_limited_on_the_change_password_form(app, world):
    client = app.test_client()
    assert sign_in(client).status_code == 302
    new = "lantern quietly orbit mustard"
    for attempt in range(5):
        response = client.post(
            "/account/password",
            data={"current_password": f"wrong {attempt}", "password": new, "confirm": new},
        )
        assert response.status_code == 200, attempt
    limited = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new}
    )
    assert limited.status_code == 429
    assert "Too many attempts" in limited.text


def test_many_attempts_from_one_address_across_emails_are_limited(app, world):
    client = app.test_client()
    for n in range(20):
        assert sign_in(client, email=f"guess{n}@northbrook.example").status_code == 200, n

    response = sign_in(client, email="participant@eastmere.example")

    assert response.status_code == 429
    assert "Too many attempts" in response.text
    # Someone else, somewhere else, can still sign in.
    other = client_at(app, "192.0.2.7")
    assert sign_in(other, email="participant@eastmere.example").status_code == 302


def test_forwarded_for_is_ignored_without_trusted_proxies(app, world):
    assert app.config["TRUSTED_PROXIES"] == 0
    client = app.test_client()
    for n in range(20):
        sign_in(
            client,
            email=f"guess{n}@northbrook.example",
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
    response = sign_in(
        client, email="someone@northbrook.example", headers={"X-Forwarded-For": "198.51.100.250"}
    )
    assert response.status_code == 429


def test_other_forms_that_take_links_or_emails_are_limited(app, world):
    client = app.test_client()
    for n in range(20):
        client.post("/password/forgot", data={"email": f"x{n}@example.org"})
    assert client.post("/password/forgot", data={"email": "y@example.org"}).status_code == 429


@pytest.fixture
def proxied_app(app):
    """The portal behind one trusted reverse proxy, on the same database."""
    # The same settings as the suite's app (database, limiter storage and prefix,
    # jobs …), so the shared extension objects stay bound as they were.
    proxied = create_app({**app.config, "TRUSTED_PROXIES": 1})
    proxied.test_client_class = app.test_client_class
    yield proxied
    with proxied.app_context():
        db.engine.dispose()


def test_behind_a_trusted_proxy_only_the_real_client_address_counts(proxied_app, world):
    assert isinstance(proxied_app.wsgi_app, ProxyFix)
    # Every request arrives from the proxy; the proxy appends the real client to
    # whatever X-Forwarded-For the client sent.
    attacker = client_at(proxied_app, "10.1.1.1")
    for n in range(20):
        forged = f"203.0.113.{n}, 198.51.100.66"  # spoofed first hop, real last hop
        response = sign_in(
            attacker, email=f"guess{n}@northbrook.example", headers={"X-Forwarded-For": forged}
        )
        assert response.status_code == 200, n

    again = sign_in(
        attacker,
        email="guess@northbrook.example",
        headers={"X-Forwarded-For": "203.0.113.200, 198.51.100.66"},
    )
    neighbour = sign_in(
        client_at(proxied_app, "10.1.1.1"),
        email="participant@eastmere.example",
        headers={"X-Forwarded-For": "198.51.100.77"},
    )

    assert again.status_code == 429
    assert neighbour.status_code == 302  # same proxy, different client: not limited


def test_trusted_proxy_setting_wires_proxyfix_with_that_many_hops():
    for hops, expect in ((0, None), (2, 2)):
        app = Flask("probe")
        app.config.update(TRUSTED_PROXIES=hops, HSTS=False)
        security.init_app(app)

        @app.get("/")
        def where():
            from flask import request

            return f"{request.remote_addr} {request.scheme}"

        response = app.test_client().get(
            "/",
            headers={"X-Forwarded-For": "1.1.1.1, 2.2.2.2, 3.3.3.3", "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )
        if expect is None:
            assert not isinstance(app.wsgi_app, ProxyFix)
            assert response.text == "10.0.0.1 http"
        else:
            assert app.wsgi_app.x_for == expect
            assert response.text == "2.2.2.2 http"  # two hops back; proto has one value


# --- Headers -----------------------------------------------------------------------------


def csp(response) -> dict[str, str]:
    parts = [p.strip() for p in response.headers["Content-Security-Policy"].split(";")]
    return {p.split(" ", 1)[0]: p.split(" ", 1)[1] if " " in p else "" for p in parts}


@pytest.mark.parametrize("path", ["/sign-in", "/northbrook/", "/no-such-page", "/admin/"])
def test_security_headers_on_pages(login_as, world, path):
    response = login_as(world["partner_manager_a"]).get(path)
    policy = csp(response)
    header = response.headers["Content-Security-Policy"]

    assert "unsafe-eval" not in header
    assert "unsafe-inline" not in header
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["script-src"].startswith("'self' 'nonce-")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers


def test_every_inline_script_and_style_carries_this_responses_nonce(login_as, world):
    response = login_as(world["partner_manager_a"]).get("/northbrook/people")
    nonce = re.search(r"'nonce-([^']+)'", csp(response)["script-src"]).group(1)
    html = response.text

    inline_scripts = [t for t in re.findall(r"<script[^>]*>", html) if "src=" not in t]
    assert inline_scripts, "the page template has an inline script to check"
    for tag in inline_scripts + re.findall(r"<style[^>]*>", html):
        assert f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handlers are blocked by the CSP"
    # A fresh nonce for each response.
    again = login_as(world["partner_manager_a"]).get("/northbrook/people")
    assert csp(again)["script-src"] != csp(response)["script-src"]


def test_static_files_may_be_cached(client):
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite_lax(client, world):
    response = sign_in(client)
    cookies = response.headers.getlist("Set-Cookie")
    cookie = next(c for c in cookies if c.startswith("portal_session="))
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in cookie.lower()
    assert client.get_cookie("portal_session").http_only


def test_hsts_only_when_configured(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers
    monkeypatch.setitem(app.config, "HSTS", True)
    header = client.get("/sign-in").headers["Strict-Transport-Security"]
    assert "max-age=63072000" in header


# --- Redirects after sign-in stay on the site --------------------------------------------

HOSTILE_NEXT = [
    "//evil.example",
    "///evil.example",
    "////evil.example/path",
    "https://evil.example",
    "http://evil.example/northbrook/people",
    "HTTPS://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "\t//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "\x00//evil.example",
    "evil.example",
    "northbrook/people",
    "@evil.example",
    "//evil.example@localhost",
    "/%0d%0aSet-Cookie:x=y",
    "\u3000//evil.example",
    "\uff0f\uff0fevil.example",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_next_after_sign_in_stays_on_site(app, world, target):
    client = app.test_client()
    response = client.post(
        "/sign-in",
        data={"email": "partner_manager@northbrook.example", "password": PASSWORD, "next": target},
    )

    if "\x00" in target:  # refused where it came in (portal/common/inputs.py)
        assert response.status_code == 400
        return
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.scheme in ("", "http") and parts.netloc in ("", "localhost"), location
    assert location.startswith("/") and not location.startswith("//"), location
    assert "\\" not in location and "\n" not in location and "\r" not in location
    assert "Set-Cookie" not in response.headers.get("Set-Cookie", "").split(";")[0]
    assert location == "/northbrook/" or location == target


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_safe_next_refuses_hostile_targets(target):
    result = security.safe_next(target, "/home")
    assert result == "/home" or (
        result.startswith("/") and not result.startswith("//") and urlsplit(result).netloc == ""
    ), result


def test_good_next_is_followed(app, world):
    client = app.test_client()
    page = client.get("/sign-in?next=/northbrook/people")
    assert 'value="/northbrook/people"' in page.text

    response = client.post(
        "/sign-in",
        data={
            "email": "partner_manager@northbrook.example",
            "password": PASSWORD,
            "next": "/northbrook/people?tab=2",
        },
    )

    assert response.headers["Location"] == "/northbrook/people?tab=2"
    assert client.get(response.headers["Location"]).status_code == 200


def test_sign_in_prompt_round_trip_returns_to_the_page_asked_for(app, world):
    client = app.test_client()
    prompt = client.get("/northbrook/people")
    assert prompt.status_code == 302
    sign_in_url = prompt.headers["Location"]
    assert sign_in_url.startswith("/sign-in?next=")
    page = client.get(sign_in_url)
    assert "Sign in to see that page" in page.text
    nxt = re.search(r'name="next" type="hidden" value="([^"]*)"', page.text) or re.search(
        r'name="next" value="([^"]*)"', page.text
    )
    response = client.post(
        "/sign-in",
        data={
            "email": "partner_manager@northbrook.example",
            "password": PASSWORD,
            "next": nxt.group(1).replace("&amp;", "&"),
        },
    )
    assert response.headers["Location"] == "/northbrook/people"


# --- Production configuration ------------------------------------------------------------

PG = "postgresql+psycopg://portal@db.internal/portal"


@pytest.mark.parametrize(
    "key",
    [None, "", settings.DEV_SECRET_KEY, "short-but-not-dev", " " * 40],
    ids=["missing", "empty", "dev", "short", "blank"],
)
def test_production_refuses_a_missing_dev_or_weak_secret_key(key):
    env = {"PORTAL_ENV": "production", "DATABASE_URL": PG}
    if key is not None:
        env["SECRET_KEY"] = key
    with pytest.raises(settings.ConfigError, match="SECRET_KEY"):
        settings.check(settings.from_env(env))


def test_production_refuses_sqlite():
    env = {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 64}
    with pytest.raises(settings.ConfigError, match="PostgreSQL"):
        settings.check(settings.from_env(env))


PRODUCTION = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "k" * 64,
    "DATABASE_URL": "postgres://u@h/d",
    "PORTAL_BASE_URL": "https://portal.example",
    "TRUSTED_PROXIES": "1",
}


def test_production_with_real_settings_is_accepted_and_hardened():
    config = settings.from_env(PRODUCTION)
    settings.check(config)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/d"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["HSTS"] is True


def test_create_app_refuses_to_start_production_with_the_dev_key(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", PG)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(settings.ConfigError):
        create_app()


@pytest.mark.parametrize(
    ("unset", "message"),
    [("TRUSTED_PROXIES", "TRUSTED_PROXIES must be set"), ("PORTAL_BASE_URL", "https://")],
)
def test_production_must_say_how_many_proxies_and_its_https_address(unset, message):
    env = {k: v for k, v in PRODUCTION.items() if k != unset}
    with pytest.raises(settings.ConfigError, match=message):
        settings.check(settings.from_env(env))
    settings.check(settings.from_env({**PRODUCTION, "TRUSTED_PROXIES": "0"}))  # none: fine


def test_gunicorn_leaves_forwarded_headers_to_the_portals_own_proxy_setting():
    procfile = (Path(__file__).resolve().parent.parent / "Procfile").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    assert "forwarded-allow-ips" not in web  # TRUSTED_PROXIES (ProxyFix) is the one setting


def test_development_defaults_are_not_hardened_for_production():
    config = settings.from_env({})
    settings.check(config)  # no error outside production
    assert config["SECRET_KEY"] == settings.DEV_SECRET_KEY
    assert config["HSTS"] is False


def test_a_bug_inside_a_service_is_a_500_not_a_silent_404(app, world, login_as):
    """apply_change turns only the domain's NotFound into a 404; a KeyError from a bug
    used to be caught as a LookupError and hidden behind a 404."""
    from portal.common.routes import apply_change
    from portal.errors import NotFound

    def buggy():
        return {}["missing"]

    def missing():
        raise NotFound(1)

    with app.test_request_context("/"):
        with pytest.raises(KeyError):
            apply_change(buggy)
        from werkzeug.exceptions import NotFound as HTTPNotFound

        with pytest.raises(HTTPNotFound):
            apply_change(missing)
