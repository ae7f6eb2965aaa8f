"""Pages of proc. 2 (Release Definition): CABs (list, record page with members and
meetings, set up and edit), CAB meetings (list, the meeting page members use during the
meeting: agenda, ballot, live tally, outcomes; scheduling) and the steps of
``actions.MEETING``."""

from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from steward.configuration.views import record_paths
from steward.core import permissions
from steward.core.actions import ranked
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ServiceFormView,
    action_urls,
    header_buttons,
)
from steward.releases.actions import MEETING
from steward.releases.filters.cabs import UPCOMING, CabFilterSet, CabMeetingFilterSet
from steward.releases.forms.cabs import CabCreateForm, CabEditForm, MeetingScheduleForm, cab_initial
from steward.releases.models import Cab, CabMeeting
from steward.releases.queries import cabs as cab_queries
from steward.releases.queries import releases as queries
from steward.releases.services import cabs as cab_svc
from steward.releases.services import releases as svc
from steward.releases.views.releases import person, when

TONES.update({"invited": "blue", "agenda_final": "amber", "in_session": "green", "reject": "red",
              "include": "green", "no_opinion": "grey",
              "included": "green"})  # fmt: skip


class CabListView(RecordListView):
    permission = svc.VIEW
    title = "CABs"
    query = queries.cabs_for
    filterset_class = CabFilterSet
    default_sort = "name"
    create_url_name = "releases:cab-create"
    create_permission = svc.MANAGE_CAB
    create_label = "Set up a CAB"
    primary_filters = ("q",)
    columns = (
        Column("name", "Name", sort="name", link=True),
        Column("service", "Service", value="service.name", sort="service__name"),
        Column("members", "Members", value=lambda c: c.members.count(), classes="num"),
        Column("place", "Usual place", value="usual_place", classes="hide-sm"),
    )


class CabDetailView(RecordDetailView):
    permission = svc.VIEW
    template_name = "releases/cabs_cab_detail.html"
    query_one = queries.cab_for
    list_url_name = "releases:cab-list"
    kind_label = "CAB"
    note_permission = svc.VIEW

    def get_title(self, obj: Cab) -> str:
        return obj.name

    def get_fields(self, obj: Cab) -> list[Field]:
        return [
            Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
            Field("Usual meeting place", obj.usual_place or None),
            Field("Members", obj.members.count()),
        ]

    def get_actions(self, obj: Cab) -> list[Any]:
        actions = [Action("Edit", reverse("releases:cab-edit", args=[obj.pk]), svc.MANAGE_CAB)]
        if permissions.has(self.actor, svc.COORDINATE, obj):
            url = reverse("releases:meeting-create") + f"?cab={obj.pk}"
            actions.append(Action("Schedule a meeting", url, svc.COORDINATE))
        return actions

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cab = context["record"]
        meetings = list(cab.meetings.order_by("starts_at", "pk"))
        context["cab_members"] = list(cab.members.order_by("last_name", "first_name"))
        context["cab_upcoming"] = [m for m in meetings if m.status in UPCOMING]
        context["cab_past"] = [m for m in reversed(meetings) if m.status not in UPCOMING]
        return context


class CabCreateView(ServiceFormView):
    permission = svc.MANAGE_CAB
    form_class = CabCreateForm
    title = "Set up a CAB"
    submit_label = "Set up"
    success_message = "CAB set up."
    cancel_url = reverse_lazy("releases:cab-list")

    def perform(self, form: CabCreateForm) -> Any:
        return cab_svc.cab_create(actor=self.actor, **form.service_kwargs())


class CabEditView(RecordEditView):
    permission = svc.MANAGE_CAB
    query_one = queries.cab_for
    form_class = CabEditForm
    title_format = "Edit {obj.name}"
    success_message = "CAB saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return cab_initial(self.get_object())

    def perform(self, form: CabEditForm) -> Any:
        return self.update_record(form, cab_svc.cab_update, "cab_id", data=form.service_data())


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class MeetingListView(RecordListView):
    permission = svc.VIEW
    title = "CAB meetings"
    query = queries.meetings_for
    filterset_class = CabMeetingFilterSet
    default_sort = "upcoming"
    create_url_name = "releases:meeting-create"
    create_permission = svc.COORDINATE
    create_label = "Schedule a meeting"
    primary_filters = ("q", "show", "status")
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("cab", "CAB", value="cab.name", sort="cab__name", link=True),
        Column("service", "Service", value="cab.service.name", classes="hide-sm"),
        Column(
            "starts",
            "Starts",
            value=lambda m: _when(m.starts_at),
            sort="starts_at",
            classes="nowrap",
        ),
        Column(
            "deadline",
            "Submission deadline",
            value=lambda m: _when(m.submission_deadline),
            classes="nowrap hide-sm",
        ),
        Column("place", "Place", value="place", classes="hide-sm"),
        STATUS_COLUMN,
    )

    def apply_sort(self, qs: Any, sort: str) -> Any:
        """Upcoming first (the next one on top), then the held ones, newest first."""
        if sort != "upcoming":
            return super().apply_sort(qs, sort)
        held = Case(When(status__in=UPCOMING, then=Value(0)), default=Value(1),
                    output_field=IntegerField())  # fmt: skip
        coming = Case(When(status__in=UPCOMING, then="starts_at"), default=None)
        return qs.annotate(_held=held, _coming=coming).order_by(
            "_held", "_coming", "-starts_at", "-pk"
        )


