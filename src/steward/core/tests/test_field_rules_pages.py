"""Issue 10, item 1, generated from the pages: every form a page takes by POST (found from
the URL conf: each view names it as ``posted_form``), every field of it, for each kind of
actor (requester, customer representative, analyst, specialist, administrator).

As for the API (``test_field_rules_api``): a field the actor may not set, posted with a
value, is refused (a form error, or an error message on a redirect, and a refusal in the
audit log) or the page refuses the actor as a whole (403/404), and nothing is written; a
field the actor may set is never refused. The declaration also covers what a page does
not show: ``impact`` posted to the portal's form is refused like on the API.
"""

import importlib
import pkgutil
from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import steward
from steward.core.fields import GuardedForm
from steward.core.testing.urls import url_patterns
from steward.core.tests.field_rules import (
    is_refusal,
    last_event_id,
    refusal_events,
    split,
    writes,
)
from steward.core.tests.field_rules_world import ACTORS, world_fixture

# The record a page's ``pk`` points at, by the start of its URL name (longest first).
PAGE_RECORDS = [
    ("catalog-item", "catalog_item"), ("ci-class", "ci_class"), ("ci", "ci"),
    ("person", "person"), ("organisation", "organisation"), ("group", "group"),
    ("calendar", "calendar"), ("webhook", "webhook"), ("service", "service"),
    ("agreement", "agreement"), ("customer", "customer"), ("review", "review"),
    ("violation", "review"), ("supplier", "supplier"), ("contract", "contract"),
    ("requisition", "requisition"), ("baseline", "baseline"), ("incident", "incident"),
    ("portal", "incident"), ("solution", "solution"), ("response-template", "response_template"),
    ("routing-rule", "routing_rule"), ("category", "category"),
    ("rfc", "rfc"), ("change-template", "change_template"), ("task-template", "task_template"),
    ("change-policy", "change_policy"),
    # Change Management: the more specific prefixes ("change-task", "change-template")
    # before "change".
    ("change-task", "change_task"), ("change", "change"),
    ("planned-event", "planned_event"),
    # Problem Management: the closure steps (proc. 4) on problems at that point.
    ("problem-close", "problem_closing"), ("problem-impasse", "problem_closing"),
    ("problem-reassign-solution", "problem_closing"),
    ("problem-reopen-analysis", "problem_impasse"), ("problem-recheck", "problem_impasse"),
    ("known-error", "known_error"), ("candidate", "candidate"), ("problem", "problem"),
    # Release Management (each topic adds its records' prefixes).
    ("handling", "rfc_handling"),
    ("release-prepare-business-case", "release_justification"),
    ("release-abandon", "release_justification"),
    ("business_case-approve", "business_case_submitted"),
    ("business_case-reject", "business_case_submitted"),
    ("business_case", "business_case"), ("business-case", "business_case"),
    ("policy", "release_policy"), ("release-plan-deployment", "release_deploying"),
    ("release-transfer", "release_deploying"), ("release-accept", "release_deploying"),
    ("release-take-after-baseline", "release_deploying"),
    ("release-rollback", "release_deploying"),
    # Coordination: the steps of a release in coordination, before the plain "release".
    ("release-complete-change", "release_coordinating"),
    ("release-send", "release_coordinating"),
    ("release", "release"),
    ("cab", "cab"), ("meeting-vote", "cab_meeting_in_session"),
    ("meeting-close", "cab_meeting_in_session"), ("meeting", "cab_meeting"),
    # Event Management (each topic adds its records' prefixes).
    ("event", "event"),
    # --- events: config topic (URL names of the events namespace)
    ("source-", "event_source"), ("type-", "event_type"), ("match-rule", "match_rule"),
    ("correlation-rule", "correlation_rule"),
    # --- reviews (Event Management): the outage review's record form names the request.
    ("outage-review", "incident"),
]  # fmt: skip
# Other URL parameters: the record they name, and which of its attributes.
PARAMS = {
    "violation_pk": ("violation", "pk"), "rel_pk": ("relationship", "pk"),
    "person_pk": ("supplier_contact", "pk"), "position": ("incident_action", "position"),
    "ci_pk": ("ci", "pk"), "line_id": ("requisition_line", "pk"),
    "item_pk": ("plan_item_requested", "pk"),
}  # fmt: skip
# Query strings a page needs before it shows its form.
QUERIES = {"configuration:ci-create": lambda world: f"?ci_class={world.record('ci_class').pk}"}
# Forms that only read (filters, calculators, report periods): they never write.
READING_FORMS = {
    "AsOfForm",
    "CalendarFilterForm",
    "ClassChoiceForm",
    "CompareForm",
    "DueTimeForm",
    "EventReviewPeriodForm",
    "PeriodForm",
    "ProblemKpiPeriodForm",
    "ReleaseKpiPeriodForm",
    "ReviewPeriodForm",
    "RoadmapForm",
    "MatchTryForm",  # events, config topic: a CI match rule's "try it" (a GET form)
}
# Forms of people who are not signed in (no actor to hold rules against): asking for a
# password reset link by email address.
ANONYMOUS_FORMS = {"SafePasswordResetForm"}
# Forms whose fields are made from data (a catalog request type's questions): the service
# takes only the answers, checked against the questions (incidents.services.requests).
ANSWER_FORMS = {"RequestAnswersForm"}
PUBLIC_PAGES = {"login", "logout"}


