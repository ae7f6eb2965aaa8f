"""CMDB import/export: idempotent, all-or-nothing imports with row-numbered errors."""

import csv
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from steward.configuration.models import CIChange, ConfigurationItem, Relationship
from steward.configuration.services import cis as services
from steward.configuration.services import transfer
from steward.core.models import JournalEntry
from steward.core.tests.factories import (
    FORMULA_CELLS,
    SupportGroupFactory,
    make_person,
    staff_fixture,
)

cfg = staff_fixture("cfg", "configuration_administrator", "cfg")


@pytest.fixture
def classes(cfg):
    server = services.ci_class_create(actor=cfg, name="Server", code="server", category="hardware")
    services.attribute_define(
        actor=cfg, ci_class_id=server.pk, key="ram_gb", label="RAM", type="integer",
        mandatory=True,
    )  # fmt: skip
    services.attribute_define(
        actor=cfg, ci_class_id=server.pk, key="virtual", label="Virtual", type="boolean"
    )
    app = services.ci_class_create(actor=cfg, name="Application", code="app", category="software")
    services.relationship_type_create(
        actor=cfg, code="runs-on", name="runs on", reverse_name="hosts"
    )
    SupportGroupFactory(name="Infra")
    return server, app


CSV = (
    "class,name,status,owner,support_group,serial_number,attr.ram_gb,attr.virtual\n"
    "server,web01,in_production,cfg,Infra,SN1,16,yes\n"
    "server,web02,in_stock,,,SN2,32,\n"
    "app,shop,in_production,cfg,,,,\n"
)
RELS = "source_class,source_name,type,target_class,target_name\napp,shop,runs-on,server,web01\n"


def _counts():
    return (
        ConfigurationItem.objects.count(),
        CIChange.objects.count(),
        JournalEntry.objects.count(),
        Relationship.objects.count(),
    )


def _import(actor, text, **kw):
    return transfer.import_cis(actor=actor, rows=transfer.parse_csv(text), **kw)


def test_import_creates_cis_with_attributes(cfg, classes):
    result = _import(cfg, CSV, cause="CHG1")
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    web01 = ConfigurationItem.objects.get(name="web01")
    assert web01.attributes == {"ram_gb": 16, "virtual": True}
    assert web01.owner == cfg and web01.support_group.name == "Infra"
    assert web01.serial_number == "SN1"
    assert ConfigurationItem.objects.get(name="web02").status == "in_stock"
    assert CIChange.objects.filter(ci=web01, cause="CHG1").exists()


def test_same_csv_twice_changes_nothing(cfg, classes):
    _import(cfg, CSV)
    before = _counts()
    result = _import(cfg, CSV)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert _counts() == before


def test_changed_row_updates_through_history(cfg, classes):
    _import(cfg, CSV)
    changed = CSV.replace("SN2,32,", "SN2,64,")
    result = _import(cfg, changed, cause="CHG2")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    web02 = ConfigurationItem.objects.get(name="web02")
    assert web02.attributes["ram_gb"] == 64
    change = CIChange.objects.get(ci=web02, field="attributes.ram_gb", cause="CHG2")
    assert (change.old_value, change.new_value) == (32, 64)


@pytest.mark.parametrize(
    "bad_row, expected",
    [
        ("router,r1,,,,,8,", "row 3: class: unknown class 'router'."),
        ("server,web03,,,,,lots,", "row 3: attributes.ram_gb: Enter a whole number."),
        ("server,web03,,,,,,", "row 3: attributes.ram_gb: RAM is required."),
        ("server,web03,,nobody,,,8,", "row 3: owner: no person with the username 'nobody'."),
        ("server,web03,broken,,,,8,", "row 3: status:"),
        ("server,web01,,,,,8,", "row 3: name: the same CI as row 2."),
    ],
)
def test_bad_row_reports_row_and_imports_nothing(cfg, classes, bad_row, expected):
    header, first, *rest = CSV.splitlines()
    text = "\n".join([header, first, bad_row, *rest]) + "\n"
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        _import(cfg, text)
    messages = exc.value.message_dict["rows"]
    assert any(m.startswith(expected) for m in messages), messages
    assert _counts() == before


def test_error_found_while_writing_still_rolls_back_every_row(cfg, classes):
    # The name length is only checked by the model, after earlier rows were written.
    text = CSV + f"server,{'x' * 201},,,,,8,\n"
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        _import(cfg, text)
    assert exc.value.message_dict["rows"][0].startswith("row 5: name: Ensure this value")
    assert _counts() == before


