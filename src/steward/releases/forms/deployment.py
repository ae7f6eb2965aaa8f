"""Release Management, seed 004 (release and deployment): the page forms of the release
policy, the deployment plan, transfers, the acceptance test, the rollback and emergency
releases. They parse input; ``services/deployment.py`` validates again and writes."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from steward.changes.choices import ChangeStatus, ChangeType
from steward.changes.models import Change
from steward.core import formfields, permissions
from steward.core.fields import GuardedForm
from steward.core.models import Person
from steward.releases import inputs
from steward.releases.choices import ENVIRONMENT_ORDER, Environment
from steward.releases.forms.releases import DATETIME_WIDGET, coordinated_services, text
from steward.releases.models import Release, ReleasePolicy
from steward.releases.services import deployment as svc
from steward.service_level.models import Service
from steward.service_level.queries import services_for

_LONG = 20000
_OPEN_CHANGE = (ChangeStatus.CLOSED, ChangeStatus.REJECTED, ChangeStatus.CANCELLED,
                ChangeStatus.BACKED_OUT)  # fmt: skip


# --- The release policy --------------------------------------------------------------------


def managed_services(actor: Person) -> QuerySet[Service]:
    """Active services without a release policy whose policy the actor may set."""
    services = services_for(actor).filter(status="active", release_policy__isnull=True)
    return services.filter(
        pk__in=[s.pk for s in services.order_by("name") if permissions.has(actor, svc.MANAGE, s)]
    ).order_by("name")


class _PolicyFields(GuardedForm):
    description = forms.CharField(required=False, widget=text(3), max_length=_LONG)
    major_frequency = forms.CharField(required=False, max_length=100,
                                      help_text="How often a major release, e.g. twice a year.")  # fmt: skip
    minor_frequency = forms.CharField(required=False, max_length=100,
                                      help_text="How often a minor release, e.g. monthly.")  # fmt: skip
    environments = forms.MultipleChoiceField(
        choices=Environment.choices, widget=forms.CheckboxSelectMultiple,
        initial=list(ENVIRONMENT_ORDER), label="Environments a release goes through",
        help_text="In this order; production is always the last.",
    )  # fmt: skip
    acceptance_test_required = forms.BooleanField(
        required=False, initial=True, label="An acceptance test before production"
    )
    baseline_required = forms.BooleanField(
        required=False, initial=True,
        label="A CMDB baseline before production (what a rollback restores)",
    )  # fmt: skip
    emergency_rules = forms.CharField(
        required=False, widget=text(3), max_length=_LONG,
        help_text="When an emergency release is allowed and how it goes.",
    )  # fmt: skip

    def data_for_service(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ReleasePolicyForm(_PolicyFields):
    """Seed 004: a service's release policy."""

    inputs = inputs.RELEASE_POLICY

    service = forms.ModelChoiceField(queryset=Service.objects.none())
    field_order = ["service"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = managed_services(self.actor)

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["service_id"] = data.pop("service").pk
        return data


class ReleasePolicyEditForm(_PolicyFields):
    inputs = inputs.RELEASE_POLICY_UPDATE


def policy_initial(policy: ReleasePolicy) -> dict[str, Any]:
    initial = {name: getattr(policy, name) for name in ReleasePolicyEditForm.base_fields}
    initial["environments"] = policy.environments or list(ENVIRONMENT_ORDER)
    return initial


# --- The deployment plan -------------------------------------------------------------------


class DeploymentPlanForm(GuardedForm):
    """Seed 004: for each environment of the release's path, the planned transfer and
    what is delivered there. An environment left without a date is not planned."""

    inputs = inputs.DEPLOYMENT_PLAN

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        release = self.record if isinstance(self.record, Release) else None
        path = svc.path_of(release) if release is not None else list(ENVIRONMENT_ORDER)
        stages = {s.environment: s for s in release.stages.all()} if release else {}
        for environment in ENVIRONMENT_ORDER:
            date, what = self.fields[f"{environment}_planned_at"], self.fields[
                f"{environment}_deliverables"]  # fmt: skip
            stage = stages.get(environment)
            if environment not in path:
                date.disabled = what.disabled = True
                date.help_text = "Not in the path of the service's release policy."
            elif stage is not None and stage.transferred_at:
                date.disabled = what.disabled = True
                date.help_text = "The release is there already."
            elif stage is not None:
                date.initial, what.initial = stage.planned_at, stage.deliverables


for _environment, _label in Environment.choices:
    DeploymentPlanForm.base_fields[f"{_environment}_planned_at"] = formfields.DateTimeField(
        required=False, widget=DATETIME_WIDGET, label=f"{_label}: planned transfer"
    )
    DeploymentPlanForm.base_fields[f"{_environment}_deliverables"] = forms.CharField(
        required=False, widget=text(2), max_length=_LONG, label=f"{_label}: deliverables"
    )


def plan_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """The service's ``stages`` from the page form (one date and text per environment) or
    the API body (``stages`` as given)."""
    if "stages" in data:
        return {"stages": [dict(stage) for stage in data["stages"]]}
    stages = [
        {"environment": environment, "planned_at": data.get(f"{environment}_planned_at"),
         "deliverables": data.get(f"{environment}_deliverables") or ""}
        for environment in ENVIRONMENT_ORDER
        if data.get(f"{environment}_planned_at") or data.get(f"{environment}_deliverables")
    ]  # fmt: skip
    return {"stages": stages}


# --- Transfers, the acceptance test, the rollback -----------------------------------------

_RESULT = [("", "Not recorded"), ("yes", "Passed"), ("no", "Failed")]


def _result(value: Any) -> bool | None:
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else value


class TransferForm(GuardedForm):
    """Seed 004: the release administrator transfers the release into its next
    environment."""

    inputs = inputs.RELEASE_TRANSFER

    environment = forms.ChoiceField(choices=Environment.choices)
    note = forms.CharField(required=False, widget=text(2), max_length=_LONG,
                           help_text="What was transferred, anything the next team should know.")  # fmt: skip
    accepted = forms.ChoiceField(choices=_RESULT, required=False,
                                 label="Acceptance test (into acceptance only)")  # fmt: skip


def transfer_initial(release: Release) -> dict[str, Any]:
    return {"environment": svc.expected_environment(release)}


def transfer_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {"environment": data["environment"], "note": data.get("note") or "",
            "accepted": _result(data.get("accepted"))}  # fmt: skip


class AcceptForm(GuardedForm):
    """Seed 004: the result of the acceptance test."""

    inputs = inputs.RELEASE_ACCEPT

    accepted = forms.ChoiceField(choices=_RESULT[1:], widget=forms.RadioSelect,
                                 label="Acceptance test")  # fmt: skip
    note = forms.CharField(required=False, widget=text(2), max_length=_LONG)


def accept_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {"accepted": _result(data.get("accepted")), "note": data.get("note") or ""}


class RollbackForm(GuardedForm):
    """Seed 004: why the release is rolled back."""

    inputs = inputs.RELEASE_ROLLBACK

    reason = forms.CharField(widget=text(3), max_length=_LONG)


# --- Emergency releases --------------------------------------------------------------------


def open_emergency_changes(actor: Person) -> QuerySet[Change]:
    """Open emergency changes of the services the actor coordinates releases for, without
    an emergency release yet."""
    taken = Release.objects.filter(emergency_change__isnull=False).values("emergency_change")
    return (
        Change.objects.filter(change_type=ChangeType.EMERGENCY,
                              service__in=coordinated_services(actor))
        .exclude(status__in=_OPEN_CHANGE)
        .exclude(pk__in=taken)
        .select_related("service")
        .order_by("-number")
    )  # fmt: skip


class _ChangeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Change) -> str:
        return f"{obj.number} {obj.title} ({obj.service.name})"


class EmergencyReleaseForm(GuardedForm):
    """Seed 004: an emergency release for an emergency change."""

    inputs = inputs.RELEASE_EMERGENCY

    emergency_change = _ChangeChoice(
        queryset=Change.objects.none(),
        help_text="The emergency change Change Management has (asked by the service owner or "
        "the on-duty manager); the release is for its service.",
    )
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=text(3), max_length=_LONG)
    target_date = formfields.DateTimeField(required=False, widget=DATETIME_WIDGET,
                                           label="In production by")  # fmt: skip
    rollback_plan = forms.CharField(required=False, widget=text(3), max_length=_LONG)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["emergency_change"].queryset = open_emergency_changes(self.actor)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        change = data.pop("emergency_change")
        return {**data, "emergency_change_id": change.pk, "service_id": change.service_id}
