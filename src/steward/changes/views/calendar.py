"""Pages of the change calendar (seed 003 ch. 3 proc. 2, 3): the calendar (month and
week), planned events (list, record, new, edit, cancel) and the change page's conflicts
section. The calendar is drawn without script: links move it, a GET form filters it."""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.generic import TemplateView

from steward.changes.actions import PLANNED_EVENT
from steward.changes.choices import OPEN_CHANGE_STATUSES
from steward.changes.filters.calendar import PlannedEventFilterSet
from steward.changes.forms.calendar import (
    CalendarFilterForm,
    PlannedEventForm,
    event_initial,
)
from steward.changes.models import Change, PlannedEvent
from steward.changes.queries import calendar as queries
from steward.changes.services import calendar as svc
from steward.configuration.views import record_paths
from steward.core.templatetags.steward import tone
from steward.core.views.patterns import (
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ServiceFormView,
    StewardPageMixin,
    action_urls,
    header_buttons,
)

DASH = "\u2013"  # an en dash between two times
DAY_LIMIT = 6  # entries a month's day shows before "N more" (the week shows them all)
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass
class Chip:
    """An entry as one day shows it."""

    entry: queries.Entry
    day: date
    starts_today: bool
    ends_today: bool

    @property
    def tone(self) -> str:
        if self.entry.blackout:
            return "blackout"
        if not self.entry.is_change:
            return "event"
        return tone(self.entry.status)

    @property
    def time_text(self) -> str:
        start = timezone.localtime(self.entry.starts_at)
        end = timezone.localtime(self.entry.ends_at)
        first = start.strftime("%H:%M") if self.starts_today else "…"
        last = end.strftime("%H:%M") if self.ends_today else "…"
        return f"{first}{DASH}{last}"

    @property
    def conflict_text(self) -> str:
        return "; ".join(f"{c.number}: {c.why}" for c in self.entry.conflicts)

    def html(self, long: bool = False) -> SafeString:
        """The entry as a link. A month's chip: the start time and the title (the number,
        end and state for screen readers and in its tooltip); the week's: all of it. A
        conflict says so in words (a flag, a hidden "Conflict:", the reasons in the
        tooltip), not by colour alone. Drawn here, not by a template include: a month
        draws a few hundred."""
        entry = self.entry
        conflicted = entry.has_conflicts
        flag = (
            mark_safe('<span class="cal-flag" aria-hidden="true">!</span>'
                      '<span class="visually-hidden">Conflict:</span> ')
            if conflicted else ""
        )  # fmt: skip
        tip = f"{entry.number} {entry.title}, {self.time_text}, {entry.status_label}"
        if conflicted:
            tip += f". Conflicts: {self.conflict_text}"
        if long:
            service = f"{entry.service_name} · " if entry.is_change else ""
            body = format_html(
                '<span class="cal-time">{}</span> <span class="cal-number">{}</span> '
                '<span class="cal-title">{}</span> <span class="cal-meta">{}{}</span>',
                self.time_text, entry.number, entry.title, service, entry.status_label,
            )  # fmt: skip
        else:
            first = self.time_text.split(DASH)[0]
            body = format_html(
                '<span class="cal-time">{}</span> <span class="cal-title">{}</span>'
                '<span class="visually-hidden">, {}, {}, {}</span>',
                first, entry.title, entry.number, self.time_text, entry.status_label,
            )  # fmt: skip
        return format_html(
            '<a class="cal-item cal-tone-{}{}" href="{}" title="{}">{}{}</a>',
            self.tone,
            " cal-conflict" if conflicted else "",
            entry.url,
            tip,
            flag,
            body,
        )

    def html_long(self) -> SafeString:
        return self.html(long=True)