def test_unknown_column_is_refused(cfg, classes):
    with pytest.raises(ValidationError) as exc:
        _import(cfg, "class,name,colour\nserver,web01,red\n")
    assert "row 2: colour: unknown column." in exc.value.message_dict["rows"]
    assert ConfigurationItem.objects.count() == 0


def test_relationships_import_is_idempotent(cfg, classes):
    _import(cfg, CSV)
    rows = transfer.parse_csv(RELS)
    assert transfer.import_relationships(actor=cfg, rows=rows).created == 1
    before = _counts()
    again = transfer.import_relationships(actor=cfg, rows=rows)
    assert (again.created, again.unchanged) == (0, 1)
    assert _counts() == before
    rel = Relationship.objects.get()
    assert (rel.source.name, rel.type.code, rel.target.name) == ("shop", "runs-on", "web01")


def test_relationships_with_unknown_ci_import_nothing(cfg, classes):
    _import(cfg, CSV)
    text = RELS + "app,shop,runs-on,server,ghost\napp,shop,flies-to,server,web02\n"
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        transfer.import_relationships(actor=cfg, rows=transfer.parse_csv(text))
    messages = exc.value.message_dict["rows"]
    assert "row 3: target_name: no Server named 'ghost'." in messages
    assert "row 4: type: unknown relationship type 'flies-to'." in messages
    assert _counts() == before


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_import_round_trip_changes_nothing(cfg, classes, fmt):
    _import(cfg, CSV)
    transfer.import_relationships(actor=cfg, rows=transfer.parse_csv(RELS))
    cis_text = transfer.export_cis(ConfigurationItem.objects.all(), fmt=fmt)
    rels_text = transfer.export_relationships(Relationship.objects.all(), fmt=fmt)
    parse = transfer.parse_json if fmt == "json" else transfer.parse_csv
    first_row = 1 if fmt == "json" else 2
    before = _counts()
    result = transfer.import_cis(actor=cfg, rows=parse(cis_text), first_row=first_row)
    rels = transfer.import_relationships(actor=cfg, rows=parse(rels_text), first_row=first_row)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert (rels.created, rels.unchanged) == (0, 1)
    assert _counts() == before


def test_json_import_with_sections_and_row_index(cfg, classes):
    doc = {
        "cis": [
            {"class": "server", "name": "db01", "attributes": {"ram_gb": 8}},
            {"class": "server", "name": "db02", "attributes": {"ram_gb": "x"}},
        ],
        "relationships": [],
    }
    with pytest.raises(ValidationError) as exc:
        transfer.import_cis(actor=cfg, rows=transfer.parse_json(json.dumps(doc)), first_row=1)
    assert exc.value.message_dict["rows"] == ["row 2: attributes.ram_gb: Enter a whole number."]
    doc["cis"].pop()
    result = transfer.import_cis(actor=cfg, rows=transfer.parse_json(json.dumps(doc)), first_row=1)
    assert result.created == 1
    assert ConfigurationItem.objects.get(name="db01").attributes == {"ram_gb": 8}


@pytest.mark.parametrize("role", [None, "specialist"])
def test_import_refused_without_change_permission(cfg, classes, provider, role):
    person = make_person(*([role] if role else []), organisation=provider, username="someone")
    before = _counts()
    with pytest.raises(PermissionDenied):
        _import(person, CSV)
    with pytest.raises(PermissionDenied):
        transfer.import_relationships(actor=person, rows=transfer.parse_csv(RELS))
    assert _counts() == before


# --- Commands --------------------------------------------------------------------------


def test_import_command_prints_counts(cfg, classes, tmp_path, capsys):
    path = tmp_path / "cis.csv"
    path.write_text(CSV)
    call_command("cmdb_import", str(path), "--as", "cfg", "--cause", "CHG9")
    assert "created 3, updated 0, unchanged 0" in capsys.readouterr().out
    call_command("cmdb_import", str(path), "--as", "cfg")
    assert "created 0, updated 0, unchanged 3" in capsys.readouterr().out


