"""A GIN index on CI attributes (PostgreSQL only), so "class and one attribute value" is
answered from the index (``attributes @> '{"os": "RHEL 9"}'``). SQLite has no GIN; there
the filter reads the JSON of the class's rows."""

from django.db import migrations

INDEX = "configuration_ci_attributes_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON configuration_configurationitem "
            "USING gin (attributes jsonb_path_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("configuration", "0002_suppliers_contracts_purchasing_baselines")]

    operations = [migrations.RunPython(create, drop)]
