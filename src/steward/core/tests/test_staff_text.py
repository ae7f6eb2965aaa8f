"""Issue 10, item 2: staff text never reaches customer-side people.

Every free-text field of a write on a record customer-side people can see declares who
reads it (``steward.core.fields``: ``INTERNAL``, ``REQUESTER``, ...). Here each field whose
text may be internal is written by staff with a unique marker (one scenario per field; a
field added later without a scenario fails ``test_every_internal_text_has_a_scenario``),
and then the requester and the customer representative read everything they can: every
API list and what it links to, every page (and its CSV export), the global search and the
solution suggestions, their in-app notifications and the emails sent (the weekly report
too). No internal marker may appear; what the procedure addresses to the requester (the
resolution, the question when waiting on them, a public reply, why a request was
cancelled) must.
"""

import re
from collections.abc import Callable
from itertools import count
from typing import Any

from django.core import mail
from django.urls import NoReverseMatch, reverse

from steward.core import permissions
from steward.core.testing.urls import url_patterns
from steward.core.tests.api import field_errors
from steward.core.tests.factories import make_person
from steward.core.tests.field_rules import schema_operations
from steward.core.tests.field_rules_world import World, world_fixture
from steward.core.tests.test_field_rules_pages import PAGE_RECORDS, PAGES

# API resources and pages a customer-side person may read something of; anything else is
# refused to them (checked below), so nothing written there can reach them.
CUSTOMER_RESOURCES = {
    "incidents", "solutions", "catalog-items", "services", "agreements", "organisations",
    "customers", "people", "outages", "service-level-targets", "notifications",
    "attachments", "tokens",
}  # fmt: skip
CUSTOMER_PAGE_PREFIXES = (
    "incident", "portal", "solution", "service", "agreement", "review", "violation",
    "customer", "organisation", "person", "catalog", "notification",
)  # fmt: skip
_marks = count(1)


def _marker() -> str:
    return f"zqxmark{next(_marks):04d}"


def may_be_internal(audience: str) -> bool:
    return "internal" in audience.lower()


# --- Writing staff text, one scenario per declared field ---------------------------------------


class Staff:
    """Staff writing through the API as the service desk analyst or the administrator."""

    def __init__(self, api: Any, world: World) -> None:
        self.api, self.world = api, world
        self.analyst, self.admin = world.actors["analyst"], world.actors["administrator"]

    def post(self, actor: Any, path: str, body: dict, expect: int = 200) -> dict:
        response = self.api.as_(actor).post(path, body, format="json")
        assert response.status_code == expect, (path, response.status_code, response.content)
        return response.json()

    def incident(self, *, grouped: bool = True) -> int:
        body: dict[str, Any] = {
            "requester": self.world.actors["requester"].pk,
            "title": "Printer jam",
            "service": self.world.record("service").pk,
        }
        if grouped:
            body["support_group"] = self.world.record("group").pk
        return self.post(self.analyst, "/api/v1/incidents/", body, 201)["id"]

    def step(self, pk: int, verb: str, body: dict, actor: Any = None) -> dict:
        return self.post(actor or self.analyst, f"/api/v1/incidents/{pk}/{verb}/", body)

    def page(self, client: Any, url: str, body: dict) -> None:
        client.force_login(self.admin)
        response = client.post(url, body)
        assert response.status_code == 302, (url, response.status_code)


def _assign(s: Staff, mark: Callable[[], str]) -> list[str]:
    # Reassigned while in progress: the reason goes with the status change.
    m = mark()
    pk = s.incident()
    s.step(pk, "take", {})
    s.step(pk, "assign", {"assignee": s.world.actors["specialist"].pk, "reason": m})
    return [m]


def _send_back(s: Staff, mark: Callable[[], str]) -> list[str]:
    m = mark()
    s.step(s.incident(), "send-back", {"reason": "wrong_group", "note": m}, s.admin)
    return [m]


def _pending_on_a_supplier(s: Staff, mark: Callable[[], str]) -> list[str]:
    m = mark()
    s.step(s.incident(), "pending", {"reason": "awaiting_supplier", "note": m})
    return [m]


def _step_notes(s: Staff, mark: Callable[[], str]) -> list[str]:
    resumed, escalated, informed = mark(), mark(), mark()
    pk = s.incident()
    s.step(pk, "pending", {"reason": "awaiting_supplier"})
    s.step(pk, "resume", {"note": resumed})
    s.step(pk, "escalate", {"note": escalated})
    make_person("problem_coordinator", username="fr-problems")
    s.step(pk, "inform-problem-coordinator", {"note": informed})
    return [resumed, escalated, informed]