def test_import_command_bad_rows_exit_non_zero(cfg, classes, tmp_path, capsys):
    path = tmp_path / "cis.csv"
    path.write_text(CSV + "router,r1,,,,,,\nserver,web09,,,,,,\n")
    with pytest.raises(CommandError, match="nothing imported: 2 rows have errors"):
        call_command("cmdb_import", str(path), "--as", "cfg")
    err = capsys.readouterr().err
    assert "row 5: class: unknown class 'router'." in err
    assert "row 6: attributes.ram_gb: RAM is required." in err
    assert ConfigurationItem.objects.count() == 0


def test_import_command_refuses_person_without_permission(classes, no_role_person, tmp_path):
    path = tmp_path / "cis.csv"
    path.write_text(CSV)
    with pytest.raises(CommandError, match="may not change the CMDB"):
        call_command("cmdb_import", str(path), "--as", no_role_person.username)
    binary = tmp_path / "cis.bin"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("cmdb_import", str(binary), "--as", "cfg")
    with pytest.raises(CommandError, match="no active person"):
        call_command("cmdb_import", str(path), "--as", "nobody")
    assert ConfigurationItem.objects.count() == 0


def test_export_command_then_json_relationship_import(cfg, classes, tmp_path, capsys):
    _import(cfg, CSV)
    transfer.import_relationships(actor=cfg, rows=transfer.parse_csv(RELS))
    call_command("cmdb_export", "--class", "server")
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("class,name,status")
    assert "web01" in out and "shop" not in out
    call_command("cmdb_export", "--relationships", "--format", "json")
    path = tmp_path / "rels.json"
    path.write_text(capsys.readouterr().out)
    call_command("cmdb_import", str(path), "--relationships", "--as", "cfg")
    assert "created 0, updated 0, unchanged 1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="unknown class"):
        call_command("cmdb_export", "--class", "nope")


def test_cli_csv_export_defuses_formulas_and_reads_back(cfg, classes, tmp_path, capsys):
    server, app = classes
    services.attribute_define(
        actor=cfg, ci_class_id=server.pk, key="note", label="Note", type="string"
    )
    # The importer strips the whitespace around text cells, so a value starting with a tab
    # or a carriage return could not read back as it was: those samples are stripped here.
    for n, formula in enumerate(cell.strip() for cell in FORMULA_CELLS):
        services.ci_create(
            actor=cfg, ci_class=server, name=f"{formula} {n}", location=formula,
            description=f"'{formula}\r{formula}", attributes={"ram_gb": -n, "note": formula},
        )  # fmt: skip
    shop = services.ci_create(actor=cfg, ci_class=app, name="=shop")
    services.relationship_add(
        actor=cfg,
        source_id=shop.pk,
        target_id=ConfigurationItem.objects.get(name=f"{FORMULA_CELLS[0]} 0").pk,
        type_id=services.RelationshipType.objects.get(code="runs-on").pk,
    )
    stored = {ci.name: ci for ci in ConfigurationItem.objects.filter(ci_class=server)}

    call_command("cmdb_export", "--format", "csv")
    cis_csv = capsys.readouterr().out
    call_command("cmdb_export", "--format", "csv", "--relationships")
    rels_csv = capsys.readouterr().out

    rows = list(csv.DictReader(io.StringIO(cis_csv)))
    for row in rows[:-1]:
        ci = stored[row["name"][1:]]
        assert row["name"] == "'" + ci.name
        assert (row["location"], row["attr.note"]) == ("'" + ci.location, "'" + ci.location)
        assert row["description"] == "'" + ci.description  # ''=... reads back as '=...
        assert "\r" in ci.description  # quoted, so it does not start a row of its own
        assert row["attr.ram_gb"] == str(ci.attributes["ram_gb"])  # numbers stay numbers
    [rel] = list(csv.DictReader(io.StringIO(rels_csv)))
    assert (rel["source_name"], rel["target_name"]) == ("'=shop", "'" + FORMULA_CELLS[0] + " 0")
    # What was exported imports back as it was: nothing changes.
    before = _counts()
    (tmp_path / "cis.csv").write_text(cis_csv)
    (tmp_path / "rels.csv").write_text(rels_csv)
    call_command("cmdb_import", str(tmp_path / "cis.csv"), "--as", "cfg")
    call_command("cmdb_import", str(tmp_path / "rels.csv"), "--as", "cfg", "--relationships")
    out = capsys.readouterr().out
    assert "created 0, updated 0, unchanged 7" in out and "created 0, updated 0, unchanged 1" in out
    assert _counts() == before
