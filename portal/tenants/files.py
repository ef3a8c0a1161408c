"""Tenant files, ``tenants/<slug>.toml``: reading and checking them (no database).

Every problem in every file is collected, each naming the file and the field, so one
run of ``flask tenants sync --check`` shows everything to fix.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

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


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of white text on ``colour``."""

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


class _Checker:
    """Checks one file's fields, collecting (file, field, message) problems."""

    def __init__(self, path: Path, data: dict):
        self.path, self.data = path, data
        self.problems: list[tuple[str, str, str]] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append((str(self.path), key, message))

    def text(self, key: str, value, max_length: int, required: bool = True) -> str | None:
        if value is None:
            if required:
                self.problem(key, "is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(key, "must be non-empty text")
            return None
        if len(value) > max_length:
            self.problem(key, f"must be {max_length} characters or fewer")
            return None
        return value.strip()

    def whole(self, key: str, low: int, high: int, message: str) -> int | None:
        value = self.data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.problem(key, message)
            return None
        return value

    def slug(self) -> str | None:
        slug = self.text("slug", self.data.get("slug"), 40)
        if slug is None:
            return None
        if not SLUG.match(slug):
            self.problem("slug", "must be 3-40 lowercase letters, digits and hyphens")
        elif slug in RESERVED_SLUGS:
            self.problem("slug", f"'{slug}' is used by the portal itself; choose another")
        elif slug != self.path.stem:
            self.problem("slug", f"'{slug}' must match the file name ('{self.path.stem}.toml')")
        return slug

    def colour(self) -> str | None:
        colour = self.text("brand_colour", self.data.get("brand_colour"), 7)
        if colour is None:
            return None
        if not COLOUR.match(colour):
            self.problem("brand_colour", "must be a colour like '#0b5a3e'")
            return None
        ratio = contrast_with_white(colour)
        if ratio < 4.5:
            self.problem(
                "brand_colour",
                f"'{colour}' has a contrast of {ratio:.2f}:1 with the white header text; "
                "it needs 4.5:1 or more (choose a darker colour)",
            )
            return None
        return colour.lower()

    def contact(self) -> tuple[str | None, str | None]:
        contact = self.data.get("contact")
        if not isinstance(contact, dict):
            self.problem("contact", "must be a table with name and email ([contact])")
            return None, None
        name = self.text("contact.name", contact.get("name"), 120)
        raw_email, email = self.text("contact.email", contact.get("email"), 254), None
        if raw_email is not None:
            try:
                email = validate_email(raw_email, check_deliverability=False).normalized
            except EmailNotValidError as error:
                self.problem("contact.email", f"is not a valid email address ({error})")
        for key in sorted(set(contact) - {"name", "email"}):
            self.problem(f"contact.{key}", "is not a field a tenant file has")
        return name, email

    def logo(self) -> str | None:
        logo = self.text("logo", self.data.get("logo"), 80, required=False)
        if logo is None:
            return None
        if not LOGO.match(logo):
            self.problem("logo", "must be the name of an .svg or .png file in portal/static/logos")
            return None
        if not (LOGO_DIR / logo).is_file():
            self.problem("logo", f"portal/static/logos/{logo} does not exist")
            return None
        return logo

    def domain(self) -> str | None:
        domain = self.text("custom_domain", self.data.get("custom_domain"), 253, required=False)
        if domain is not None:
            domain = domain.lower()
            if not DOMAIN.match(domain):
                self.problem(
                    "custom_domain", f"'{domain}' is not a host name like portal.example.gov.uk"
                )
        return domain


def parse_tenant_file(path: Path) -> tuple[TenantSpec | None, list[tuple[str, str, str]]]:
    """Read one file; returns the spec, or None and every problem found in it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        return None, [(str(path), "(file)", f"is not valid TOML: {error}")]
    check = _Checker(path, data)
    for key in sorted(set(data) - ALLOWED_KEYS):
        check.problem(key, "is not a field a tenant file has")
    slug = check.slug()
    title = check.text("name", data.get("name"), 120)
    cohort = check.whole("cohort", 2000, 2100, "must be a programme year such as 2027")
    colour = check.colour()
    contact_name, contact_email = check.contact()
    retention = check.whole(
        "retention_months", 12, 120, "must be a whole number of months from 12 to 120"
    )
    logo, domain = check.logo(), check.domain()
    if check.problems:
        return None, check.problems
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
