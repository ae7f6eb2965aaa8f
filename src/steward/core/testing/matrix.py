"""Generated access and write tests for every record type, declared once per type.

An area lists its record types as ``Case``s in ``<area>/tests/test_matrix.py`` and
subclasses ``MatrixTests``; the same tests then run for each of them (NetBox's
``APIViewTestCases`` idea, as data instead of mixins):

- API list and detail: every actor named in ``sees`` finds the record in the list and
  reads it; every actor in ``hidden`` does not find it and gets 404 (existence does not
  leak); every actor in ``refused`` (no permission to read such records) gets 403. Customer-side actors who see it never get a field named in ``secret_fields``.
- API create (``Create``): 201 (with ``Location`` naming the new record when the answer
  has one), 400 naming the field of a bad payload (the payload with the field named in
  ``blank`` emptied or the one in ``missing`` left out), 403 for the ``denied`` actor; a
  refused create writes nothing.
- API update (``Update``): 200 with the new value, 403 for the ``denied`` actor (nothing
  changed), 412 for an ``If-Match`` of another version on a versioned record.
- API steps (``Step``): the ``allowed`` actor moves the record, the ``denied`` one gets
  403, and the step from a state that does not allow it is 409; refusals change nothing.
- Pages (``Pages``: the URL names' stem, ``<stem>-list``, ``-detail``, ``-create``): the
  list shows the record (by its ``shown_as`` attribute) to ``sees`` and not to ``hidden``,
  the detail page is 200 or 404 (403 for ``refused``: list and detail), and the create
  form (``form``), posted, makes a record.

Writes are the administrator's and refused to the service desk (``analyst``) unless a case
says otherwise, so a case states only who differs.

Payloads are a dict, or a function of the ``World`` when they name records or people.

Actors are named by kind: the shared fixtures (``requester``, ``analyst``, ``admin``,
``no_role``), the customer side around them (``colleague``: another requester of the same
organisation, ``representative`` of it, ``other_requester`` and ``other_representative``
of another customer) and any other word is a role held everywhere, in the provider
organisation (``specialist``, ``configuration_administrator``...). ``World`` makes each
one the first time a test asks for it, so a test costs only the people it uses.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db.models import Model
from django.urls import reverse

from steward.core.models import Organisation, Person
from steward.core.tests.api import field_errors
from steward.core.tests.factories import PersonFactory, make_customer, make_person

CUSTOMER_SIDE = {
    "requester",
    "colleague",
    "representative",
    "other_requester",
    "other_representative",
}
_seq = itertools.count(1)


def unique() -> int:
    """A number no other record of the test run has (names, codes)."""
    return next(_seq)


class World:
    """The actors of one test, made on first use from the shared fixtures."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request
        self._people: dict[str, Person] = {}

    @property
    def provider(self) -> Organisation:
        return self._request.getfixturevalue("provider")

    @property
    def customer_org(self) -> Organisation:
        return self._request.getfixturevalue("customer_org")

    @property
    def other_customer_org(self) -> Organisation:
        return self._request.getfixturevalue("other_customer_org")

    @property
    def admin(self) -> Person:
        return self.actor("admin")

    def actor(self, kind: str) -> Person:
        if kind not in self._people:
            self._people[kind] = self._make(kind)
        return self._people[kind]

    def _make(self, kind: str) -> Person:
        fixtures = {"requester": "requester", "analyst": "analyst", "admin": "admin_person"}
        if kind in fixtures:
            return self._request.getfixturevalue(fixtures[kind])
        if kind == "no_role":
            return self._request.getfixturevalue("no_role_person")
        orgs = {"colleague": "customer_org", "representative": "customer_org"}
        orgs |= {"other_requester": "other_customer_org"}
        orgs |= {"other_representative": "other_customer_org"}
        if kind in orgs:
            org = self._request.getfixturevalue(orgs[kind])
            role = "customer_representative" if kind.endswith("representative") else "requester"
            return make_customer(org, role, username=f"m-{kind}")
        return make_person(kind, organisation=self.provider, username=f"m-{kind}")

    def person(self, org: Organisation | None = None) -> Person:
        """Someone without a role (a contact)."""
        return PersonFactory(organisations=[org or self.customer_org])


