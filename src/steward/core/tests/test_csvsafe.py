"""One CSV helper for every CSV Steward writes (CSV injection, OWASP ASVS 5.0 V1.2.10).

The producers are found by scanning the source, so a new CSV export that bypasses
``core.csvsafe``, or has no end-to-end test feeding it formula text, fails here.
"""

import ast
import csv
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from steward.core import csvsafe
from steward.core.tests.factories import FORMULA_CELLS

SRC = Path(csvsafe.__file__).resolve().parents[1]  # src/steward

LIST_PAGE_TESTS = [
    "core/tests/test_patterns.py::test_csv_export_defuses_spreadsheet_formulas",
    "incidents/tests/test_views_incidents.py::test_incident_list_csv_defuses_formulas",
    "configuration/tests/test_views_cis.py::test_ci_list_csv_defuses_formulas",
    "service_level/tests/test_views.py::test_service_list_csv_defuses_formulas",
]
# Each module that writes CSV, with the tests that feed it formula text from the outside.
PRODUCERS = {
    # every list page's ?format=csv: lists.py asks for it, base.py's stream_csv writes it
    "core/views/patterns/base.py": LIST_PAGE_TESTS,
    "core/views/patterns/lists.py": LIST_PAGE_TESTS,
    "incidents/views/reports.py": [
        "incidents/tests/test_reports.py::test_report_csvs_defuse_formulas",
    ],
    "service_level/views/reviews.py": [
        "service_level/tests/test_reviews.py::test_review_csv_defuses_formulas",
    ],
    "problems/views/kpis.py": ["problems/tests/test_kpis.py::test_kpi_csvs_defuse_formulas"],
    "releases/views/kpis.py": [
        "releases/tests/test_kpis.py::test_release_kpi_csvs_defuse_formulas",
    ],
    "configuration/services/transfer.py": [  # steward cmdb_export --format csv
        "configuration/tests/test_transfer.py::test_cli_csv_export_defuses_formulas_and_reads_back",
    ],
    # --- reviews (Event Management): the event review's and the outage review's tables
    "events/views/reviews.py": [
        "events/tests/test_event_review.py::test_each_table_exports_as_formula_safe_csv",
        "events/tests/test_outage_review.py::test_the_pages_show_the_tables_and_record_a_finding",
    ],
}


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        yield path.relative_to(SRC).as_posix(), path.read_text(encoding="utf-8")


def _csv_writing_calls(source: str) -> tuple[set[str], set[str]]:
    """(direct csv.writer / csv.DictWriter uses, csvsafe writers and stream_csv uses)."""
    direct, safe = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "csv":
            direct |= {a.name for a in node.names if a.name in {"writer", "DictWriter"}}
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "csv" and node.attr in {"writer", "DictWriter"}:
                direct.add(f"csv.{node.attr}")
            if node.value.id == "csvsafe" and node.attr in {"writer", "dict_writer"}:
                safe.add(node.attr)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "stream_csv":
            safe.add("stream_csv")
    return direct, safe


def test_no_module_writes_csv_around_the_helper():
    offenders = {
        name: sorted(direct)
        for name, source in _modules()
        if name != "core/csvsafe.py" and (direct := _csv_writing_calls(source)[0])
    }
    assert offenders == {}, "write CSV with steward.core.csvsafe.writer / dict_writer"


def test_every_csv_producer_has_a_test_feeding_it_formulas():
    producers = {
        name
        for name, source in _modules()
        if name != "core/csvsafe.py"
        and (_csv_writing_calls(source)[1] or "text/csv" in source)
        and name != "core/attachments.py"  # an upload type allowlist, not a producer
    }
    assert producers == set(PRODUCERS), "add the new CSV producer and its test to PRODUCERS"
    for tests in PRODUCERS.values():
        for node_id in tests:
            path, name = node_id.split("::")
            assert f"def {name}(" in (SRC / path).read_text(encoding="utf-8"), node_id


def test_formula_cells_get_one_apostrophe_and_a_spreadsheet_sees_text():
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow([*FORMULA_CELLS, "plain", "", None, -5, 2.5, True])

    [row] = list(csv.reader(io.StringIO(out.getvalue())))

    assert row[: len(FORMULA_CELLS)] == ["'" + cell for cell in FORMULA_CELLS]
    assert row[len(FORMULA_CELLS) :] == ["plain", "", "", "-5", "2.5", "True"]


def test_dict_writer_defuses_values():
    out = io.StringIO()
    writer = csvsafe.dict_writer(out, ["name", "note"])
    writer.writeheader()
    writer.writerow({"name": "=1+1", "note": "'=kept"})

    assert out.getvalue().splitlines() == ["name,note", "'=1+1,''=kept"]


@given(st.text())
def test_unescape_reads_back_what_was_escaped(text):
    escaped = csvsafe.escape(text)

    assert not escaped.startswith(csvsafe.FORMULA_START)
    assert csvsafe.unescape(escaped) == text


def test_unescape_keeps_an_apostrophe_before_ordinary_text():
    assert csvsafe.unescape("'quoted") == "'quoted"
    assert csvsafe.unescape("''=x") == "'=x"


def test_a_carriage_return_inside_a_cell_is_quoted_so_it_cannot_start_a_row():
    out = io.StringIO()
    csvsafe.writer(out, lineterminator="\n").writerow(["ok\r=HYPERLINK(1)", "next"])

    assert out.getvalue() == '"ok\r=HYPERLINK(1)",next\r\n'


def test_a_null_character_first_is_defused_too():
    # Not among FORMULA_CELLS: PostgreSQL stores no NUL in text, so no record can hold it.
    assert csvsafe.escape("\0=1+1") == "'\0=1+1"