def _pages() -> list[tuple[str, list[str], type]]:
    """(URL name, its parameters, the form it takes) of every page that takes a form by POST."""
    found = []
    for name, pattern in url_patterns():
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None or name in PUBLIC_PAGES or name.startswith("admin:"):
            continue
        if "post" not in view_class.http_method_names or not hasattr(view_class, "post"):
            continue
        view = view_class(**getattr(pattern.callback, "view_initkwargs", {}))
        form_class = getattr(view, "posted_form", None)
        if form_class is not None:
            found.append((name, list(pattern.pattern.regex.groupindex), form_class))
    return sorted(found, key=lambda page: page[0])


PAGES = _pages()
IDS = [name for name, _, _ in PAGES]


world = world_fixture()


def test_the_pages_of_every_area_are_found():
    names = {name for name, _, _ in PAGES}
    assert {"incidents:portal-create", "incidents:incident-assign", "core:person-edit",
            "service_level:agreement-sign", "configuration:ci-edit"} <= names  # fmt: skip
    assert len(PAGES) > 80


@pytest.mark.parametrize(("name", "params", "form_class"), PAGES, ids=IDS)
def test_every_posted_field_says_who_may_set_it(name, params, form_class):
    assert issubclass(form_class, GuardedForm), f"{form_class.__name__} must be a GuardedForm"
    undeclared = [f for f in form_class.base_fields if f not in form_class.inputs]
    assert not undeclared, f"{form_class.__name__}: declare who may set {undeclared}"


