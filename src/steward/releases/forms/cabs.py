"""Release Management, proc. 2 (Release Definition): the page forms of CABs and CAB
meetings, and the members' ballot. They parse input; the services validate again."""

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from steward.core import formfields, permissions
from steward.core.choices import Role
from steward.core.fields import GuardedForm
from steward.core.models import Person
from steward.releases import inputs
from steward.releases.choices import ReleaseType, Vote
from steward.releases.forms.releases import DATETIME_WIDGET, money_field, text
from steward.releases.models import Cab
from steward.releases.services.releases import COORDINATE, MANAGE_CAB
from steward.service_level.models import Service
from steward.service_level.queries import services_for


def cab_member_candidates(service: Service | None = None) -> QuerySet[Person]:
    """Active people holding the CAB member role (for ``service`` or everywhere)."""
    scoped = Q(role_assignments__role=Role.CAB_MEMBER)
    qs = (
        Person.objects.filter(scoped, is_active=True).distinct().order_by("last_name", "first_name")
    )
    return qs


def managed_services(actor: Person) -> QuerySet[Service]:
    services = services_for(actor).filter(status="active", cab__isnull=True).order_by("name")
    return services.filter(pk__in=[s.pk for s in services if permissions.has(actor, MANAGE_CAB, s)])


def _dt(label: str, **kwargs: Any) -> formfields.DateTimeField:
    return formfields.DateTimeField(widget=DATETIME_WIDGET, label=label, **kwargs)


class CabCreateForm(GuardedForm):
    """Proc. 2: the CAB of a service."""

    inputs = inputs.CAB_CREATE

    service = forms.ModelChoiceField(queryset=Service.objects.none(),
                                     help_text="One CAB per service.")  # fmt: skip
    name = forms.CharField(max_length=120)
    members = forms.ModelMultipleChoiceField(
        queryset=Person.objects.none(), required=False,
        help_text="People with the CAB member role for the service or everywhere.",
    )  # fmt: skip
    usual_place = forms.CharField(max_length=200, required=False, label="Usual meeting place")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = managed_services(self.actor)
        self.fields["members"].queryset = cab_member_candidates()

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {"service_id": data["service"].pk, "name": data["name"],
                "member_ids": [p.pk for p in data["members"]],
                "usual_place": data["usual_place"]}  # fmt: skip


class CabEditForm(GuardedForm):
    inputs = inputs.CAB_UPDATE

    name = forms.CharField(max_length=120)
    members = forms.ModelMultipleChoiceField(
        queryset=Person.objects.none(), required=False,
        help_text="People with the CAB member role for the service or everywhere.",
    )  # fmt: skip
    usual_place = forms.CharField(max_length=200, required=False, label="Usual meeting place")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = cab_member_candidates()

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["members"] = [p.pk for p in data["members"]]
        return data


def cab_initial(cab: Cab) -> dict[str, Any]:
    return {"name": cab.name, "usual_place": cab.usual_place,
            "members": list(cab.members.values_list("pk", flat=True))}  # fmt: skip


def coordinated_cabs(actor: Person) -> QuerySet[Cab]:
    cabs = Cab.objects.select_related("service").order_by("name")
    return cabs.filter(pk__in=[c.pk for c in cabs if permissions.has(actor, COORDINATE, c)])


class MeetingScheduleForm(GuardedForm):
    """Proc. 2: plan the next meeting of a CAB."""

    inputs = inputs.MEETING_SCHEDULE

    cab = forms.ModelChoiceField(queryset=Cab.objects.none(), label="CAB")
    starts_at = _dt("Starts at")
    place = forms.CharField(max_length=200, required=False,
                            help_text="Empty: the CAB's usual place.")  # fmt: skip
    submission_deadline = _dt("Submission deadline",
                              help_text="Requests for change submitted until then are reviewed.")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cab"].queryset = coordinated_cabs(self.actor)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["cab_id"] = data.pop("cab").pk
        return data


