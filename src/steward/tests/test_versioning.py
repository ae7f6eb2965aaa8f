"""Optimistic concurrency, from the outside, for every editable record type.

The matrix comes from ``editable_records``; the enumeration tests below make sure every
PATCH endpoint, every edit page and every edit service of the project is in it, so a
record type added later is covered without anyone remembering to add it.
"""

import inspect
import pkgutil
import re
from html.parser import HTMLParser
from importlib import import_module
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from steward.core import versioning
from steward.core.api.base import WRITE_METHODS
from steward.core.api.urls import router
from steward.core.choices import JournalKind
from steward.core.errors import StaleVersion
from steward.core.models import JournalEntry, Person, VersionedModel
from steward.core.services import directory
from steward.core.testing.urls import url_patterns
from steward.core.tests.factories import make_person
from steward.core.views.patterns import ServiceFormView
from steward.tests import editable_records as er

# Detail writes on records that are logs or grants, not editable records.
NOT_EDITABLE = {
    "roleassignment": "granted and revoked (deleted), never edited",
    "apitoken": "created and revoked, never edited",
    "webhook-delivery": "a delivery log line; redelivering makes a new one",
    "change-approval": "an approver's answer, given once under the change's row lock (a second "
    "answer is refused with 409); the change carries the version",
    "problem-candidate": "decided once (registered or dismissed) under its row lock, a second "
    "decision is refused with 409; the candidate job rewrites only open candidates",
    # --- reviews (Event Management)
    "outage-review": "the {id} is the incident request the finding is about, which it does "
    "not change; recorded under the request's row lock, recording again replaces the finding "
    "and the request's journal keeps each one",
}


# --- People and helpers -------------------------------------------------------------------------


def _superuser(provider: Any, first_name: str, last_name: str) -> Person:
    return make_person(
        "system_administrator",
        organisation=provider,
        username=first_name.lower(),
        first_name=first_name,
        last_name=last_name,
        is_superuser=True,
    )


@pytest.fixture
def dana(db, provider) -> Person:
    return _superuser(provider, "Dana", "Desk")


@pytest.fixture
def robin(db, provider) -> Person:
    return _superuser(provider, "Robin", "Ross")


