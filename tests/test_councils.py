"""The register of English councils with children's services (issue 15): shipped in the
repository with its source named, checked, and refreshed from a newer copy of the source
without losing the email domains it keeps."""

from __future__ import annotations

from portal.programme import councils

HEADER = (
    "local-authority-code,official-name,nice-name,gss-code,nation,region,"
    "local-authority-type,current-authority\n"
)


def test_the_register_holds_every_children_services_council_and_is_well_formed():
    register = councils.register()
    assert len(register) == 153
    assert councils.problems(list(register.values())) == []
    kinds = {c.kind for c in register.values()}
    assert kinds == {"county", "unitary", "metropolitan", "london"}
    assert register["E09000020"].name == "Kensington and Chelsea"
    assert register["E06000065"].name == "North Yorkshire"  # unitary since 2023
    assert "E10000023" not in register  # North Yorkshire County Council, abolished
    assert register["E10000007"].region == "East Midlands"  # the source says West Midlands


def test_an_address_belongs_to_a_council_by_its_domains():
    kensington = councils.get("E09000020")
    assert kensington.takes_address("director@rbkc.gov.uk")
    assert kensington.takes_address("someone@Social.RBKC.gov.uk")
    assert not kensington.takes_address("someone@rbkc.gov.uk.example.com")
    assert not kensington.takes_address("someone@notrbkc.gov.uk")


def test_a_refresh_keeps_known_domains_and_says_what_changed():
    known = councils.read_register(
        "code,gss_code,name,official_name,region,kind,domains\n"
        "KEC,E09000020,Kensington and Chelsea,Royal Borough,London,london,rbkc.gov.uk\n"
        "NYC,E10000023,North Yorkshire County,North Yorkshire County Council,"
        "Yorkshire and The Humber,county,northyorks.gov.uk\n"
    )
    source = HEADER + (
        "KEC,Royal Borough of Kensington and Chelsea,Kensington & Chelsea,E09000020,"
        "England,London,LBO,True\n"
        "NYE,North Yorkshire Council,North Yorkshire,E06000065,England,"
        "Yorkshire and The Humber,UA,True\n"
        "NYC,North Yorkshire County Council,North Yorkshire County,E10000023,England,"
        "Yorkshire and The Humber,CTY,False\n"
        "ADU,Adur District Council,Adur,E07000223,England,South East,NMD,True\n"
        "ABD,Aberdeenshire Council,Aberdeenshire,S12000034,Scotland,Scotland,SCO,True\n"
        "DBY,Derbyshire County Council,Derbyshire,E10000007,England,West Midlands,CTY,True\n"
    )
    result = councils.refresh(source, known)
    assert [c.gss_code for c in result.councils] == ["E10000007", "E09000020", "E06000065"]
    assert [c.name for c in result.added] == ["Derbyshire", "North Yorkshire"]
    assert [c.name for c in result.gone] == ["North Yorkshire County"]
    assert [(a.name, b.name) for a, b in result.renamed] == [
        ("Kensington and Chelsea", "Kensington & Chelsea")
    ]
    kept = {c.gss_code: c for c in result.councils}
    assert kept["E09000020"].domains == ("rbkc.gov.uk",)
    assert kept["E10000007"].region == "East Midlands"
    assert {c.name for c in result.without_domains} == {"Derbyshire", "North Yorkshire"}
    written = councils.read_register(councils.write_register(result.councils))
    assert written == result.councils
    assert "Derbyshire: no email domain" in councils.problems(written)


def test_the_refresh_command_is_a_dry_run_unless_asked(app, tmp_path):
    source = tmp_path / "current.csv"
    source.write_text(HEADER + "KEC,Royal Borough,Kensington and Chelsea,E09000020,England,"
                      "London,LBO,True\n")  # fmt: skip
    before = councils.REGISTER.read_text()
    result = app.test_cli_runner().invoke(args=["programme", "refresh-councils", str(source)])
    assert result.exit_code == 0, result.output
    assert "1 councils (153 now)" in result.output
    assert "no longer current: Barnsley" in result.output
    assert "Dry run: nothing written" in result.output
    assert councils.REGISTER.read_text() == before