def _all_form_classes() -> set[type]:
    for module in pkgutil.walk_packages(steward.__path__, "steward."):
        if module.name in ("steward.__main__", "steward.cli") or ".tests" in module.name:
            continue
        importlib.import_module(module.name)
    found, todo = set(), [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("steward.") and ".tests" not in sub.__module__:
                found.add(sub)
    return found


def test_every_form_that_writes_is_guarded():
    """A form added later that is not a GuardedForm (and does not just read) fails here."""
    unguarded = sorted(
        c.__name__
        for c in _all_form_classes()
        if not issubclass(c, GuardedForm)
        and c.__name__ not in READING_FORMS
        and c.__name__ not in ANONYMOUS_FORMS
        and c.__name__ not in ANSWER_FORMS
        and not c.__module__.startswith("steward.core.admin")  # superusers' Django admin
    )
    assert unguarded == []


# --- Posting the fields ------------------------------------------------------------------------


def _placeholder(field: forms.Field | None) -> Any:
    if field is None:
        return "1"  # declared for the write, not shown by this form
    if isinstance(field, forms.BooleanField):
        return "on"
    if isinstance(field, forms.FileField):
        return SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
    if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        return ["1"]
    if isinstance(field, forms.ModelChoiceField):
        return "1"
    if isinstance(field, forms.ChoiceField):
        values = [str(v) for v, _ in field.choices if v not in ("", None)]
        return values[0] if values else "x"
    if isinstance(field, forms.DateTimeField):
        return "2026-01-05T10:00"
    if isinstance(field, forms.DateField):
        return "2026-01-05"
    if isinstance(field, forms.TimeField):
        return "09:00"
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return "1"
    return "x"


def _url(name: str, params: list[str], world: Any) -> str:
    kwargs: dict[str, Any] = {}
    short = name.split(":")[-1]
    for param in params:
        if param == "pk":
            kind = next((k for prefix, k in PAGE_RECORDS if short.startswith(prefix)), None)
            assert kind, f"No record for {name}: add one to PAGE_RECORDS"
            kwargs[param] = world.record(kind).pk
        else:
            assert param in PARAMS, f"No record for the {param} of {name}: add it to PARAMS"
            kind, attribute = PARAMS[param]
            kwargs[param] = getattr(world.record(kind), attribute)
    query = QUERIES.get(name)
    return reverse(name, kwargs=kwargs) + (query(world) if query else "")


def _record(name: str, params: list[str], world: Any) -> Any:
    short = name.split(":")[-1]
    kind = next((k for prefix, k in PAGE_RECORDS if short.startswith(prefix)), None)
    return world.record(kind) if "pk" in params and kind else None


def _post(client: Any, url: str, form_class: type, values: dict) -> Any:
    data = {}
    for name, value in values.items():
        field = form_class.base_fields.get(name)
        data[name] = value if value is not None else _placeholder(field)
    return client.post(url, data)


def _shown_refusals(response: Any) -> list[str]:
    """The refusal messages the actor is shown: on the re-rendered form or as messages."""
    shown = [str(m) for m in get_messages(response.wsgi_request) if is_refusal(str(m))]
    for context in response.context or []:
        for value in context.flatten().values():
            if isinstance(value, GuardedForm) and value.is_bound:
                shown += [m for errors in value.errors.values() for m in errors if is_refusal(m)]
    return shown


def _bound_form(response: Any, form_class: type) -> GuardedForm | None:
    """The posted form as the page built it (its fields per record), when it is shown."""
    for context in response.context or []:
        for value in context.flatten().values():
            if isinstance(value, form_class) and value.is_bound:
                return value
    return None


def _formable(form_class: type, refused: dict) -> dict:
    # A check box can only say True: "may set it only to True" is the API's to test.
    return {
        n: v
        for n, v in refused.items()
        if not (v is False and isinstance(form_class.base_fields.get(n), forms.BooleanField))
    }


@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize(("name", "params", "form_class"), PAGES, ids=IDS)
def test_each_actor_gets_the_declared_outcome_on_each_page(
    db, world, client, media_root, name, params, form_class, actor_kind
):
    actor = world.actors[actor_kind]
    # The form's fields, and what its declaration names though the page may not show it.
    names = [*form_class.base_fields, *(n for n in form_class.inputs.rules if "*" not in n)]
    refused, allowed = split(form_class.inputs, list(dict.fromkeys(names)), actor,
                             _record(name, params, world))  # fmt: skip
    refused = _formable(form_class, refused)
    url = _url(name, params, world)
    client.force_login(actor)

    response = None
    if refused:
        since = last_event_id()
        with writes() as written:
            response = _post(client, url, form_class, refused)
        where = f"{actor_kind} POST {url}"
        assert not written, f"{where}: a refused post wrote to {sorted(set(written))}"
        if response.status_code not in (403, 404):
            assert sorted(refused) in refusal_events(since), (where, response.status_code)
            assert _shown_refusals(response), f"{where}: the refusal is not shown"

    # Refused as a whole (the right is checked before the form): nothing more to learn.
    if allowed and not (response is not None and response.status_code in (403, 404)):
        since = last_event_id()
        response = _post(client, url, form_class, allowed)
        assert response.status_code < 500, (actor_kind, url, response.status_code)
        refusals = {f for fields in refusal_events(since) for f in fields}
        form = _bound_form(response, form_class)
        # A page may leave a field out (what an edit cannot change): posted, it is refused
        # as not this form's; every field the page does take is the actor's to set.
        taken = set(form.fields) if form is not None else set(form_class.base_fields)
        where = f"{actor_kind} POST {url}"
        assert not refusals & taken & set(allowed), f"{where}: refused {refusals & taken}"
        if response.status_code not in (403, 404):
            assert set(allowed) - taken <= refusals, f"{where}: {set(allowed) - taken} dropped"
        if form is not None:  # fields built per record (CI attributes, requisition lines)
            undeclared = [f for f in form.fields if f not in form.inputs]
            assert not undeclared, f"{where}: declare who may set {undeclared}"
