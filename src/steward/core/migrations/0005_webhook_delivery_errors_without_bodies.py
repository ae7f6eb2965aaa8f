"""Delivery errors written before core.outbound held up to 500 bytes of the receiver's
error page ("HTTP 500 Internal Server Error. <html>..."); keep only the status line."""

from http import HTTPStatus

from django.db import migrations


def _status_text(code: int) -> str:
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def forwards(apps, schema_editor):
    WebhookDelivery = apps.get_model("core", "WebhookDelivery")
    rows = (
        WebhookDelivery.objects.filter(last_status_code__isnull=False, last_error__startswith="HTTP ")
        .exclude(last_error="")
        .values_list("pk", "last_status_code", "last_error")
    )
    for pk, code, error in rows.iterator():
        text = _status_text(code)
        if error != text:
            WebhookDelivery.objects.filter(pk=pk).update(last_error=text)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_security_event")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
