"""A form that failed to submit says what is wrong above its fields (WCAG 3.3.1, 3.3.3):
one summary, announced (role=alert) and focusable, a link to each field in error, and the
fields marked invalid and described by their message. Shared by every form page."""

import re

import pytest
from django.urls import reverse

from steward.core.models import BusinessCalendar
from steward.core.tests.factories import staff_fixture

pytestmark = pytest.mark.django_db

sla_admin = staff_fixture("sla_admin", "service_level_administrator", "sla")


def test_failed_submit_shows_a_summary_linking_to_each_field(client, sla_admin):
    client.force_login(sla_admin)

    response = client.post(
        reverse("core:calendar-create"), {"name": "", "time_zone": "Mars/Olympus_Mons"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert not BusinessCalendar.objects.exists()
    summary = re.search(r'<div class="error-summary[^>]*>(.*?)</div>', page, re.S)
    assert summary, "no error summary on the page"
    opening = summary.group(0)[: summary.group(0).index(">")]
    assert 'role="alert"' in opening and 'tabindex="-1"' in opening
    assert "data-error-summary" in opening
    links = re.findall(r'<a href="#(id_\w+)">([^<]*)</a>', summary.group(1))
    assert [target for target, _ in links] == ["id_name", "id_time_zone"]
    assert links[0][1].startswith("Name: ")
    # Each field in error is marked and points at its message, which has that id.
    name_input = re.search(r"<input[^>]*id=\"id_name\"[^>]*>", page).group(0)
    assert 'aria-invalid="true"' in name_input
    assert "id_name_error" in re.search(r'aria-describedby="([^"]*)"', name_input).group(1)
    assert page.count('id="id_name_error"') == 1


def test_a_valid_page_has_no_summary(client, sla_admin):
    client.force_login(sla_admin)

    page = client.get(reverse("core:calendar-create")).content.decode()

    assert "error-summary" not in page
    assert 'aria-invalid="true"' not in page
