"""Problem Management: problem investigations (proc. 1). Page forms: register and edit a
problem, link incident requests, assign a specialist. They parse input; the services
validate again and write."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from steward.changes.forms.changes import IncidentNumbersField
from steward.core import permissions
from steward.core.fields import GuardedForm
from steward.core.models import Person, SupportGroup
from steward.incidents.forms.records import CINumbersField
from steward.incidents.models import Category
from steward.problems import inputs
from steward.problems.choices import ProblemSource
from steward.problems.services.problems import ANALYSE, COORDINATE
from steward.service_level.models import Service
from steward.service_level.queries import services_for


def coordinated_services(actor: Person) -> QuerySet[Service]:
    """The active services the actor may register problems for."""
    services = services_for(actor).filter(status="active").order_by("name")
    return services.filter(pk__in=[s.pk for s in services if permissions.has(actor, COORDINATE, s)])


def specialist_choices(record: Any = None) -> list[tuple[Any, str]]:
    """Active people who may analyse problems (of ``record``'s service), by name."""
    roles = permissions.catalogue()[ANALYSE][1]
    people = list(
        Person.objects.filter(is_active=True, role_assignments__role__in=roles)
        .distinct()
        .order_by("last_name", "first_name")
    )
    permissions.preload(people)  # one query for everyone's roles, not one per person
    return [("", "Choose…")] + [
        (p.pk, p.display_name) for p in people if permissions.has(p, ANALYSE, record)
    ]


class ProblemRegisterForm(GuardedForm):
    """Proc. 1: register a problem investigation and link its incident requests."""

    inputs = inputs.PROBLEM_REGISTER

    title = forms.CharField(max_length=200)
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    source = forms.ChoiceField(choices=ProblemSource.choices, initial=ProblemSource.INCIDENT_REVIEW,
                               label="Identified from")  # fmt: skip
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False)
    cis = CINumbersField(label="Configuration items")
    incidents = IncidentNumbersField(label="Incident requests it caused")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}),
                                  max_length=20000)  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = coordinated_services(self.actor)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).order_by("name")
        self.fields["cis"].actor = self.actor  # type: ignore[attr-defined]
        self.fields["incidents"].actor = self.actor  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "service_id": data["service"].pk,
            "source": data["source"],
            "category_id": data["category"].pk if data.get("category") else None,
            "ci_ids": [c.pk for c in data.get("cis") or []],
            "incident_ids": [i.pk for i in data.get("incidents") or []],
            "description": data.get("description", ""),
        }


class ProblemEditForm(GuardedForm):
    inputs = inputs.PROBLEM_UPDATE

    title = forms.CharField(max_length=200)
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False)
    cis = CINumbersField(label="Configuration items")
    support_group = forms.ModelChoiceField(queryset=SupportGroup.objects.none(), required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}),
                                  max_length=20000)  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).order_by("name")
        self.fields["support_group"].queryset = SupportGroup.objects.filter(is_active=True)
        self.fields["cis"].actor = self.actor  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data.get("description", ""),
            "category": data.get("category"),
            "support_group": data.get("support_group"),
            "cis": list(data.get("cis") or []),
        }


def edit_initial(problem: Any) -> dict[str, Any]:
    return {
        "title": problem.title,
        "description": problem.description,
        "category": problem.category_id,
        "support_group": problem.support_group_id,
        "cis": list(problem.cis.order_by("number")),
    }


class LinkIncidentsForm(GuardedForm):
    """Proc. 1: link incident requests caused by this problem."""

    inputs = inputs.PROBLEM_LINK

    incidents = IncidentNumbersField(label="Incident requests", required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incidents"].actor = self.actor  # type: ignore[attr-defined]


def link_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {"incident_ids": [getattr(i, "pk", i) for i in data.get("incidents") or []]}


class AssignForm(GuardedForm):
    """Proc. 1: the most appropriate specialist (skills, availability, access rights)."""

    inputs = inputs.PROBLEM_ASSIGN

    support_group = forms.ModelChoiceField(queryset=SupportGroup.objects.none(), required=False,
                                           label="Group")  # fmt: skip
    specialist = forms.TypedChoiceField(coerce=int, choices=())
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=20000)  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["support_group"].queryset = SupportGroup.objects.filter(is_active=True)
        self.fields["specialist"].choices = specialist_choices(self.record)


def assign_arguments(data: dict[str, Any]) -> dict[str, Any]:
    group = data.get("support_group")
    return {
        "specialist_id": data["specialist"],
        "support_group_id": getattr(group, "pk", group),
        "note": data.get("note") or "",
    }


def assign_initial(problem: Any) -> dict[str, Any]:
    return {"support_group": problem.support_group_id, "specialist": problem.specialist_id}