class MeetingDetailView(RecordDetailView):
    permission = svc.VIEW
    template_name = "releases/cabs_meeting_detail.html"
    query_one = queries.meeting_for
    status_field = "status"
    list_url_name = "releases:meeting-list"
    kind_label = "CAB meeting"
    note_permission = svc.VIEW

    def get_title(self, obj: CabMeeting) -> str:
        return f"{obj.cab.name}, {_when(obj.starts_at)}"

    def get_fields(self, obj: CabMeeting) -> list[Field]:
        nxt = obj.next_meeting
        return [
            Field("CAB", obj.cab.name, url=obj.cab.get_absolute_url()),
            Field("Service", obj.cab.service.name, url=obj.cab.service.get_absolute_url()),
            Field("Starts", _when(obj.starts_at)),
            Field("Place", obj.place or None),
            Field("Submission deadline", _when(obj.submission_deadline)),
            Field("Release coordinator", person(obj.coordinator)),
            Field("Invitations sent", when(obj.invited_at)),
            Field("List finalised", when(obj.agenda_finalised_at)),
            Field("Opened", when(obj.opened_at)),
            Field("Closed", when(obj.closed_at)),
            Field(
                "Next meeting",
                f"{nxt.number} · {_when(nxt.starts_at)}" if nxt else None,
                url=nxt.get_absolute_url() if nxt else "",
            ),
            Field("Rejected requests closed", when(obj.rejected_closed_at)),
            Field("Minutes published", when(obj.minutes_published_at)),
            Field(
                "Release",
                obj.release.number if obj.release_id else None,
                url=obj.release.get_absolute_url() if obj.release_id else "",
            ),
        ]

    def get_actions(self, obj: CabMeeting) -> list[Any]:
        return [b for b in header_buttons(MEETING, self.actor, obj) if b.method != "post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        meeting = context["record"]
        failed = kwargs.get("failed_action", "")
        panel = MEETING.panel(self.actor, meeting, failed=failed, form=kwargs.get("failed_form"))
        context["panel"] = panel
        offered = [e["action"] for e in [*panel["buttons"], *panel["steps"]]]
        primary = next((a.key for a in MEETING if a in offered and a.style == "primary"), None)
        context.update(ranked(panel, primary))
        members = list(meeting.members.order_by("last_name", "first_name"))
        # Until it opens, the CAB's members now; from then on those it opened with.
        shown_members = members if meeting.opened_at else svc.cab_members(meeting.cab.service)
        count = len(members)
        rows = cab_queries.agenda_rows(meeting)
        vote = MEETING["vote"]
        ballot = None
        if MEETING.offered(vote, self.actor, meeting):
            ballot = kwargs.get("failed_form") if failed == "vote" else None
            ballot = ballot or MEETING.form(vote, self.actor, record=meeting)
        for row in rows:
            counts = {"reject": 0, "include": 0, "no_opinion": 0}
            for v in row["votes"]:
                counts[v.vote] += 1
            counts["not_voted"] = max(count - sum(counts.values()), 0)
            row["counts"] = counts
            row["mine"] = row["by_member"].get(self.actor.pk)
            name = f"vote_{row['rfc'].pk}"
            row["field"] = ballot[name] if ballot is not None and name in ballot.fields else None
        context.update(
            meeting_rows=rows,
            meeting_members=shown_members,
            meeting_member_count=count,
            meeting_needed=cab_svc.threshold(count) if count else None,
            meeting_ballot=ballot,
            meeting_ballot_url=MEETING.url(vote, meeting),
            meeting_is_member=cab_svc.is_member(self.actor, meeting),
            meeting_show_votes=meeting.status in ("in_session", "closed"),
        )
        return context


class MeetingScheduleView(ServiceFormView):
    """Proc. 2: plan the next meeting of a CAB."""

    permission = svc.COORDINATE
    form_class = MeetingScheduleForm
    title = "Schedule a CAB meeting"
    submit_label = "Schedule"
    success_message = "Meeting scheduled."
    cancel_url = reverse_lazy("releases:meeting-list")

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        cab = self.request.GET.get("cab", "")
        if cab.isdigit():
            found = Cab.objects.filter(pk=int(cab)).first()
            if found is not None:
                initial.update(cab=found.pk, place=found.usual_place)
        return initial

    def perform(self, form: MeetingScheduleForm) -> Any:
        return cab_svc.meeting_schedule(actor=self.actor, **form.service_kwargs())


urlpatterns = [
    *record_paths(
        "releases/cabs",
        "cab",
        list=CabListView,
        create=CabCreateView,
        detail=CabDetailView,
        edit=CabEditView,
    ),
    *record_paths(
        "releases/meetings",
        "meeting",
        list=MeetingListView,
        create=MeetingScheduleView,
        detail=MeetingDetailView,
    ),
    *action_urls(MEETING, page=MeetingDetailView, prefix="releases/meetings"),
]
