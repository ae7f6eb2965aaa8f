# Journal entries say who may read them (issue 10, item 2).
#
# Existing rows: creations, public replies and attachments stay public; work notes, field
# changes and system lines stay internal. A status change without a reason stays public.
# A status change *with* a reason was shown to customers although the reason was often
# staff text (an assignment reason, a coordinator's send-back note, a resume note): such
# rows become internal (customers no longer see that line), except where the procedure
# addressed the text to the requester anyway (incident requests resolved, set pending,
# closed or cancelled: the resolution, the pending reason's label, Steward's closing line
# and the cancellation reason were also sent to the requester by email).

from django.db import migrations, models

PUBLIC_KINDS = ("created", "public_reply", "attachment")
INCIDENT_PUBLIC_REASONS = ("resolved", "pending", "closed", "cancelled")


def mark_public(apps, schema_editor):
    JournalEntry = apps.get_model("core", "JournalEntry")
    JournalEntry.objects.filter(kind__in=PUBLIC_KINDS).update(public=True)
    JournalEntry.objects.filter(kind="transition", body="").update(public=True)
    JournalEntry.objects.filter(
        kind="transition",
        record_type__app_label="incidents",
        record_type__model="incidentrequest",
        new_value__in=INCIDENT_PUBLIC_REASONS,
    ).update(public=True)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0007_lock_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="journalentry",
            name="public",
            field=models.BooleanField(
                default=False,
                help_text="Customer-side people (the requester, the customer's representatives) "
                "may read it; decided when it is written, by the service that writes it.",
            ),
        ),
        migrations.RunPython(mark_public, migrations.RunPython.noop),
    ]
