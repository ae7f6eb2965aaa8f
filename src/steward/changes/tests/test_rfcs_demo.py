"""The demo's requests for change, templates and policies: a request in each state of the
review, from several sources, and their pages render without inline code."""

from django.urls import reverse

from steward.changes.models import ChangePolicy, ChangeTemplate, RequestForChange
from steward.core.models import Person
from steward.core.tests.test_csp import inline_code


def test_the_demo_has_requests_in_every_state_and_their_pages_render(client, demo):
    rfcs = RequestForChange.objects.all()
    assert set(rfcs.values_list("status", flat=True)) >= {
        "submitted", "registered", "linked", "rejected", "to_release",
    }  # fmt: skip
    assert set(rfcs.values_list("source", flat=True)) >= {"known_error", "release", "continuity"}
    assert set(rfcs.values_list("rejection", flat=True)) >= {"policy", "not_needed"}
    assert ChangeTemplate.objects.filter(change_type="standard").count() == 2
    assert ChangePolicy.objects.filter(name__contains="DBA").exists()
    client.force_login(Person.objects.get(username="max.manager"))
    urls = [
        reverse("changes:rfc-list"), reverse("changes:rfc-list") + "?show=all",
        reverse("changes:rfc-create"), reverse("changes:change-template-list"),
        reverse("changes:task-template-list"), reverse("changes:change-policy-list"),
        reverse("changes:change-template-create"),
        reverse("changes:change-template-edit", args=[ChangeTemplate.objects.first().pk]),
        *[r.get_absolute_url() for r in rfcs],
    ]  # fmt: skip
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        assert not inline_code(page.content.decode()), url
