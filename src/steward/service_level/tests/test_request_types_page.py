"""The request types page of a catalog item (issue 13): service level managers add and
change request types and their questions through the services; others may not."""

import pytest
from django.urls import reverse

from steward.core import numbering
from steward.core.tests.factories import make_person
from steward.service_level.models import CatalogItem, RequestType, Service


@pytest.fixture
def item(db, provider):
    service = Service(name="Workplace", status="active", provider=provider)
    numbering.assign(service)
    service.save()
    item = CatalogItem(service=service, name="Workplace - Standard", status="published")
    numbering.assign(item)
    item.save()
    return item


def _rows(*rows):
    data = {"fields-TOTAL_FORMS": str(len(rows)), "fields-INITIAL_FORMS": "0"}
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"fields-{n}-{key}"] = value
    return data


def test_a_service_level_manager_adds_a_request_type_with_questions(client, item, provider):
    manager = make_person("service_level_manager", organisation=provider, username="lena")
    client.force_login(manager)
    url = reverse("service_level:request-type-create", args=[item.pk])
    assert client.get(url).status_code == 200
    refused = client.post(
        url,
        {"name": "New laptop", "position": "0", "is_active": "on",
         **_rows({"label": "Model", "kind": "choice"})},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "Field 1, options: A choice field needs at least one option." in refused.content.decode()
    response = client.post(
        url,
        {"name": "New laptop", "position": "0", "is_active": "on",
         **_rows({"label": "Model", "kind": "choice", "required": "on", "options": "14 inch\n16 inch"},
                 {"label": "", "kind": "text"})},
    )  # fmt: skip
    assert response.status_code == 302
    request_type = RequestType.objects.get()
    assert [(f.label, f.options, f.required) for f in request_type.fields.all()] == [
        ("Model", ["14 inch", "16 inch"], True)
    ]
    page = client.get(reverse("service_level:request-type-list", args=[item.pk])).content.decode()
    assert "New laptop" in page and "14 inch · 16 inch" in page
    edit = reverse("service_level:request-type-edit", args=[request_type.pk])
    assert "16 inch" in client.get(edit).content.decode()
    read_at = request_type.lock_version
    RequestType.objects.filter(pk=request_type.pk).update(lock_version=read_at + 1)
    stale = client.post(
        edit,
        {"name": "Laptop", "position": "0", "lock_version": str(read_at),
         **_rows({"label": "Model", "kind": "text"})},
    )  # fmt: skip
    assert stale.status_code == 400
    assert "Someone changed this request type meanwhile" in stale.content.decode()


def test_others_may_not_maintain_request_types(client, item, analyst, requester):
    for person in (analyst, requester):
        client.force_login(person)
        url = reverse("service_level:request-type-create", args=[item.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "X", "position": "0", **_rows()}).status_code == 403
    assert not RequestType.objects.exists()
