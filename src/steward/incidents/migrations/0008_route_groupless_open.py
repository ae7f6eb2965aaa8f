"""Issue 13: requests resolved at first contact (no group) and reopened by the requester
stayed "Assigned" in no group's queue. Reopening now routes them
(``services.routing.reopen_group``); this gives the ones already in that state the group of
the person who registered (and resolved) them, else the default group
(``STEWARD_INCIDENT_DEFAULT_GROUP``), with a system line in their journal. Requests still
"New" without a group are the desk's to triage and are left alone (the daily review lists
them)."""

from django.conf import settings
from django.db import migrations
from django.utils.html import escape

WORKED = ("assigned", "in_progress", "pending")


def route_groupless(apps, schema_editor):
    IncidentRequest = apps.get_model("incidents", "IncidentRequest")
    SupportGroup = apps.get_model("core", "SupportGroup")
    JournalEntry = apps.get_model("core", "JournalEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    stranded = list(IncidentRequest.objects.filter(status__in=WORKED, support_group__isnull=True))
    if not stranded:
        return
    record_type, _ = ContentType.objects.get_or_create(
        app_label="incidents", model="incidentrequest"
    )
    active = SupportGroup.objects.filter(is_active=True)
    name = getattr(settings, "INCIDENT_DEFAULT_GROUP", "") or ""
    default = active.filter(name=name).first() if name else None
    for incident in stranded:
        creator = (
            JournalEntry.objects.filter(
                record_type=record_type, record_id=incident.pk, kind="created"
            )
            .values_list("actor_id", flat=True)
            .first()
        )
        group = (
            active.filter(memberships__person_id=creator).order_by("name", "pk").first()
            if creator
            else None
        ) or default
        if group is None:
            continue
        IncidentRequest.objects.filter(pk=incident.pk).update(support_group=group)
        JournalEntry.objects.create(
            record_type=record_type,
            record_id=incident.pk,
            kind="system",
            public=False,
            body=f"Routed to {escape(group.name)}: it was open in no group's queue.",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0009_person_name_index"),
        ("incidents", "0007_incidentrequest_incident_updated_idx"),
    ]

    operations = [migrations.RunPython(route_groupless, migrations.RunPython.noop)]