@dataclass
class Day:
    day: date
    in_month: bool
    today: bool
    chips: list[Chip] = field(default_factory=list)
    more: int = 0
    conflicts: int = 0
    blackout: str = ""
    url: str = ""


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _grid(view: str, anchor: date) -> tuple[date, date, str]:
    """First and last day shown, and the title."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=6)
        return first, last, f"Week {first.isocalendar()[1]}, {first:%d %b} {DASH} {last:%d %b %Y}"
    start = anchor.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    first = start - timedelta(days=start.weekday())
    last = following - timedelta(days=1)
    last += timedelta(days=6 - last.weekday())
    return first, last, f"{start:%B %Y}"


def _moves(view: str, anchor: date) -> tuple[date, date]:
    if view == "week":
        return anchor - timedelta(days=7), anchor + timedelta(days=7)
    start = anchor.replace(day=1)
    previous = (start - timedelta(days=1)).replace(day=1)
    return previous, (start + timedelta(days=32)).replace(day=1)


def _days(
    entries: list[queries.Entry], first: date, last: date, anchor: date, view: str, link: Any
) -> list[Day]:
    today = timezone.localdate()
    days = {}
    day = first
    while day <= last:
        days[day] = Day(day, view == "week" or day.month == anchor.month, day == today)
        days[day].url = link(view="week", date=day.isoformat())
        day += timedelta(days=1)
    # Each day's start as an instant: an entry's days by bisection, no time zone
    # conversion per entry (a month has thousands).
    slots = list(days.values())
    bounds = [_aware(slot.day).astimezone(UTC) for slot in slots]
    bounds.append(_aware(last + timedelta(days=1)).astimezone(UTC))
    for entry in entries:
        first_day = max(bisect_right(bounds, entry.starts_at) - 1, 0)
        last_day = min(bisect_left(bounds, entry.ends_at) - 1, len(slots) - 1)
        for index in range(first_day, last_day + 1):
            slot = slots[index]
            starts_today = entry.starts_at >= bounds[index]
            ends_today = entry.ends_at <= bounds[index + 1]
            slot.chips.append(Chip(entry, slot.day, starts_today, ends_today))
            if entry.blackout and not slot.blackout:
                slot.blackout = entry.title
    for slot in days.values():
        slot.conflicts = sum(1 for chip in slot.chips if chip.entry.has_conflicts)
        if view == "month" and len(slot.chips) > DAY_LIMIT:
            # Conflicts first, so a busy day never hides them.
            slot.chips.sort(key=lambda chip: (not chip.entry.has_conflicts, chip.entry.starts_at))
            slot.more = len(slot.chips) - DAY_LIMIT
            slot.chips = sorted(slot.chips[:DAY_LIMIT], key=lambda chip: chip.entry.starts_at)
    return list(days.values())


class ChangeCalendarView(StewardPageMixin, TemplateView):
    """The forward schedule: changes and planned events by day, conflicts marked."""

    permission = queries.VIEW
    template_name = "changes/calendar.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = CalendarFilterForm(self.request.GET or None, actor=self.actor)
        data = form.cleaned_data if form.is_valid() else {}
        view = data.get("view") or "month"
        anchor = data.get("date") or timezone.localdate()
        chosen = {
            "service": data.get("service"),
            "ci": data.get("ci"),
            "group": data.get("group"),
        }
        kept = {name: value.pk for name, value in chosen.items() if value is not None}

        def link(**changed: Any) -> str:
            query = {"view": view, "date": anchor.isoformat(), **kept, **changed}
            return f"{self.request.path}?{urlencode(query)}"

        first, last, title = _grid(view, anchor)
        entries = queries.calendar_entries(
            start=_aware(first),
            end=_aware(last + timedelta(days=1)),
            service_id=kept.get("service"),
            ci_id=kept.get("ci"),
            group_id=kept.get("group"),
        )
        days = _days(entries, first, last, anchor, view, link)
        previous, following = _moves(view, anchor)
        context.update(
            title="Change calendar",
            period=title,
            view=view,
            form=form,
            days=days,
            weeks=[days[i : i + 7] for i in range(0, len(days), 7)],
            weekdays=WEEKDAYS,
            conflicting=sum(1 for e in entries if e.has_conflicts),
            changes_shown=sum(1 for e in entries if e.is_change),
            previous_url=link(date=previous.isoformat()),
            next_url=link(date=following.isoformat()),
            today_url=link(date=timezone.localdate().isoformat()),
            month_url=link(view="month"),
            week_url=link(view="week"),
            may_plan=self.has(svc.CHANGE),
        )
        return context

    def has(self, permission: str) -> bool:
        from steward.core import permissions

        return permissions.has(self.actor, permission)


# --- planned events ----------------------------------------------------------------------


def _when(event: PlannedEvent) -> str:
    start = timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")
    end = timezone.localtime(event.ends_at).strftime("%Y-%m-%d %H:%M")
    return f"{start} {DASH} {end}"


def _concerns(event: PlannedEvent) -> str:
    if event.everywhere:
        return "Every service and CI"
    names = [s.name for s in event.services.all()] + [c.name for c in event.cis.all()]
    return ", ".join(names)


class PlannedEventListView(RecordListView):
    permission = queries.VIEW
    title = "Planned events"
    query = queries.planned_events_for
    filterset_class = PlannedEventFilterSet
    default_sort = "starts_at"
    primary_filters = ("q", "kind", "cancelled")
    create_url_name = "changes:planned-event-create"
    create_permission = svc.CHANGE
    create_label = "New planned event"
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("title", "Title", sort="title", link=True),
        Column("kind", "Kind", value=lambda e: e.get_kind_display(), sort="kind"),
        Column("when", "When", value=_when, sort="starts_at", classes="nowrap"),
        Column("concerns", "Concerns", value=_concerns, classes="hide-sm"),
        Column("cancelled", "Cancelled", value=lambda e: "Cancelled" if e.is_cancelled else ""),
    )


class PlannedEventDetailView(RecordDetailView):
    permission = queries.VIEW
    template_name = "changes/planned_event_detail.html"
    query_one = queries.planned_event_for
    list_url_name = "changes:planned-event-list"
    status_field = None

    def get_title(self, obj: PlannedEvent) -> str:
        return obj.title

    def get_fields(self, obj: PlannedEvent) -> list[Field]:
        return [
            Field("Kind", obj.get_kind_display()),
            Field("When", _when(obj)),
            Field("Concerns", _concerns(obj) or None),
            Field("State", "Cancelled" if obj.is_cancelled else "On the calendar"),
            Field("Planned by", obj.created_by.display_name if obj.created_by else None),
            Field("Description", obj.description, wide=True),
        ]

    def get_actions(self, obj: PlannedEvent) -> list[Any]:
        buttons = header_buttons(PLANNED_EVENT, self.actor, obj)
        return buttons

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        event = context["record"]
        context["panel"] = PLANNED_EVENT.panel(
            self.actor,
            event,
            failed=kwargs.get("failed_action", ""),
            form=kwargs.get("failed_form"),
        )
        from steward.core import permissions

        if permissions.has(self.actor, svc.CHANGE) and not event.is_cancelled:
            context["edit_url"] = reverse("changes:planned-event-edit", args=[event.pk])
        day = timezone.localtime(event.starts_at).date().isoformat()
        context["calendar_url"] = reverse("changes:calendar") + f"?view=week&date={day}"
        return context


class PlannedEventCreateView(ServiceFormView):
    permission = svc.CHANGE
    form_class = PlannedEventForm
    cancel_url = reverse_lazy("changes:planned-event-list")
    title = "New planned event"
    submit_label = "Put on the calendar"
    success_message = "Planned event saved."

    def get_initial(self) -> dict[str, Any]:
        return {"kind": "maintenance"}

    def perform(self, form: forms.Form) -> Any:
        assert isinstance(form, PlannedEventForm)
        links = form.links()
        return svc.planned_event_create(
            actor=self.actor,
            **form.service_data(),
            service_ids=links["services"],
            ci_ids=links["cis"],
        )


class PlannedEventEditView(RecordEditView):
    permission = svc.CHANGE
    form_class = PlannedEventForm
    query_one = queries.planned_event_for
    success_message = "Planned event saved."

    def get_initial(self) -> dict[str, Any]:
        return event_initial(self.get_object())

    def perform(self, form: forms.Form) -> Any:
        assert isinstance(form, PlannedEventForm)
        return self.update_record(
            form,
            svc.planned_event_update,
            "planned_event_id",
            data={**form.service_data(), **form.links()},
        )


urlpatterns = [
    path("change-calendar/", ChangeCalendarView.as_view(), name="calendar"),
    *record_paths(
        "planned-events",
        "planned-event",
        list=PlannedEventListView,
        create=PlannedEventCreateView,
        detail=PlannedEventDetailView,
        edit=PlannedEventEditView,
    ),
    *action_urls(PLANNED_EVENT, page=PlannedEventDetailView),
]


# --- the change page's section ------------------------------------------------------------

# While planning and approving the conflicts matter most; any open change with a window
# shows them.
CONFLICT_STATUSES = OPEN_CHANGE_STATUSES


def conflicts_section(request: Any, change: Change) -> dict[str, Any]:
    """The change page's conflicts: the scheduled changes and planned events its window
    collides with (proc. 3: "the timing ... does not conflict"), with a link to the week
    of the calendar around it."""
    if change.status not in CONFLICT_STATUSES or not change.planned_start:
        return {"conflicts_shown": False}
    found = queries.conflicts_for_change(change)
    day = timezone.localtime(change.planned_start).date().isoformat()
    return {
        "conflicts_shown": True,
        "change_conflicts": found,
        "conflicts_calendar_url": reverse("changes:calendar") + f"?view=week&date={day}",
    }
