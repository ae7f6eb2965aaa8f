"""The change calendar (issue 14): a GiST index on each change's window as a range, so
the calendar and the conflict check find the changes overlapping a range by index
(``queries/calendar.py: _WindowOverlaps``). A plain (planned_start, planned_end) B-tree
serves only one side of the overlap condition: a month late in the schedule read every
change starting before its end. PostgreSQL only; SQLite keeps the B-tree indexes."""

from django.db import migrations

INDEX = "change_window_range_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON changes_change USING gist "
        "(tstzrange(planned_start, GREATEST(planned_start, planned_end))) "
        "WHERE planned_start IS NOT NULL AND planned_end IS NOT NULL"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("changes", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
