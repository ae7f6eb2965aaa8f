"""Search documents for incident requests (issue 12): ``search_public`` (public replies'
text, the used solution's title, symptoms and body) and ``search_notes`` (work notes'
text), filled from the journal; the GIN indexes over the customer and staff documents
(``steward.incidents.search``) replace the title-and-description index of 0002."""

import html

import django.contrib.postgres.search
import steward.incidents.search
from django.conf import settings
from django.db import migrations, models
from django.utils.html import strip_tags

BATCH = 2000
MAX_DOCUMENT = 20_000  # as steward.incidents.search.MAX_DOCUMENT when written
OLD_INDEX = "incidents_incident_fts"
OLD_EXPRESSION = (
    "to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(description, ''))"
)


def _text(body):
    return " ".join(html.unescape(strip_tags(body or "")).split())


def _joined(parts):
    return "\n".join(p for p in parts if p)[:MAX_DOCUMENT]


def backfill(apps, schema_editor):
    """Fill both columns from the journal and the solutions, a batch of requests at a
    time (the journal is read per batch, by record id)."""
    IncidentRequest = apps.get_model("incidents", "IncidentRequest")
    Solution = apps.get_model("incidents", "Solution")
    ContentType = apps.get_model("contenttypes", "ContentType")
    JournalEntry = apps.get_model("core", "JournalEntry")
    kind = ContentType.objects.filter(app_label="incidents", model="incidentrequest").first()
    last = 0
    while True:
        batch = list(
            IncidentRequest.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "solution_id")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1].pk
        ids = [i.pk for i in batch]
        replies, notes = {}, {}
        if kind is not None:
            entries = (
                JournalEntry.objects.filter(
                    record_type=kind,
                    record_id__in=ids,
                    kind__in=("public_reply", "work_note"),
                )
                .order_by("pk")
                .values_list("record_id", "kind", "public", "body")
            )
            for record_id, entry_kind, public, body in entries:
                into = replies if entry_kind == "public_reply" and public else notes
                into.setdefault(record_id, []).append(_text(body))
        solutions = {
            s.pk: s
            for s in Solution.objects.filter(
                pk__in={i.solution_id for i in batch if i.solution_id}
            ).only("title", "symptoms", "body")
        }
        changed = []
        for incident in batch:
            public = list(replies.get(incident.pk, []))
            solution = solutions.get(incident.solution_id)
            if solution is not None:
                public += [solution.title, solution.symptoms, solution.body]
            incident.search_public = _joined(public)
            incident.search_notes = _joined(notes.get(incident.pk, []))
            if incident.search_public or incident.search_notes:
                changed.append(incident)
        IncidentRequest.objects.bulk_update(changed, ["search_public", "search_notes"])


def drop_old_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")


def restore_old_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON incidents_incidentrequest "
            f"USING gin (({OLD_EXPRESSION}))"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('configuration', '0005_lock_version'),
        ('core', '0008_journal_entry_public'),
        ('incidents', '0003_lock_version'),
        ('service_level', '0004_lock_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='incidentrequest',
            name='search_notes',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name='incidentrequest',
            name='search_public',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(drop_old_index, restore_old_index),
        migrations.AddIndex(
            model_name='incidentrequest',
            index=steward.incidents.search.DocumentIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('title', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('description', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), '||', django.contrib.postgres.search.SearchVector('resolution', 'search_public', config='english', weight='C'), django.contrib.postgres.search.SearchConfig('english')), name='incident_search_customer'),
        ),
        migrations.AddIndex(
            model_name='incidentrequest',
            index=steward.incidents.search.DocumentIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('title', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('description', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), '||', django.contrib.postgres.search.SearchVector('resolution', 'search_public', config='english', weight='C'), django.contrib.postgres.search.SearchConfig('english')), '||', django.contrib.postgres.search.SearchVector('search_notes', config='english', weight='D'), django.contrib.postgres.search.SearchConfig('english')), name='incident_search_staff'),
        ),
    ]