class _Forms(HTMLParser):
    """The fields of each form of a page, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, list[str]]] = []
        self._select: tuple[str, bool, list[str], list[str]] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({})
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            form.setdefault(name, []).append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = (name, "multiple" in a, [], [])
        elif tag == "option" and self._select is not None:
            self._select[3].append(a.get("value", ""))
            if "selected" in a:
                self._select[2].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            name, multiple, chosen, options = self._select
            if not chosen and not multiple and options:
                chosen = options[:1]
            self.forms[-1][name] = chosen
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.forms[-1][self._textarea] = [text[1:] if text.startswith("\n") else text]
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)


def _errors(response: Any) -> str:
    """The messages a form page shows, for assertion output."""
    found = re.findall(
        r'class="(?:field-error|form-errors)[^>]*>(.*?)</(?:p|div)>',
        response.content.decode(),
        re.S,
    )
    title = re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.S)
    return (
        f"{response.status_code} {title.group(1).strip() if title else ''}: "
        + " | ".join(re.sub(r"<[^>]+>", " ", m).strip() for m in found)
        + " "
        + " ".join(re.findall(r"<p>(.*?)</p>", response.content.decode())[:3])
    )


def versioned_form(response: Any) -> dict[str, list[str]]:
    parser = _Forms()
    parser.feed(response.content.decode())
    forms = [f for f in parser.forms if versioning.FIELD in f]
    assert len(forms) == 1, f"one form carrying the version, found {len(forms)}"
    return forms[0]


def conflict_lines(record: Any, actor: Person) -> int:
    return JournalEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(record, for_concrete_model=True),
        record_id=record.pk,
        kind=JournalKind.CONFLICT,
        actor=actor,
    ).count()


def fresh(record: Any) -> Any:
    return type(record)._default_manager.get(pk=record.pk)


def _prefix(basename: str) -> str:
    return next(prefix for prefix, _, name in router.registry if name == basename)


# --- The API matrix ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("entry", er.API_ENTRIES, ids=[e.name for e in er.API_ENTRIES])
def test_api_patch_from_a_stale_etag_is_refused_with_412_and_changes_nothing(
    api, dana, robin, entry
):
    record = entry.make(dana)
    url = f"/api/v1/{_prefix(entry.api)}/{record.pk}/"
    key = next(iter(entry.patch("x")))
    read = api.as_(dana).get(url)
    assert read.status_code == 200
    etag = read["ETag"]
    assert etag == f'"{read.json()["lock_version"]}"'

    # Robin saves first (no If-Match: clients that send none work as before).
    robin_answer = api.as_(robin).patch(url, entry.patch("Robin's words"), format="json")
    assert robin_answer.status_code == 200, robin_answer.content
    assert robin_answer["ETag"] == f'"{robin_answer.json()["lock_version"]}"' != etag

    # Dana saves from the version she read: refused, nothing written, the attempt journalled.
    refused = api.as_(dana).patch(
        url, entry.patch("Dana's words"), format="json", HTTP_IF_MATCH=etag
    )
    assert refused.status_code == 412, refused.content
    assert refused.json()["lock_version"] == robin_answer.json()["lock_version"]
    assert getattr(fresh(record), key) == "Robin's words"
    assert fresh(record).lock_version == robin_answer.json()["lock_version"]
    assert conflict_lines(record, dana) == 1

    # From the current version it goes through, with a new ETag.
    saved = api.as_(dana).patch(
        url, entry.patch("Dana's words"), format="json", HTTP_IF_MATCH=robin_answer["ETag"]
    )
    assert saved.status_code == 200, saved.content
    assert saved["ETag"] not in (etag, robin_answer["ETag"])
    assert getattr(fresh(record), key) == "Dana's words"
    # "*" accepts any version.
    star = api.as_(dana).patch(url, entry.patch("Any"), format="json", HTTP_IF_MATCH="*")
    assert star.status_code == 200


@pytest.mark.django_db
def test_every_record_behind_a_write_endpoint_is_versioned_and_in_the_matrix():
    """A PATCH, PUT, DELETE or step POST on a record's URL: the record has a version; every
    PATCH endpoint is in the matrix above."""
    patchable = {name for _, viewset, name in router.registry if hasattr(viewset, "partial_update")}
    assert patchable == {e.api for e in er.API_ENTRIES}
    for _, viewset, name in router.registry:
        detail_writes = [a for a in ("update", "partial_update", "destroy") if hasattr(viewset, a)]
        detail_writes += [
            extra.__name__
            for extra in viewset.get_extra_actions()
            if extra.detail and {m.upper() for m in extra.mapping} & WRITE_METHODS
        ]
        if not detail_writes or name in NOT_EDITABLE:
            continue
        model = viewset.queryset.model
        assert issubclass(model, VersionedModel), f"{name}: {model.__name__} ({detail_writes})"
        assert name in {e.api for e in er.RESOURCES}, f"{name}: not in the matrix"


# --- Steps (transitions) through the API ---------------------------------------------------------


def _step_urls(basename: str, pk: int) -> list[tuple[str, str]]:
    viewset = next(v for _, v, name in router.registry if name == basename)
    urls = []
    for extra in viewset.get_extra_actions():
        methods = {m.upper() for m in extra.mapping} & WRITE_METHODS
        if not extra.detail or not methods:
            continue
        kwargs = {"pk": pk, **{g: "1" for g in re.findall(r"\?P<(\w+)>", extra.url_path)}}
        url = reverse(f"{basename}-{extra.url_name}", kwargs=kwargs)
        urls += [(method, url) for method in sorted(methods)]
    if hasattr(viewset, "destroy"):
        urls.append(("DELETE", reverse(f"{basename}-detail", kwargs={"pk": pk})))
    return urls


STEP_ENTRIES = [e for e in er.RESOURCES if _step_urls(e.api, 1)]


@pytest.mark.django_db
@pytest.mark.parametrize("entry", STEP_ENTRIES, ids=[e.name for e in STEP_ENTRIES])
def test_no_step_succeeds_from_a_version_that_is_not_the_current_one(api, dana, entry):
    """Every step endpoint (assign, submit, sign, verify ...) and DELETE of every record,
    sent with an If-Match that does not match: refused (412, or the step's own 4xx), never
    carried out."""
    record = entry.make(dana)
    stale = f'"{record.lock_version + 100}"'
    for method, url in _step_urls(entry.api, record.pk):
        before = fresh(record)
        answer = getattr(api.as_(dana), method.lower())(url, {}, format="json", HTTP_IF_MATCH=stale)
        assert 400 <= answer.status_code < 500, (url, answer.status_code, answer.content)
        after = fresh(record)
        assert after.lock_version == before.lock_version, url
        assert getattr(after, "status", None) == getattr(before, "status", None), url


@pytest.mark.django_db
def test_a_step_moves_the_version_on_so_an_etag_taken_before_it_is_stale(api, dana):
    incident = er.by_name("incident request").make(dana)
    url = f"/api/v1/incidents/{incident.pk}/"
    before = api.as_(dana).get(url)["ETag"]

    took = api.as_(dana).post(f"{url}take/", {}, format="json", HTTP_IF_MATCH=before)
    assert took.status_code == 200, took.content
    assert took["ETag"] != before
    assert fresh(incident).status == "in_progress"

    stale = api.as_(dana).patch(url, {"title": "Late"}, format="json", HTTP_IF_MATCH=before)
    assert stale.status_code == 412
    assert fresh(incident).title != "Late"


# --- The page matrix -----------------------------------------------------------------------------


def _hands_the_version_to_a_service(view: type) -> bool:
    perform = getattr(view, "perform", None)
    if perform is None:
        return False
    source = inspect.getsource(perform)  # update_record() hands it on (ServiceFormView)
    return "expected_version" in source or "update_record(" in source


def test_every_edit_page_is_in_the_matrix():
    """Pages named ``*-edit`` and pages handing the form's version to a service."""
    edit_pages = set()
    for name, pattern in url_patterns():
        view = getattr(pattern.callback, "view_class", None)
        if view is None or not issubclass(view, ServiceFormView):
            continue
        if name.endswith("-edit") or _hands_the_version_to_a_service(view):
            edit_pages.add(name)
    assert edit_pages == {e.page for e in er.PAGE_ENTRIES}


def _values(entry: er.Editable, record: Any) -> tuple[Any, Any]:
    choices = entry.extra.get("choices")
    if choices is None:
        return entry.values
    people = choices(record)
    return [people[0]], [people[1]]


@pytest.mark.django_db
@pytest.mark.parametrize("entry", er.PAGE_ENTRIES, ids=[e.name for e in er.PAGE_ENTRIES])
def test_page_save_from_an_older_version_shows_the_conflict_and_overwrites_nothing(
    dana, robin, entry
):
    record = entry.make(dana)
    versioned = entry.versioned(record)
    url = reverse(entry.page, kwargs=entry.url_kwargs(record))
    mine, theirs = Client(), Client()
    mine.force_login(dana)
    theirs.force_login(robin)
    dana_value, robin_value = _values(entry, record)

    # Both open the form from the same version.
    dana_form = versioned_form(mine.get(url))
    robin_form = versioned_form(theirs.get(url))
    assert dana_form[versioning.FIELD] == [str(fresh(versioned).lock_version)]

    saved = theirs.post(url, {**robin_form, entry.form_field: robin_value})
    assert saved.status_code == 302, _errors(saved)
    expected = robin_value
    assert entry.stored(record) == expected

    refused = mine.post(url, {**dana_form, entry.form_field: dana_value})
    assert refused.status_code == 409, _errors(refused)
    page = refused.content.decode()
    assert "changed by someone else after you opened it" in page
    assert entry.stored(record) == expected  # nothing of Dana's was written
    assert conflict_lines(versioned, dana) == 1
    if versioning.changes_since(fresh(versioned), int(dana_form[versioning.FIELD][0]), actor=dana):
        assert "Robin Ross changed" in page

    # Her entries are kept, on top of the current version: saving again applies them.
    again = versioned_form(refused)
    assert again[versioning.FIELD] == [str(fresh(versioned).lock_version)]
    assert again[entry.form_field] == (dana_value if isinstance(dana_value, list) else [dana_value])
    if entry.reapply:
        applied = mine.post(url, again)
        assert applied.status_code == 302, _errors(applied)
        assert entry.stored(record) == dana_value


@pytest.mark.django_db
def test_a_step_form_opened_before_someone_elses_change_is_refused_and_nothing_happens(
    api, dana, robin
):
    """Forms that move a record on (terminate, discontinue, a requisition step) carry the
    version too: here, terminating a contract someone changed since the form was opened."""
    contract = er.by_name("contract").make(dana)
    url = reverse("configuration:contract-terminate", args=[contract.pk])
    mine = Client()
    mine.force_login(dana)
    form = versioned_form(mine.get(url))
    api.as_(robin).patch(
        f"/api/v1/contracts/{contract.pk}/", {"description": "Renewed for 3 years"}, format="json"
    )

    refused = mine.post(url, {**form, "reason": "Not renewed"})

    assert refused.status_code == 409, _errors(refused)
    page = refused.content.decode()
    assert "Robin Ross changed description from (empty) to Renewed for 3 years" in page
    assert "Contract terminated." not in page
    assert fresh(contract).status == "active"
    assert conflict_lines(contract, dana) == 1
    again = versioned_form(refused)
    assert mine.post(url, again).status_code == 302
    assert fresh(contract).status == "terminated"


# --- Edit services --------------------------------------------------------------------------------


def _service_modules() -> list[Any]:
    found = []
    for area in ("core", "service_level", "configuration", "incidents"):
        package = import_module(f"steward.{area}.services")
        for info in pkgutil.iter_modules(package.__path__):
            found.append(import_module(f"{package.__name__}.{info.name}"))
    return found


def test_every_update_service_takes_the_version_the_caller_started_from():
    updates = [
        f"{module.__name__}.{name}"
        for module in _service_modules()
        for name, fn in vars(module).items()
        if inspect.isfunction(fn) and fn.__module__ == module.__name__ and name.endswith("_update")
    ]
    assert len(updates) >= 15
    missing = [
        name
        for name in updates
        if "expected_version" not in inspect.signature(_function(name)).parameters
    ]
    assert missing == []


def _function(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(import_module(module), name)


@pytest.mark.django_db
def test_a_service_refuses_a_stale_version_and_says_who_changed_what(dana, robin):
    org = er.organisation(dana)
    start = org.lock_version
    directory.organisation_update(
        actor=robin, organisation_id=org.pk, data={"phone": "+31 20 123"}, expected_version=start
    )

    with pytest.raises(StaleVersion) as refused:
        directory.organisation_update(
            actor=dana, organisation_id=org.pk, data={"phone": "+31 20 999"}, expected_version=start
        )

    assert (refused.value.expected, refused.value.current) == (start, start + 1)
    message, changes = versioning.explain(refused.value, actor=dana)
    assert [(c.field, c.old, c.new, c.by) for c in changes] == [
        ("phone", "", "+31 20 123", "Robin Ross")
    ]
    assert "Robin Ross changed phone from (empty) to +31 20 123 at " in message
    assert fresh(org).phone == "+31 20 123"


@pytest.mark.django_db
def test_a_write_through_an_instance_read_before_someone_elses_write_still_moves_on(dana):
    """The database counts: two writes never share a version, whatever the caller held."""
    org = er.organisation(dana)
    early = fresh(org)
    start = early.lock_version
    directory.organisation_update(actor=dana, organisation_id=org.pk, data={"phone": "1"})
    assert fresh(org).lock_version == start + 1

    early.notes = "written from an old copy"
    early.save()

    assert fresh(org).lock_version == start + 2


@pytest.mark.django_db
def test_logging_in_is_not_an_edit_of_the_person(client, dana):
    start = fresh(dana).lock_version
    dana.set_password("another-secret-42")
    dana.save()
    assert fresh(dana).lock_version == start + 1
    # Through the login page, as a person signs in.
    response = client.post("/login/", {"username": "dana", "password": "another-secret-42"})
    assert response.status_code == 302
    assert fresh(dana).lock_version == start + 1


# --- The schema -----------------------------------------------------------------------------------


@pytest.fixture
def schema(client, db) -> dict[str, Any]:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_documents_if_match_412_and_etag_on_every_versioned_write(schema):
    writes = 0
    for entry in er.API_ENTRIES:
        prefix = _prefix(entry.api)
        detail = schema["paths"][f"/api/v1/{prefix}/{{id}}/"]
        assert "ETag" in detail["get"]["responses"]["200"]["headers"], prefix
        for path, operations in schema["paths"].items():
            if not path.startswith(f"/api/v1/{prefix}/{{id}}/"):
                continue
            for method, operation in operations.items():
                if method.upper() not in WRITE_METHODS:
                    continue
                writes += 1
                headers = {
                    p["name"] for p in operation.get("parameters", []) if p["in"] == "header"
                }
                assert "If-Match" in headers, (method, path)
                assert "412" in operation["responses"], (method, path)
                body = operation["responses"]["412"]["content"]["application/json"]["schema"]
                assert body["$ref"].endswith("/PreconditionFailed")
    assert writes > 60
    # Not where it is not honoured: a token is revoked, not edited.
    tokens = schema["paths"]["/api/v1/tokens/{id}/"]["delete"]
    assert "If-Match" not in {p["name"] for p in tokens.get("parameters", [])}
    assert "412" not in tokens["responses"]