def _escalation_decision(s: Staff, mark: Callable[[], str]) -> list[str]:
    m = mark()
    pk = s.incident()
    s.step(pk, "escalate", {})
    s.step(pk, "handle-escalation", {"decision": "back_to_specialists", "note": m}, s.admin)
    return [m]


def _resolution_override(s: Staff, mark: Callable[[], str]) -> list[str]:
    # Needs Change Management, resolved without a change: the reason is a work note.
    m = mark()
    pk = s.incident()
    s.step(pk, "take", {})
    make_person("on_duty_manager", username="fr-onduty")  # E-mail's escalation goes there
    s.step(pk, "assess-change", {"causes_service_unavailability": False,
                                 "changes_service_functionality": True,
                                 "requires_cmdb_update": False})  # fmt: skip
    s.step(pk, "resolve", {"resolution": "Fixed.", "resolution_code": "solved",
                           "override_reason": m})  # fmt: skip
    return [m]


def _action(s: Staff, mark: Callable[[], str]) -> list[str]:
    title, description, result = mark(), mark(), mark()
    pk = s.incident()
    s.post(s.analyst, f"/api/v1/incidents/{pk}/actions/",
           {"title": title, "description": description}, 201)  # fmt: skip
    s.post(s.analyst, f"/api/v1/incidents/{pk}/actions/1/complete/", {"result": result})
    return [title, description, result]


def _bulk_reason(s: Staff, mark: Callable[[], str]) -> list[str]:
    m = mark()
    pk = s.incident()
    version = s.api.as_(s.analyst).get(f"/api/v1/incidents/{pk}/").json()["lock_version"]
    answer = s.post(s.analyst, "/api/v1/incidents/bulk/",
                    {"items": [{"id": pk, "lock_version": version}], "action": "assign",
                     "assignee": s.world.actors["specialist"].pk, "reason": m})  # fmt: skip
    assert answer["updated"] == 1, answer
    return [m]


def _merge_note(s: Staff, mark: Callable[[], str]) -> list[str]:
    m = mark()
    duplicate, target = s.incident(), s.incident()
    s.post(s.analyst, f"/api/v1/incidents/{duplicate}/merge/", {"into": target, "note": m})
    return [m]


def _work_note_reply(s: Staff, mark: Callable[[], str]) -> list[str]:
    m = mark()
    s.post(s.analyst, f"/api/v1/incidents/{s.incident()}/reply/", {"body": m, "public": False},
           201)  # fmt: skip
    return [m]


def _solution_notes(s: Staff, mark: Callable[[], str]) -> list[str]:
    activated, retired, reactivated, rejected = mark(), mark(), mark(), mark()
    pk = s.world.record("solution").pk
    s.post(s.admin, f"/api/v1/solutions/{pk}/activate/", {"note": activated})
    s.post(s.admin, f"/api/v1/solutions/{pk}/retire/", {"note": retired})
    s.post(s.admin, f"/api/v1/solutions/{pk}/reactivate/", {"note": reactivated})
    other = s.post(s.world.actors["specialist"], "/api/v1/solutions/",
                   {"title": "Restart", "body": "Restart it.",
                    "support_group": s.world.record("group").pk}, 201)["id"]  # fmt: skip
    s.post(s.admin, f"/api/v1/solutions/{other}/reject/", {"note": rejected})
    return [activated, retired, reactivated, rejected]


def _catalog(s: Staff, mark: Callable[[], str]) -> list[str]:
    comment, discontinued, failed = mark(), mark(), mark()
    item = s.world.record("catalog_item").pk
    finance = make_person("financial_manager", username="fr-finance")
    path = f"/api/v1/catalog-items/{item}"
    s.post(s.admin, f"{path}/submit/", {})
    s.post(s.admin, f"{path}/decide/", {"decision": "adjust", "comment": comment})
    s.post(s.admin, f"{path}/submit/", {})
    for approver in (s.admin, finance):
        s.post(approver, f"{path}/decide/", {"decision": "approved"})
    s.post(s.admin, f"{path}/publish/", {})  # customers see it now
    s.post(s.admin, f"{path}/discontinue/", {"reason": discontinued})
    other = s.post(s.admin, "/api/v1/catalog-items/",
                   {"service": s.world.record("service").pk, "name": "Archive"}, 201)["id"]  # fmt: skip
    s.post(s.admin, f"/api/v1/catalog-items/{other}/fail/", {"reason": failed})
    return [comment, discontinued, failed]


def _service_status(s: Staff, mark: Callable[[], str]) -> list[str]:
    m = mark()
    s.post(s.admin, f"/api/v1/services/{s.world.record('service').pk}/set-status/",
           {"status": "active", "reason": m})  # fmt: skip
    return [m]