Maker = Callable[[World], Model]
Payload = dict[str, Any] | Callable[[World], dict[str, Any]]


def as_admin(make: Callable[[Person], Any]) -> Callable[[World], Any]:
    """A maker (or payload) of the ``World`` from one that takes the acting person: the
    administrator makes it."""
    return lambda world: make(world.admin)


def _body(value: Payload, world: World) -> dict[str, Any]:
    """A fresh copy of a payload, so a test may change it."""
    return dict(value(world) if callable(value) else value)


@dataclass(frozen=True)
class Step:
    """A transition: ``POST <detail>/<verb>/``. By default the administrator takes it and
    the service desk (who sees the record) may not."""

    verb: str
    make: Maker  # a record in a state the step starts from
    allowed: str = "admin"
    denied: str = "analyst"  # an actor who sees the record but may not take the step
    status: str = ""  # the record's status afterwards
    payload: Payload = field(default_factory=dict)
    wrong_state: Maker | None = None  # a record the step does not apply to: 409

    def __str__(self) -> str:
        return self.verb


@dataclass(frozen=True)
class Create:
    """``POST <api>-list``: ``by`` makes a record of ``payload``; ``denied`` (the service
    desk unless said otherwise) is refused, sending ``denied_payload`` (default ``payload``).
    The bad payload is ``payload`` with the field ``blank`` emptied ("" or []) or the field
    ``missing`` left out; the 400 names it."""

    payload: Payload
    blank: str = ""
    missing: str = ""
    by: str = "admin"
    denied: str = "analyst"
    denied_payload: Payload | None = None

    @property
    def bad_field(self) -> str:
        return self.blank or self.missing

    def bad(self, world: World) -> dict[str, Any]:
        body = _body(self.payload, world)
        if self.blank:
            body[self.blank] = type(body[self.blank])()
        else:
            del body[self.missing]
        return body


@dataclass(frozen=True)
class Update:
    """``PATCH <detail>``: ``by`` sets the payload's first field; ``denied`` (the service
    desk unless said otherwise) is refused."""

    payload: Payload
    by: str = "admin"
    denied: str = "analyst"


@dataclass(frozen=True)
class Pages:
    """The pages of ``<stem>-list``, ``-detail`` and ``-create`` (when there is a ``form``)
    and who may open them; they show the record by its ``shown_as`` attribute."""

    stem: str
    sees: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()  # 403 on the list and the detail page
    form: Payload | None = None  # posted to ``<stem>-create`` by ``form_by``
    form_by: str = "admin"
    shown_as: str = "number"

    @property
    def list(self) -> str:
        return f"{self.stem}-list"

    @property
    def detail(self) -> str:
        return f"{self.stem}-detail"

    @property
    def create(self) -> str:
        return f"{self.stem}-create" if self.form else ""

    def shown(self, record: Model) -> str:
        return str(getattr(record, self.shown_as, record))


@dataclass(frozen=True)
class Case:
    """One record type: how to make one and what each kind of actor may do with it."""

    name: str
    model: type[Model]
    make: Maker  # a record belonging to the ``requester``/``customer_org`` where that applies
    api: str = ""  # the router's basename: ``<api>-list``, ``<api>-detail``
    sees: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()  # without the permission to read such records at all: 403
    secret_fields: tuple[str, ...] = ()  # never in what a customer-side actor gets
    create: Create | None = None
    update: Update | None = None
    steps: tuple[Step, ...] = ()
    pages: Pages | None = None

    def __str__(self) -> str:
        return self.name

    @property
    def page_create(self) -> str:
        return self.pages.create if self.pages else ""

    def list_url(self) -> str:
        return reverse(f"{self.api}-list")

    def detail_url(self, record: Model, verb: str = "") -> str:
        url = reverse(f"{self.api}-detail", kwargs={"pk": record.pk})
        return f"{url}{verb}/" if verb else url


# --- Parametrisation ----------------------------------------------------------------------


