"""Change Management: changes: registration, risk and impact analysis, planning (proc. 1, 2).

Page forms: the register and edit forms of a change, and the step forms of its action
rows (the risk and impact questionnaire, the request for the availability manager's help,
the cancellation). They parse input; the services validate again and write."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse

from steward.changes import inputs
from steward.changes.choices import ChangeCategory, ChangeType
from steward.changes.models import Change, ChangeTemplate, TaskTemplate
from steward.changes.services import impact
from steward.changes.services.changes import COORDINATE
from steward.configuration.models import ConfigurationItem
from steward.configuration.queries.cis import ci_label, cis_for
from steward.core import permissions
from steward.core.fields import GuardedForm
from steward.core.ids import parse_id
from steward.core.models import Person
from steward.core.views.patterns.selects import LookupInput
from steward.incidents.forms.records import CINumbersField
from steward.incidents.queries.incidents import incidents_for
from steward.service_level.models import Service
from steward.service_level.queries import services_for

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MAX_INCIDENTS = 50


def _text(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def coordinated_services(actor: Person) -> QuerySet[Service]:
    """The active services the actor may register changes for."""
    services = services_for(actor).filter(status="active").order_by("name")
    return services.filter(pk__in=[s.pk for s in services if permissions.has(actor, COORDINATE, s)])


class CIChooser(LookupInput):
    """``LookupInput`` laid out as a visible field of a form page (its label names the
    search box), not among the form's hidden inputs."""

    input_type = "search"


def _ci_chooser(actor: Person) -> LookupInput:
    def label(value: Any) -> str:
        pk = parse_id(str(value))
        ci = cis_for(actor).filter(pk=pk).first() if pk is not None else None
        return ci_label(ci) if ci is not None else ""

    return CIChooser(reverse("configuration:ci-lookup"), label, "CI number or name…")


