"""Issue 13: every bar of the incident reports and every aging cell links to the request
list holding exactly the requests it counts (closed ones included where the report counts
them), and writes its value as text."""

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from steward.configuration.models import CIClass, ConfigurationItem
from steward.core import numbering
from steward.incidents.models import Category, IncidentRequest
from steward.incidents.tests.test_reports import MONDAY, WEEK, incident, world  # noqa: F401
from steward.service_level.models import Service

pytestmark = pytest.mark.django_db

# <a href="URL" aria-label="LABEL: N"> around each bar (core/partials/*_chart.html)
BAR = re.compile(r'<a href="([^"]+)" aria-label="([^"]*): ([\d.]+)">')
CELL = re.compile(r'<a href="([^"]+)" title="Open requests: ([^"]+)">(\d+)</a>')


def listed(client, url: str) -> list[str]:
    """The numbers of the requests the list page shows at ``url`` (one page is enough)."""
    url = unescape(url)
    response = client.get(url + ("&" if "?" in url else "?") + "per_page=100")
    assert response.status_code == 200
    assert not response.context["filter_errors"], response.context["filter_errors"]
    return sorted(row["obj"].number for row in response.context["rows"])


@pytest.fixture
def week_of_requests(world):  # noqa: F811
    service = Service(name="E-mail", status="active", provider=world["provider"])
    numbering.assign(service)
    service.save()
    category = Category.objects.create(name="Mailbox")
    server = CIClass.objects.create(name="Server", code="server", category="hardware")
    ci = ConfigurationItem(name="mail01", ci_class=server)
    numbering.assign(ci)
    ci.save()
    day = dt.timedelta(days=1)
    made = [
        incident(world, created=MONDAY + day * 0.4, priority="1", service=service),
        incident(world, created=MONDAY + day * 0.99, priority="2", category=category,
                 status="closed"),
        incident(world, created=MONDAY + day, priority="2", service=service,
                 resolved=MONDAY + 2 * day),
        incident(world, created=MONDAY + day * 6.9, priority="4", category=category,
                 status="cancelled"),
    ]  # fmt: skip
    made[0].cis.add(ci)
    made[1].cis.add(ci)
    # Just outside the week on either side: in no bar.
    incident(world, created=MONDAY - dt.timedelta(seconds=1), priority="1", service=service)
    incident(world, created=WEEK.end, priority="2", category=category)
    return made


def test_each_weekly_bar_links_to_exactly_the_requests_it_counts(client, world, week_of_requests):  # noqa: F811
    client.force_login(world["manager"])
    page = client.get(reverse("incidents:reports"), {"week": "2026-11-04"}).content.decode()
    bars = BAR.findall(page)
    by_label = {label: int(float(n)) for _, label, n in bars}
    assert by_label["E-mail"] == 2 and by_label["Mailbox"] == 2 and by_label["mail01"] == 2
    assert by_label["Mon 02"] == 2 and by_label["Tue 03"] == 1 and by_label["Sun 08"] == 1
    assert len(bars) >= 3 + 4 + 3  # frequency bars, the priorities with requests, the days
    for url, label, n in bars:
        assert len(listed(client, url)) == int(float(n)), (label, unescape(url))
    # Closed and cancelled requests registered that week are in the list, as counted.
    mailbox = next(url for url, label, _ in bars if label == "Mailbox")
    numbers = {i.number for i in week_of_requests}
    assert set(listed(client, mailbox)) <= numbers


def test_bar_values_are_written_as_text(client, world, week_of_requests):  # noqa: F811
    client.force_login(world["manager"])
    page = client.get(reverse("incidents:reports"), {"week": "2026-11-04"}).content.decode()
    assert re.search(r'<text class="bar-value"[^>]*>2</text>', page)  # a column's value


def test_each_aging_cell_links_to_exactly_the_open_requests_it_counts(client, world):  # noqa: F811
    now = timezone.now()
    ages = [dt.timedelta(hours=2), dt.timedelta(days=1, minutes=1), dt.timedelta(days=2),
            dt.timedelta(days=5), dt.timedelta(days=29), dt.timedelta(days=31)]  # fmt: skip
    for n, age in enumerate(ages):
        incident(world, created=now - age, priority="2" if n % 2 else "3")
    incident(world, created=now - dt.timedelta(days=4), group=world["network"])
    lost = incident(world, created=now - dt.timedelta(days=4), status="new")
    IncidentRequest.objects.filter(pk=lost.pk).update(support_group=None)
    incident(world, created=now - dt.timedelta(days=4), resolved=now)  # not open: no cell
    client.force_login(world["manager"])
    page = client.get(reverse("incidents:report-aging")).content.decode()
    cells = CELL.findall(page)
    assert sum(int(n) for *_, n in cells) == 8
    assert any(what.startswith("(no group)") for _, what, _ in cells)
    for url, what, n in cells:
        assert len(listed(client, url)) == int(n), (what, unescape(url))
    for url, label, n in BAR.findall(page):  # the chart's columns: every group together
        assert len(listed(client, url)) == int(float(n)), label


def test_the_queue_still_lists_only_open_requests_unless_asked(client, world):  # noqa: F811
    closed = incident(world, created=timezone.now(), status="closed")
    client.force_login(world["manager"])
    url = reverse("incidents:incident-list")
    assert closed.number not in listed(client, url)
    assert closed.number in listed(client, url + "?open=all")