_STATUS = {True: 200, False: 404, None: 403}
# Tests run once per case that declares the attribute.
_ONCE = {
    "test_api_create": "create",
    "test_api_create_refused": "create",
    "test_api_update": "update",
    "test_api_update_refused": "update",
    "test_page_create": "page_create",
}


def _params(cases: list[Case], name: str) -> Iterator[Any]:
    """The parameter sets of test ``name`` over ``cases``: (case, ...) with readable ids."""
    for case in cases:
        if name in ("test_api_list", "test_api_detail") and case.api:
            yield from _access(case, case.sees, case.hidden, case.refused)
        elif name == "test_api_secret_fields" and case.api and case.secret_fields:
            for kind in (k for k in case.sees if k in CUSTOMER_SIDE):
                yield pytest.param(case, kind, kind, id=f"{case}-{kind}")
        elif name in _ONCE and getattr(case, _ONCE[name]):
            yield pytest.param(case, None, None, id=str(case))
        elif name.startswith("test_api_step"):
            for step in case.steps:
                if name != "test_api_step_wrong_state" or step.wrong_state:
                    yield pytest.param(case, step, None, id=f"{case}-{step}")
        elif name in ("test_page_list", "test_page_detail") and case.pages:
            yield from _access(case, case.pages.sees, case.pages.hidden, case.pages.refused)


def _access(case: Case, sees: tuple, hidden: tuple, refused: tuple) -> Iterator[Any]:
    """(case, actor, True: sees it / False: does not / None: refused altogether)."""
    for kinds, expected in ((sees, True), (hidden, False), (refused, None)):
        for kind in kinds:
            yield pytest.param(case, kind, expected, id=f"{case}-{kind}")


def _state(record: Model) -> Any:
    """What a refused step must leave as it was: the stored version (every field of a
    versioned record), else the status."""
    fresh = type(record)._default_manager.get(pk=record.pk)
    return getattr(fresh, "lock_version", None), getattr(fresh, "status", None)


def _results(response: Any) -> list[dict[str, Any]]:
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def _ids(response: Any) -> set[Any]:
    return {row["id"] for row in _results(response)}


