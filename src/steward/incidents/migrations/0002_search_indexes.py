"""Full-text search indexes (PostgreSQL only) for incident requests and solutions.

Functional GIN indexes on exactly the expressions ``steward.incidents.search`` queries
with (Django's ``SearchVector(..., config="english")``), so a search is answered from the
index. SQLite has no such index; there the search reads the rows (see search.py)."""

from django.db import migrations

INDEXES = {
    "incidents_incident_fts": (
        "incidents_incidentrequest",
        "to_tsvector('english'::regconfig, "
        "COALESCE(title, '') || ' ' || COALESCE(description, ''))",
    ),
    "incidents_solution_fts": (
        "incidents_solution",
        "to_tsvector('english'::regconfig, "
        "COALESCE(title, '') || ' ' || COALESCE(symptoms, '') || ' ' || COALESCE(body, ''))",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