class MeetingRescheduleForm(GuardedForm):
    inputs = inputs.MEETING_RESCHEDULE

    starts_at = _dt("Starts at")
    place = forms.CharField(max_length=200, required=False)
    submission_deadline = _dt("Submission deadline")


def reschedule_initial(meeting: Any) -> dict[str, Any]:
    return {"starts_at": meeting.starts_at, "place": meeting.place,
            "submission_deadline": meeting.submission_deadline}  # fmt: skip


class MeetingCancelForm(GuardedForm):
    inputs = inputs.MEETING_CANCEL

    reason = forms.CharField(required=False, widget=text(2), max_length=2000)


class MeetingCloseForm(GuardedForm):
    """Proc. 2: before closing, the members agree on the next meeting."""

    inputs = inputs.MEETING_CLOSE

    next_starts_at = _dt("Next meeting starts at")
    next_place = forms.CharField(max_length=200, label="Next meeting place")
    next_deadline = _dt("Next submission deadline")
    minutes = forms.CharField(required=False, widget=text(4), max_length=20000,
                              label="Minutes (draft)")  # fmt: skip


def close_initial(meeting: Any) -> dict[str, Any]:
    return {"next_place": meeting.place or meeting.cab.usual_place}


class MeetingMinutesForm(GuardedForm):
    inputs = inputs.MEETING_MINUTES

    minutes = forms.CharField(widget=text(6), max_length=20000)


def minutes_initial(meeting: Any) -> dict[str, Any]:
    return {"minutes": meeting.minutes}


class MeetingReleaseForm(GuardedForm):
    """Proc. 2: register the release the meeting defined."""

    inputs = inputs.MEETING_RELEASE

    title = forms.CharField(max_length=200)
    release_type = forms.ChoiceField(choices=ReleaseType.choices, initial=ReleaseType.MINOR,
                                     label="Type")  # fmt: skip
    planned_start = formfields.DateTimeField(required=False, widget=DATETIME_WIDGET,
                                             label="Deployment starts")  # fmt: skip
    planned_end = formfields.DateTimeField(required=False, widget=DATETIME_WIDGET,
                                           label="Deployment ends")  # fmt: skip
    target_date = formfields.DateTimeField(required=False, widget=DATETIME_WIDGET,
                                           label="In production by")  # fmt: skip
    estimated_cost = money_field("Estimated cost")
    description = forms.CharField(required=False, widget=text(3), max_length=20000)


VOTE_CHOICES = [(Vote.REJECT, "Reject"), (Vote.INCLUDE, "Include"),
                (Vote.NO_OPINION, "No opinion")]  # fmt: skip


class MeetingVoteForm(GuardedForm):
    """A member's ballot: one radio group per request of the meeting (any may stay empty;
    the page shows a vote already cast instead of its group). A posted group for another
    request is read too, so the service says what is wrong with it (not on the list, the
    meeting not in session, voted already)."""

    inputs = inputs.MEETING_VOTE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        meeting = self.record
        names: dict[str, str] = {}
        if meeting is not None:
            for item in meeting.agenda.select_related("rfc"):
                names[f"vote_{item.rfc_id}"] = f"{item.rfc.number} {item.rfc.title}"
        for key in self.data or {}:
            if key.startswith("vote_") and key[5:].isdigit() and key not in names:
                names[key] = f"Request {key[5:]}"
        for name, label in names.items():
            self.fields[name] = forms.ChoiceField(
                choices=VOTE_CHOICES, required=False, widget=forms.RadioSelect, label=label
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(name) for name in self.fields):
            raise forms.ValidationError("Choose a vote for at least one request for change.")
        return data


def vote_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """The service's ``votes`` from the API body or the page's radio groups."""
    if "votes" in data:
        return {"votes": data["votes"]}
    return {"votes": {int(name[5:]): value for name, value in data.items()
                      if name.startswith("vote_") and value}}  # fmt: skip