class MatrixTests:
    """Subclass with ``cases = [...]``; pytest generates one test per case and actor."""

    cases: list[Case] = []

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "case" in metafunc.fixturenames:
            params = list(_params(self.cases, metafunc.function.__name__))
            metafunc.parametrize(("case", "arg", "expected"), params or [pytest.param(
                None, None, None, marks=pytest.mark.skip(reason="no case declares it"))])  # fmt: skip

    @pytest.fixture
    def world(self, request: pytest.FixtureRequest, db: None) -> World:
        return World(request)

    # --- API: who sees what ---------------------------------------------------------------

    def test_api_list(self, api, world, case, arg, expected):
        record = case.make(world)
        response = api.as_(world.actor(arg)).get(case.list_url())
        if expected is None:
            assert response.status_code == 403, response.content
            return
        assert response.status_code == 200, response.content
        assert (record.pk in _ids(response)) is expected

    def test_api_detail(self, api, world, case, arg, expected):
        record = case.make(world)
        response = api.as_(world.actor(arg)).get(case.detail_url(record))
        assert response.status_code == _STATUS[expected], response.content
        if expected:
            assert response.json()["id"] == record.pk

    def test_api_secret_fields(self, api, world, case, arg, expected):
        record = case.make(world)
        client = api.as_(world.actor(arg))
        detail = client.get(case.detail_url(record)).json()
        listed = [row for row in _results(client.get(case.list_url())) if row["id"] == record.pk]
        for body in (detail, *listed):
            assert not set(case.secret_fields) & set(body), body

    # --- API: writes ----------------------------------------------------------------------

    def test_api_create(self, api, world, case, arg, expected):
        client = api.as_(world.actor(case.create.by))
        response = client.post(case.list_url(), _body(case.create.payload, world), format="json")
        assert response.status_code == 201, response.content
        created = case.model._default_manager.get(pk=response.json()["id"])
        if "Location" in response:
            assert response["Location"].endswith(case.detail_url(created))
        assert client.get(case.detail_url(created)).status_code == 200

    def test_api_create_refused(self, api, world, case, arg, expected):
        # Everybody and every payload first: making them may add records of the model.
        create = case.create
        creator, denied = world.actor(create.by), create.denied
        bad = create.bad(world) if create.bad_field else None
        if denied:
            denied = world.actor(denied)
            payload = _body(create.denied_payload or create.payload, world)
        before = case.model._default_manager.count()
        if bad is not None:
            response = api.as_(creator).post(case.list_url(), bad, format="json")
            assert response.status_code == 400, response.content
            assert create.bad_field in field_errors(response), response.content
        if denied:
            response = api.as_(denied).post(case.list_url(), payload, format="json")
            assert response.status_code == 403, response.content
        assert case.model._default_manager.count() == before

    def test_api_update(self, api, world, case, arg, expected):
        record = case.make(world)
        payload = _body(case.update.payload, world)
        response = api.as_(world.actor(case.update.by)).patch(
            case.detail_url(record), payload, format="json"
        )
        assert response.status_code == 200, response.content
        name, value = next(iter(payload.items()))
        assert response.json()[name] == value

    def test_api_update_refused(self, api, world, case, arg, expected):
        record = case.make(world)
        payload = _body(case.update.payload, world)
        name = next(iter(payload))
        stored = case.model._default_manager.values_list(name, flat=True).get(pk=record.pk)
        if case.update.denied:
            response = api.as_(world.actor(case.update.denied)).patch(
                case.detail_url(record), payload, format="json"
            )
            assert response.status_code == 403, response.content
        if hasattr(record, "lock_version"):
            response = api.as_(world.actor(case.update.by)).patch(
                case.detail_url(record), payload, format="json", HTTP_IF_MATCH='"999999"'
            )
            assert response.status_code == 412, response.content
        again = case.model._default_manager.values_list(name, flat=True).get(pk=record.pk)
        assert again == stored

    # --- API: steps -----------------------------------------------------------------------

    def _step(self, api, world, case, step, actor, record):
        return api.as_(world.actor(actor)).post(
            case.detail_url(record, step.verb), _body(step.payload, world), format="json"
        )

    def test_api_step(self, api, world, case, arg, expected):
        record = arg.make(world)
        response = self._step(api, world, case, arg, arg.allowed, record)
        assert response.status_code == 200, response.content
        if arg.status:
            record.refresh_from_db()
            assert record.status == arg.status

    def _refused_step(self, api, world, case, step, actor, record, status):
        before = _state(record)
        response = self._step(api, world, case, step, actor, record)
        assert response.status_code == status, response.content
        assert _state(record) == before

    def test_api_step_denied(self, api, world, case, arg, expected):
        self._refused_step(api, world, case, arg, arg.denied, arg.make(world), 403)

    def test_api_step_wrong_state(self, api, world, case, arg, expected):
        self._refused_step(api, world, case, arg, arg.allowed, arg.wrong_state(world), 409)

    # --- Pages ----------------------------------------------------------------------------

    def _page(self, client, world, case, actor, url_name, pk=None):
        record = case.make(world)
        client.force_login(world.actor(actor))
        kwargs = {"pk": record.pk} if pk else {}
        # follow: customer-side people are sent on to their own pages (the portal).
        response = client.get(reverse(url_name, kwargs=kwargs), follow=True)
        return case.pages.shown(record), response

    def test_page_list(self, client, world, case, arg, expected):
        shown, response = self._page(client, world, case, arg, case.pages.list)
        assert response.status_code == (403 if expected is None else 200)
        if expected is not None:
            assert (shown in response.content.decode()) is expected

    def test_page_detail(self, client, world, case, arg, expected):
        shown, response = self._page(client, world, case, arg, case.pages.detail, pk=True)
        assert response.status_code == _STATUS[expected]
        if expected:
            assert shown in response.content.decode()

    def test_page_create(self, client, world, case, arg, expected):
        client.force_login(world.actor(case.pages.form_by))
        form = _body(case.pages.form, world)
        before = case.model._default_manager.count()
        response = client.post(reverse(case.pages.create), form)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert case.model._default_manager.count() == before + 1
