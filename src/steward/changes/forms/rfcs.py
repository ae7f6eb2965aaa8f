"""Forms of the request-for-change pages (seed 003 ch. 3 proc. 1): submitting a request
and the change coordinator's review."""

from typing import Any

from django import forms

from steward.changes import inputs
from steward.changes.choices import OPEN_CHANGE_STATUSES, ChangeCategory, RfcSource
from steward.changes.models import Change, ChangePolicy, ChangeTemplate, TaskTemplate
from steward.changes.services.rfcs import CONDITIONS, DECISION_CHOICES
from steward.core.fields import GuardedForm
from steward.service_level.models import Service

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
CONDITION_LABELS = {
    "causes_outage_in_service_hours": "A service becomes unavailable or degraded during its "
    "service hours",
    "functionality_changes": "The functionality of a service becomes different",
    "cmdb_update": "The CMDB requires an update",
    "problem_fix": "It prevents or fixes a problem",
    "single_coordinator": "A single change coordinator can coordinate it",
    "extra_funding": "It needs additional funding",
}
# Tri-state: "not answered" differs from "no" (the review refuses to decide on a blank).
ANSWERS = [("", "Not answered"), ("true", "Yes"), ("false", "No")]


def _condition(name: str) -> forms.NullBooleanField:
    return forms.NullBooleanField(
        label=CONDITION_LABELS[name], required=False, widget=forms.Select(choices=ANSWERS)
    )


class ConditionsMixin(GuardedForm):
    """The six answers proc. 1's rules read, each "not answered", yes or no (a guarded
    base: the forms built on it declare their own inputs)."""

    causes_outage_in_service_hours = _condition("causes_outage_in_service_hours")
    functionality_changes = _condition("functionality_changes")
    cmdb_update = _condition("cmdb_update")
    problem_fix = _condition("problem_fix")
    single_coordinator = _condition("single_coordinator")
    extra_funding = _condition("extra_funding")


class RfcSubmitForm(ConditionsMixin):
    """A request for change submitted by hand: from an incident request (its number), a
    known error, a release requirement document or a return-to-production request."""

    inputs = inputs.RFC_SUBMIT

    title = forms.CharField(max_length=200)
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    source = forms.ChoiceField(
        choices=[c for c in RfcSource.choices if c[0] != RfcSource.REQUEST_FORM]
    )
    incident = forms.CharField(
        required=False, max_length=30, label="Incident request number",
        help_text="For a request from an incident request.",
    )  # fmt: skip
    origin_reference = forms.CharField(
        required=False, max_length=40, label="Comes from",
        help_text="The known error, release document or return-to-production request.",
    )  # fmt: skip
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )
    wanted_by = forms.DateTimeField(required=False, widget=DATETIME_WIDGET)
    standard_template = forms.ModelChoiceField(
        queryset=ChangeTemplate.objects.none(), required=False,
        label="Standard change asked for",
    )  # fmt: skip

    field_order = ["title", "service", "source", "incident", "origin_reference", "description",
                   "wanted_by", "standard_template", *CONDITIONS]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.order_by("name")
        self.fields["standard_template"].queryset = ChangeTemplate.objects.filter(
            is_active=True, change_type="standard"
        )

    def clean_incident(self) -> int | None:
        number = (self.cleaned_data.get("incident") or "").strip()
        if not number:
            return None
        from steward.incidents.queries.incidents import incidents_for

        found = incidents_for(self.actor).filter(number__iexact=number).first()
        if found is None:
            raise forms.ValidationError("No incident request with this number.")
        return found.pk

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        service, template = data.pop("service"), data.pop("standard_template")
        incident = data.pop("incident")
        return {
            **data,
            "service_id": service.pk,
            "incident_id": incident,
            "standard_template_id": template.pk if template else None,
        }


class RfcReviewForm(ConditionsMixin):
    """The change coordinator's review (proc. 1): the decision, what it needs (the
    template and/or task templates, the policy, the change to add it to) and a note; the
    conditions may be answered here too. The service checks the decision against the
    rule."""

    inputs = inputs.RFC_REVIEW

    decision = forms.ChoiceField(choices=DECISION_CHOICES)
    template = forms.ModelChoiceField(
        queryset=ChangeTemplate.objects.none(), required=False, label="Change template"
    )
    task_templates = forms.ModelMultipleChoiceField(
        queryset=TaskTemplate.objects.none(), required=False, label="Task (group) templates"
    )
    category = forms.ChoiceField(choices=[("", "From the template"), *ChangeCategory.choices],
                                 required=False)  # fmt: skip
    policy = forms.ModelChoiceField(
        queryset=ChangePolicy.objects.none(), required=False, label="Conflicts with policy"
    )
    change = forms.ModelChoiceField(
        queryset=Change.objects.none(), required=False, label="Add to change",
        help_text="A request from a known error: the change prepared earlier.",
    )  # fmt: skip
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=20000
    )

    field_order = ["decision", "template", "task_templates", "category", "policy", "change",
                   *CONDITIONS, "note"]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ChangeTemplate.objects.filter(is_active=True)
        self.fields["task_templates"].queryset = TaskTemplate.objects.filter(
            change_template__isnull=True
        )
        self.fields["policy"].queryset = ChangePolicy.objects.filter(is_active=True)
        self.fields["change"].queryset = Change.objects.filter(
            status__in=OPEN_CHANGE_STATUSES
        ).order_by("-pk")
        self.fields["change"].label_from_instance = lambda c: f"{c.number} {c.title}"


def review_initial(rfc: Any) -> dict[str, Any]:
    """The review form as the request stands: its answers, the standard template."""
    return {
        **{name: getattr(rfc, name) for name in CONDITIONS},
        "template": rfc.standard_template_id,
    }


def _pk(value: Any) -> int | None:
    return value.pk if hasattr(value, "pk") else value


def review_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """The review's form or body as the service's keywords."""
    tasks = data.get("task_templates") or []
    arguments = {
        "decision": data["decision"],
        "template_id": _pk(data.get("template")),
        "task_template_ids": [_pk(t) for t in tasks],
        "policy_id": _pk(data.get("policy")),
        "change_id": _pk(data.get("change")),
        "category": data.get("category") or "",
        "note": data.get("note") or "",
    }
    arguments.update({name: data.get(name) for name in CONDITIONS})
    return arguments