class IncidentNumbersField(forms.CharField):
    """Incident request numbers separated by commas or spaces, resolved to those the actor
    may see."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("label", "Linked incident requests")
        kwargs.setdefault("help_text", "Incident numbers, separated by commas (e.g. INC000012).")
        super().__init__(*args, **kwargs)
        self.actor: Person | None = None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple | QuerySet):
            return ", ".join(getattr(i, "number", str(i)) for i in value)
        return value

    def clean(self, value: Any) -> list[Any]:  # type: ignore[override]
        text = super().clean(value) or ""
        numbers = [n.strip().upper() for n in text.replace(";", ",").replace(" ", ",").split(",")]
        numbers = list(dict.fromkeys(n for n in numbers if n))
        if len(numbers) > MAX_INCIDENTS:
            raise forms.ValidationError(f"At most {MAX_INCIDENTS} incident requests.")
        found = {i.number.upper(): i for i in incidents_for(self.actor).filter(number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(f"No incident request {', '.join(missing)}.")
        return [found[n] for n in numbers]


class _CIs(GuardedForm):
    """A CI chooser (one CI, searched) and more CIs by number; ``chosen_cis`` joins them."""

    ci = forms.IntegerField(
        required=False,
        label="Add a configuration item",
        help_text="Type a CI's number or name, then pick it.",
    )
    cis = CINumbersField(label="Configuration items")

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["ci"].widget = _ci_chooser(actor)
        self.fields["cis"].actor = actor  # type: ignore[attr-defined]

    def clean_ci(self) -> ConfigurationItem | None:
        pk = self.cleaned_data.get("ci")
        if pk is None:
            return None
        found = cis_for(self.actor).filter(pk=pk).first()
        if found is None:
            raise forms.ValidationError("No such configuration item.")
        return found

    def chosen_cis(self) -> list[int]:
        chosen = [self.cleaned_data.get("ci"), *(self.cleaned_data.get("cis") or [])]
        return list(dict.fromkeys(ci.pk for ci in chosen if ci is not None))


class ChangeRegisterForm(_CIs):
    """Proc. 1's last step: register a change from a change template and/or task
    templates."""

    inputs = inputs.CHANGE_REGISTER(ci="cis")
    field_order = [
        "title", "service", "change_type", "category", "template", "task_templates", "ci",
        "cis", "description",
    ]  # fmt: skip

    title = forms.CharField(max_length=200)
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    change_type = forms.ChoiceField(
        label="Type",
        choices=[(ChangeType.NORMAL, "Normal"), (ChangeType.STANDARD, "Standard")],
        help_text="A standard change skips the approval phase.",
    )
    category = forms.ChoiceField(choices=ChangeCategory.choices)
    template = forms.ModelChoiceField(
        queryset=ChangeTemplate.objects.none(),
        required=False,
        label="Change template",
        help_text="Gives the type, category, plans, risk level and tasks.",
    )
    task_templates = forms.ModelMultipleChoiceField(
        queryset=TaskTemplate.objects.none(), required=False, label="Task (group) templates"
    )
    description = forms.CharField(required=False, widget=_text(5))

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["service"].queryset = coordinated_services(actor)
        self.fields["template"].queryset = ChangeTemplate.objects.filter(is_active=True)
        self.fields["task_templates"].queryset = TaskTemplate.objects.filter(
            change_template__isnull=True
        ).order_by("name")

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "service_id": data["service"].pk,
            "change_type": data["change_type"],
            "category": data["category"],
            "template_id": data["template"].pk if data.get("template") else None,
            "task_template_ids": [t.pk for t in data.get("task_templates") or []],
            "ci_ids": self.chosen_cis(),
            "description": data.get("description") or "",
        }


def coordinator_choices(service: Service) -> list[Person]:
    """The people who may coordinate changes of ``service``."""
    people = Person.objects.filter(
        is_active=True,
        role_assignments__role__in=["change_coordinator", "change_manager"],
    ).distinct()
    return [p for p in people.order_by("last_name", "first_name") if permissions.has(p, COORDINATE, service)]  # fmt: skip


class ChangeEditForm(_CIs):
    """Proc. 2: what the change coordinator completes while analysing and planning."""

    inputs = inputs.CHANGE_UPDATE(ci="cis")
    field_order = [
        "title", "category", "coordinator", "planned_start", "planned_end", "description",
        "plan", "backout_plan", "test_plan", "ci", "cis", "incidents",
    ]  # fmt: skip

    title = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=ChangeCategory.choices)
    coordinator = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label="Change coordinator"
    )
    planned_start = forms.DateTimeField(
        required=False, widget=DATETIME_WIDGET, label="Implementation starts"
    )
    planned_end = forms.DateTimeField(
        required=False, widget=DATETIME_WIDGET, label="Implementation ends"
    )
    description = forms.CharField(required=False, widget=_text(4))
    plan = forms.CharField(required=False, widget=_text(6), label="Implementation plan")
    backout_plan = forms.CharField(required=False, widget=_text(4), label="Backout plan")
    test_plan = forms.CharField(required=False, widget=_text(3), label="Production test plan")
    incidents = IncidentNumbersField()

    def __init__(self, *args: Any, actor: Person, record: Change, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, record=record, **kwargs)
        people = coordinator_choices(record.service)
        self.fields["coordinator"].queryset = Person.objects.filter(pk__in=[p.pk for p in people])
        self.fields["incidents"].actor = actor  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("ci", None)
        data["cis"] = self.chosen_cis()
        data["incidents"] = [i.pk for i in data.get("incidents") or []]
        coordinator = data.pop("coordinator", None)
        if coordinator is not None:
            data["coordinator"] = coordinator.pk
        return data


def edit_initial(change: Change) -> dict[str, Any]:
    return {
        "title": change.title,
        "category": change.category,
        "coordinator": change.coordinator_id,
        "planned_start": change.planned_start,
        "planned_end": change.planned_end,
        "description": change.description,
        "plan": change.plan,
        "backout_plan": change.backout_plan,
        "test_plan": change.test_plan,
        "cis": list(change.cis.order_by("number")),
        "incidents": list(change.incidents.order_by("number")),
    }


YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=YES_NO, coerce=lambda v: v == "yes", widget=forms.RadioSelect
    )


_ASKED = dict(impact.QUESTIONS)


class AnalysisForm(GuardedForm):
    """Proc. 2: the risk and impact questionnaire (``services/impact.py`` scores it)."""

    inputs = inputs.CHANGE_ANALYSE

    causes_outage = _yes_no(_ASKED["causes_outage"])
    functionality_changes = _yes_no(_ASKED["functionality_changes"])
    cmdb_update = _yes_no(_ASKED["cmdb_update"])
    infrastructure_changes = _yes_no(_ASKED["infrastructure_changes"])
    tested = _yes_no(_ASKED["tested"])
    backout_tested = _yes_no(_ASKED["backout_tested"])
    users_affected = forms.ChoiceField(
        label=impact.USERS_AFFECTED_QUESTION,
        choices=impact.USERS_AFFECTED,
        widget=forms.RadioSelect,
    )


def analysis_initial(change: Change) -> dict[str, Any]:
    answers = change.risk_answers or {}
    initial = {key: {True: "yes", False: "no"}.get(answers.get(key)) for key, _ in impact.QUESTIONS}
    return {**initial, "users_affected": answers.get("users_affected")}


class AvailabilityHelpForm(GuardedForm):
    """Proc. 2: what the availability manager is asked to design."""

    inputs = inputs.CHANGE_AVAILABILITY_HELP
    note = forms.CharField(
        required=False,
        widget=_text(3),
        label="What to design",
        help_text="The infrastructure to build or modify, for the availability manager.",
    )


class CancelForm(GuardedForm):
    inputs = inputs.CHANGE_CANCEL
    reason = forms.CharField(widget=_text(3), help_text="Why the change is cancelled.")
