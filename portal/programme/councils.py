"""The register of English councils with children's services: who may apply, and which
email addresses can endorse for a council.

Applicants come from any of them, not only the partner authorities, so a council here
is not a tenant: it is a row of ``data/councils.csv`` in the repository (code, ONS GSS
code, name, official name, region, kind, the email domains its staff use).

Source: mySociety, "UK Local Authority Names and Codes"
(https://github.com/mysociety/uk_local_authority_names_and_codes, the
``uk_local_authorities_current.csv`` of its ``uk_la_past_current`` package), kept to
England's current county councils, unitary authorities, metropolitan districts and
London boroughs (with the City of London and the Isles of Scilly): the councils with
children's services. mySociety's data is under CC BY 4.0 (version 1.6.0 read from
commit 7273419); two regions it gives wrongly are corrected (:data:`REGION_CORRECTIONS`).
Barnsley and Sheffield keep the codes the source gives (E08000016, E08000019), not the
2025 recodes, so a refresh keeps matching them. The email domains are the register's
own, kept with it (the source has none): from the councils' published contact
addresses and staff email domains, children's trusts acting for a council included.
``flask programme refresh-councils FILE`` reads a newer copy of the source, keeps the
domains already known, and says what changed (see :func:`refresh`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REGISTER = Path(__file__).parent / "data" / "councils.csv"
COLUMNS = ("code", "gss_code", "name", "official_name", "region", "kind", "domains")
KINDS = {"CTY": "county", "UA": "unitary", "MD": "metropolitan", "LBO": "london"}
# Two authorities with children's services that the source types otherwise.
SPECIAL = {"E09000001": "unitary", "E06000053": "unitary"}  # City of London, Isles of Scilly
# Where the source (version 1.6.0) is wrong, and the register corrects it on refresh.
REGION_CORRECTIONS = {"E10000007": "East Midlands", "E10000019": "East Midlands"}
_GSS = re.compile(r"^E(06|08|09|10)\d{6}$")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


@dataclass(frozen=True)
class Council:
    code: str
    gss_code: str
    name: str
    official_name: str
    region: str
    kind: str
    domains: tuple[str, ...]

    def __str__(self) -> str:
        return self.name

    def takes_address(self, email: str) -> bool:
        """Whether ``email`` is on one of the council's domains (or a subdomain)."""
        domain = email.rsplit("@", 1)[-1].strip().lower()
        return any(domain == d or domain.endswith(f".{d}") for d in self.domains)


@cache
def register() -> dict[str, Council]:
    """Every council, by GSS code, in name order."""
    return {c.gss_code: c for c in read_register(REGISTER.read_text(encoding="utf-8"))}


def read_register(content: str) -> list[Council]:
    councils = []
    for row in csv.DictReader(io.StringIO(content)):
        councils.append(
            Council(
                code=row["code"],
                gss_code=row["gss_code"],
                name=row["name"],
                official_name=row["official_name"],
                region=row["region"],
                kind=row["kind"],
                domains=tuple(row["domains"].split()),
            )  # fmt: skip
        )
    return sorted(councils, key=lambda c: c.name)


def problems(councils: list[Council]) -> list[str]:
    """What is wrong with a register: each council needs a well-formed code and domain."""
    found, seen = [], set()
    for council in councils:
        if not _GSS.match(council.gss_code):
            found.append(f"{council.name}: {council.gss_code!r} is not an ONS code for one")
        if council.gss_code in seen:
            found.append(f"{council.name}: {council.gss_code} is listed twice")
        seen.add(council.gss_code)
        if council.kind not in KINDS.values():
            found.append(f"{council.name}: unknown kind {council.kind!r}")
        if not council.domains:
            found.append(f"{council.name}: no email domain")
        found += [f"{council.name}: {d!r} is not a domain" for d in council.domains
                  if not _DOMAIN.match(d)]  # fmt: skip
    return found


def get(gss_code: str | None) -> Council | None:
    return register().get(gss_code or "")


def choices() -> list[tuple[str, str]]:
    """For a select: every council by name (the code is what is stored)."""
    return [(c.gss_code, c.name) for c in register().values()]


def name_of(gss_code: str | None) -> str:
    council = get(gss_code)
    return council.name if council else ""


# --- Refreshing from the source ---------------------------------------------------------


@dataclass
class Refresh:
    councils: list[Council]
    added: list[Council]
    gone: list[Council]
    renamed: list[tuple[Council, Council]]
    without_domains: list[Council]


def refresh(source: str, known: list[Council]) -> Refresh:
    """The register a newer copy of mySociety's current-authorities file gives: its
    English upper-tier councils, with the domains ``known`` has for each (a new council
    has none until someone adds them: it is reported, and the register refuses it)."""
    by_code = {c.gss_code: c for c in known}
    found = []
    for row in csv.DictReader(io.StringIO(source)):
        gss = (row.get("gss-code") or "").strip()
        kind = SPECIAL.get(gss) or KINDS.get((row.get("local-authority-type") or "").strip())
        if row.get("nation") != "England" or row.get("current-authority") != "True":
            continue
        if kind is None or not _GSS.match(gss):
            continue
        before = by_code.get(gss)
        found.append(
            Council(
                code=row["local-authority-code"],
                gss_code=gss,
                name=row["nice-name"],
                official_name=row["official-name"],
                kind=kind,
                region=REGION_CORRECTIONS.get(gss, row["region"]),
                domains=before.domains if before else (),
            )  # fmt: skip
        )
    found.sort(key=lambda c: c.name)
    now = {c.gss_code for c in found}
    return Refresh(
        councils=found,
        added=[c for c in found if c.gss_code not in by_code],
        gone=[c for c in known if c.gss_code not in now],
        renamed=[
            (by_code[c.gss_code], c)
            for c in found
            if c.gss_code in by_code and by_code[c.gss_code].name != c.name
        ],  # fmt: skip
        without_domains=[c for c in found if not c.domains],
    )


def write_register(councils: list[Council]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for c in councils:
        writer.writerow([c.code, c.gss_code, c.name, c.official_name, c.region, c.kind,
                         " ".join(c.domains)])  # fmt: skip
    return out.getvalue()
