"""Release Management: the high-level plan (proc. 2), release coordination and the
post-implementation review (proc. 4). Page forms: they parse input; the services
(``services/coordination.py``) validate again and write. ``*_arguments`` turn a form's
(or an API body's) data into the service's keyword arguments."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from steward.changes.models import RequestForChange
from steward.core import formfields, roles
from steward.core.choices import Role
from steward.core.fields import GuardedForm
from steward.core.models import Person
from steward.releases import inputs
from steward.releases.choices import HandlingStatus, PlanItemStatus
from steward.releases.forms.releases import DATETIME_WIDGET, text
from steward.releases.models import ReleasePlanItem
from steward.releases.services import coordination as coord
from steward.releases.services import review
from steward.service_level.models import Service

OUTCOME_CHOICES = [
    ("completed", "Completed: all its requirements fulfilled"),
    ("partly", "Partly fulfilled"),
    ("failed", "Failed"),
]


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _pks(values: Any) -> list[Any]:
    return [_pk(v) for v in (values or [])]


def change_coordinators_for(services: list[Service]) -> QuerySet[Person]:
    """Active change coordinators of any of ``services`` or of every service."""
    ids = {p.pk for p in roles.holders(Role.CHANGE_COORDINATOR)}
    for service in services:
        ids |= {p.pk for p in roles.holders(Role.CHANGE_COORDINATOR, service)}
    return Person.objects.filter(pk__in=ids).order_by("first_name", "last_name", "pk")


class PlanItemAddForm(GuardedForm):
    """Proc. 2: a change of the high-level plan."""

    inputs = inputs.PLAN_ITEM_ADD

    title = forms.CharField(max_length=200, help_text="What the change delivers.")
    service = forms.ModelChoiceField(queryset=Service.objects.none(),
                                     help_text="The release's service or a supporting service.")  # fmt: skip
    change_coordinator = forms.ModelChoiceField(
        queryset=Person.objects.none(), help_text="A change coordinator of that service."
    )
    requirements = forms.CharField(widget=text(4), max_length=20000,
                                   help_text="The requirement document: what this change "
                                   "coordinator is responsible for.")  # fmt: skip
    rfcs = forms.ModelMultipleChoiceField(queryset=RequestForChange.objects.none(),
                                          required=False, label="Requests for change covered")  # fmt: skip
    duration_days = forms.IntegerField(min_value=1, max_value=coord.MAX_DAYS, initial=1,
                                       label="Duration (days)")  # fmt: skip
    depends_on = forms.ModelMultipleChoiceField(queryset=ReleasePlanItem.objects.none(),
                                                required=False, label="After the changes")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        release = self.record
        if release is None or not getattr(release, "pk", None):
            return
        services = coord.plan_services(release)
        self.fields["service"].queryset = Service.objects.filter(
            pk__in=[s.pk for s in services]
        ).order_by("name")
        self.fields["service"].initial = release.service_id
        self.fields["change_coordinator"].queryset = change_coordinators_for(services)
        self.fields["rfcs"].queryset = RequestForChange.objects.filter(
            pk__in=release.rfc_handlings.values("rfc_id")
        ).order_by("number")
        self.fields["depends_on"].queryset = release.plan_items.exclude(
            status=PlanItemStatus.CANCELLED
        ).order_by("position", "pk")


def plan_item_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": data.get("title", ""),
        "service_id": _pk(data.get("service")),
        "change_coordinator_id": _pk(data.get("change_coordinator")),
        "requirements": data.get("requirements", ""),
        "rfc_ids": _pks(data.get("rfcs")),
        "duration_days": data.get("duration_days") or 1,
        "depends_on_ids": _pks(data.get("depends_on")),
    }


class CompleteChangeForm(GuardedForm):
    """Proc. 4: the short update when a change of the release is completed, and the
    additional change when its requirements were not all fulfilled."""

    inputs = inputs.PLAN_ITEM_COMPLETE

    outcome = forms.ChoiceField(choices=OUTCOME_CHOICES)
    note = forms.CharField(widget=text(2), max_length=20000, label="Short update")
    additional_change_possible = forms.BooleanField(
        required=False, label="An additional change can still fulfil all or most requirements"
    )
    blackout_incomplete = forms.BooleanField(
        required=False, label="An additional change is needed to complete the black-out"
    )
    additional_title = forms.CharField(max_length=200, required=False,
                                       label="Additional change")  # fmt: skip
    additional_requirements = forms.CharField(widget=text(2), max_length=20000, required=False,
                                              label="Its requirements")  # fmt: skip
    additional_coordinator = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label="Its change coordinator"
    )
    additional_duration_days = forms.IntegerField(min_value=1, max_value=coord.MAX_DAYS,
                                                  required=False, label="Its duration (days)")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        release = self.record
        if release is not None and getattr(release, "pk", None):
            self.fields["additional_coordinator"].queryset = change_coordinators_for(
                coord.plan_services(release)
            )


def complete_arguments(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    if "item" in values:
        values["item_id"] = values.pop("item")
    values["additional_coordinator_id"] = _pk(values.pop("additional_coordinator", None))
    for flag in ("additional_change_possible", "blackout_incomplete"):
        values[flag] = values.get(flag) or None
    values["additional_title"] = values.get("additional_title") or ""
    values["additional_requirements"] = values.get("additional_requirements") or ""
    return values


def item_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {"item_id": data["item"]}


class ReleaseCompleteForm(GuardedForm):
    """Proc. 4: after the last change, which requests for change the release fulfilled."""

    inputs = inputs.RELEASE_COMPLETE

    fulfilled_rfcs = forms.ModelMultipleChoiceField(
        queryset=RequestForChange.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, label="Requirements fulfilled",
        help_text="The requests for change whose requirements the release met; the others "
        "are not met (those of a CAB-defined release go back to the backlog).",
    )  # fmt: skip
    note = forms.CharField(widget=text(3), max_length=20000, required=False,
                           label="Completion note")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        release = self.record
        if release is not None and getattr(release, "pk", None):
            self.fields["fulfilled_rfcs"].queryset = RequestForChange.objects.filter(
                pk__in=release.rfc_handlings.filter(status=HandlingStatus.IN_RELEASE).values(
                    "rfc_id"
                )
            ).order_by("number")


def release_complete_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {"fulfilled_rfc_ids": _pks(data.get("fulfilled_rfcs")), "note": data.get("note", "")}


class ReleaseReviewForm(GuardedForm):
    """Proc. 4: the post-implementation meeting."""

    inputs = inputs.RELEASE_REVIEW

    held_at = formfields.DateTimeField(widget=DATETIME_WIDGET, label="Held at")
    attendees = forms.ModelMultipleChoiceField(
        queryset=Person.objects.none(), help_text="The service owner and the change "
        "coordinators of the release's changes at least.",
    )  # fmt: skip
    improvement_suggestions = forms.CharField(widget=text(4), max_length=20000, required=False)
    decisions = forms.CharField(widget=text(4), max_length=20000, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = (
            Person.objects.filter(is_active=True, role_assignments__isnull=False)
            .distinct()
            .order_by("first_name", "last_name", "pk")
        )


def review_initial(release: Any) -> dict[str, Any]:
    if release.review_held_at:
        return {
            "held_at": release.review_held_at,
            "attendees": list(release.review_attendees.values_list("pk", flat=True)),
            "improvement_suggestions": release.improvement_suggestions,
            "decisions": release.review_decisions,
        }
    people = [*review.owners(release.service), *review.release_change_coordinators(release)]
    return {"held_at": timezone.now().replace(second=0, microsecond=0),
            "attendees": [p.pk for p in people]}  # fmt: skip


def review_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "held_at": data.get("held_at"),
        "attendee_ids": _pks(data.get("attendees")),
        "improvement_suggestions": data.get("improvement_suggestions", ""),
        "decisions": data.get("decisions", ""),
    }