def _organisation_notes(s: Staff, mark: Callable[[], str]) -> list[str]:
    on_org, on_customer = mark(), mark()
    acme = s.world.record("organisation").pk
    response = s.api.as_(s.admin).patch(f"/api/v1/organisations/{acme}/", {"notes": on_org},
                                        format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    response = s.api.as_(s.admin).patch(f"/api/v1/customers/{acme}/",
                                        {"notes": f"{on_org} {on_customer}"}, format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    return [on_org, on_customer]


# Page-only: the work notes of record pages (pages without public replies).
WORK_NOTE_PAGES = ("service_level:service-detail", "service_level:agreement-detail",
                   "service_level:review-detail", "core:organisation-detail")  # fmt: skip


def _work_notes(s: Staff, mark: Callable[[], str], client: Any) -> list[str]:
    marks = []
    for name in WORK_NOTE_PAGES:
        kind = next(k for prefix, k in PAGE_RECORDS if name.split(":")[1].startswith(prefix))
        marks.append(mark())
        s.page(client, reverse(name, args=[s.world.record(kind).pk]), {"body": marks[-1]})
    return marks


# (declaration label, field) -> scenario writing that text as staff.
INTERNAL_SCENARIOS: dict[tuple[str, str], Callable] = {
    ("incident assignment", "reason"): _assign,
    ("incident bulk change", "reason"): _bulk_reason,
    ("incident merge", "note"): _merge_note,
    ("incident send-back", "note"): _send_back,
    ("incident pending", "note"): _pending_on_a_supplier,
    ("incident step note", "note"): _step_notes,
    ("escalation decision", "note"): _escalation_decision,
    ("incident resolution", "override_reason"): _resolution_override,
    ("incident action", "title"): _action,
    ("incident action", "description"): _action,
    ("incident action completion", "result"): _action,
    ("incident reply", "body"): _work_note_reply,
    ("solution decision", "note"): _solution_notes,
    ("solution note", "note"): _solution_notes,
    ("catalog decision", "comment"): _catalog,
    ("catalog item failure", "reason"): _catalog,
    ("catalog item discontinuation", "reason"): _catalog,
    ("service status", "reason"): _service_status,
    ("organisation", "notes"): _organisation_notes,
    ("customer", "notes"): _organisation_notes,
    ("work note", "body"): _work_notes,
}


def _internal_fields() -> set[tuple[str, str]]:
    """(label, field) of every text that may be internal, written on something a
    customer-side person can see (through the API or a page)."""
    found = set()
    for _, path, serializer in schema_operations():
        if serializer is None or path.split("/")[3] not in CUSTOMER_RESOURCES:
            continue
        for name, rule in serializer.inputs.rules.items():
            if may_be_internal(rule.audience):
                found.add((serializer.inputs.label, name))
    for name, _, form_class in PAGES:
        if not name.split(":")[-1].startswith(CUSTOMER_PAGE_PREFIXES):
            continue
        for field, rule in form_class.inputs.rules.items():
            if may_be_internal(rule.audience):
                found.add((form_class.inputs.label, field))
    return found


def test_every_internal_text_has_a_scenario():
    missing = sorted(_internal_fields() - set(INTERNAL_SCENARIOS))
    assert not missing, f"write a scenario planting a marker in {missing}"


# --- Reading as a customer-side person -------------------------------------------------------


API_GETS = schema_operations(("get",))


def _api_view(api: Any, person: Any) -> tuple[list[str], set[str]]:
    """Every API answer the person gets: each list, and each record it lists with what
    hangs under it (journal, actions, attachments). Also the resources they may read."""
    api.as_(person)
    texts, readable = [], set()
    lists = [p for _, p, _ in API_GETS if "{" not in p]
    details = [p for _, p, _ in API_GETS if p.count("{") == 1 and p.count("{id}") == 1]
    for path in lists:
        response = api.get(path, {"page_size": 500})
        if response.status_code == 400 and "page_size" in field_errors(response):
            response = api.get(path)  # a list without pages: all of it at once
        if response.status_code != 200:
            continue
        texts.append(response.content.decode())
        body = response.json()
        rows = body.get("results", body) if isinstance(body, dict) else body
        ids = (
            [r["id"] for r in rows if isinstance(r, dict) and "id" in r]
            if isinstance(rows, list)
            else []
        )
        if ids:
            readable.add(path.split("/")[3])
        for detail in (d for d in details if d.startswith(path)):
            for pk in ids:
                answer = api.get(detail.replace("{id}", str(pk)))
                if answer.status_code == 200:
                    texts.append(answer.content.decode())
    return texts, readable


def _page_urls(world: World) -> list[tuple[str, Any]]:
    """(name, pattern) of the pages that show something (GET), never the admin's."""
    skip = ("admin:", "core:notification-open", "core:attachment-download", "logout")
    return [(n, p) for n, p in url_patterns()
            if not n.startswith(skip) and not getattr(p.callback, "cls", None)
            and "get" in getattr(getattr(p.callback, "view_class", None), "http_method_names", [])]  # fmt: skip


def _page_view(client: Any, person: Any, world: World, markers: list[str]) -> list[str]:
    """Every page the person may open (each record they may see), its CSV export, and the
    searches for each marker."""
    client.force_login(person)
    texts = []

    def read(url: str) -> int:
        response = client.get(url)
        if response.status_code == 200 and hasattr(response, "streaming_content"):
            texts.append(b"".join(response.streaming_content).decode())
        elif response.status_code == 200:
            texts.append(response.content.decode())
        return response.status_code

    for name, pattern in _page_urls(world):
        params = list(pattern.pattern.regex.groupindex)
        if not params:
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            if read(url) == 200:
                read(url + "?format=csv")
            continue
        if params != ["pk"]:
            continue  # sub-records (a violation, a relationship) are shown on their record
        kind = next(
            (k for prefix, k in PAGE_RECORDS if name.split(":")[-1].startswith(prefix)), None
        )
        if kind is None:
            continue
        model = type(world.record(kind))
        for pk in model.objects.values_list("pk", flat=True):
            if read(reverse(name, kwargs={"pk": pk})) == 403:
                break  # the page is not theirs at all
    # The search pages repeat the query: only what they found counts.
    for marker in markers:
        found = client.get(reverse("core:search"), {"q": marker}).context["groups"]
        suggested = client.get(reverse("incidents:solution-suggest"), {"text": marker})
        texts.append(repr(found) + repr(suggested.context["suggestions"]))
    return texts


def _mail_to(person: Any) -> list[str]:
    return [f"{m.subject}\n{m.body}\n{''.join(str(a[0]) for a in getattr(m, 'alternatives', []))}"
            for m in mail.outbox if person.email in m.to]  # fmt: skip


world = world_fixture()


def _requester_scenarios(s: Staff, mark: Callable[[], str]) -> list[str]:
    """What the procedure addresses to the requester: they must read it."""
    resolution, question, reply, cancelled, reopened = (mark() for _ in range(5))
    pk = s.incident()
    s.step(pk, "pending", {"reason": "awaiting_requester", "note": question})
    s.post(s.analyst, f"/api/v1/incidents/{pk}/reply/", {"body": reply}, 201)
    s.step(pk, "resolve", {"resolution": resolution, "resolution_code": "solved"})
    s.step(pk, "reopen", {"reason": reopened}, s.world.actors["requester"])
    s.step(s.incident(), "cancel", {"reason": cancelled})
    return [resolution, question, reply, cancelled, reopened]


def test_staff_text_reaches_no_customer_and_replies_reach_the_requester(
    db, world, api, client, django_capture_on_commit_callbacks, settings
):
    from steward.incidents.models import ReportSubscription
    from steward.incidents.services import reporting

    settings.STEWARD_BEHIND_PROXY = False
    staff = Staff(api, world)
    internal: list[str] = []
    done: set[Callable] = set()
    with django_capture_on_commit_callbacks(execute=True):
        for scenario in INTERNAL_SCENARIOS.values():
            if scenario in done:
                continue
            done.add(scenario)
            extra = (client,) if scenario is _work_notes else ()
            internal += scenario(staff, _marker, *extra)
        public = _requester_scenarios(staff, _marker)
        # Subscribed behind the service's back: the weekly report still goes to staff only.
        for kind in ("representative", "analyst"):
            ReportSubscription.objects.create(person=world.actors[kind])
        reporting.send_weekly_reports()
    assert any(world.actors["analyst"].email in m.to for m in mail.outbox if "report" in m.subject)

    for kind in ("requester", "representative"):
        person = world.actors[kind]
        assert permissions.is_customer_side(person)
        api_texts, readable = _api_view(api, person)
        assert readable <= CUSTOMER_RESOURCES, readable - CUSTOMER_RESOURCES
        seen = "\n".join(
            [*api_texts, *_page_view(client, person, world, internal), *_mail_to(person)]
        )
        leaked = sorted(m for m in internal if m in seen)
        assert not leaked, f"{kind} reads staff text: {leaked}"
        if kind == "requester":
            missing = [m for m in public if m not in seen]
            assert not missing, f"the requester does not get {missing}"
            mailed = "\n".join(_mail_to(person))
            assert all(re.search(m, mailed) for m in public[:4]), "not emailed to the requester"
