"""Pages: the Release Management KPIs (issue 16, "KPIs") and the release roadmap.

The KPI page: every figure of a period (default: the last 90 days) overall and per
service, charts drawn as SVG on the server (``core.charts``) with the tables as their text
alternative, every release count a link to the release list holding exactly what it
counted (``ReleaseFilterSet``), each table also as CSV (``?format=csv&table=<name>``).

The roadmap: the releases of each service on a time axis of months, a bar from the
planned start to the planned end of deployment (a diamond at the target date when there
is no window), coloured by status and linking to the release; today's line; the CAB
meetings as markers on their service's row. Server-side SVG (presentation attributes,
no inline style: the Content Security Policy) with a table of the same releases below.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.generic import TemplateView

from steward.core import charts, csvsafe
from steward.core.views.patterns import StewardPageMixin
from steward.releases.choices import CabOutcome, ReleaseStatus
from steward.releases.forms.kpis import ReleaseKpiPeriodForm, RoadmapForm
from steward.releases.queries import kpis as queries
from steward.releases.queries.releases import VIEW as RELEASE_VIEW

# --- The KPI page ----------------------------------------------------------------------------


def release_list_url(**filters: Any) -> str:
    """The release list holding exactly what a cell counted (``ReleaseFilterSet``)."""
    return f"{reverse('releases:release-list')}?{urlencode({'show': 'all', **filters})}"


def release_url(pk: int) -> str:
    return reverse("releases:release-detail", args=[pk])


def _iso(value: dt.datetime) -> str:
    return value.isoformat()


def _links(kpis: dict[str, Any], period: queries.Period, service_id: int | None) -> dict[str, Any]:
    """The link of each release count, keyed like the figures: per service and total."""
    start, end = _iso(period.start), _iso(period.end)
    delivered = {"delivered_after": start, "delivered_before": end, "is_backlog": "false"}
    registered = {"created_after": start, "created_before": end, "is_backlog": "false"}
    production = {"production_after": start, "production_before": end, "is_backlog": "false"}
    rolled = {"rolled_back_after": start, "rolled_back_before": end, "is_backlog": "false"}

    def scoped(where: dict[str, str], service: int | None) -> dict[str, Any]:
        return {**where, "service": service} if service else where

    def on_time_links(service: int | None) -> dict[str, str]:
        where = scoped(delivered, service)
        links = {"delivered": release_list_url(**where)}
        for key, _ in queries.PUNCTUALITY:
            links[key] = release_list_url(**where, on_time=key)
        return links

    def rollback_links(service: int | None) -> dict[str, str]:
        return {"rolled_back": release_list_url(**scoped(rolled, service)),
                "deployed": release_list_url(**scoped(production, service))}  # fmt: skip

    for row in kpis["on_time"]["services"]:
        row["links"] = on_time_links(row["service"])
    kpis["on_time"]["total"]["links"] = on_time_links(service_id)
    for row in kpis["rollbacks"]["services"]:
        row["links"] = rollback_links(row["service"])
    kpis["rollbacks"]["total"]["links"] = rollback_links(service_id)
    per = kpis["rfcs_per_release"]
    per["link"] = release_list_url(**scoped(registered, service_id))
    for row in per["services"]:
        row["link"] = release_list_url(**scoped(registered, row["service"]))
    for row in [*per["largest"], *[r for s in per["services"] for r in s["largest"]]]:
        row["url"] = release_url(row["id"])
    for row in kpis["backlog"]["services"]:
        row["url"] = release_url(row["release"])
    return kpis


CAB_LABELS = {CabOutcome.REJECTED: "Rejected", CabOutcome.INCLUDED: "Included",
              CabOutcome.BACKLOG: "Backlog"}  # fmt: skip


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:g} d"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:g}%"


def kpi_charts(kpis: dict[str, Any]) -> dict[str, Any]:
    """The page's charts, each bar's value written on it."""
    total = kpis["on_time"]["total"]
    rows = kpis["on_time"]["services"]
    per = kpis["rfcs_per_release"]
    lead = kpis["inclusion_to_production"]
    cab = kpis["cab_outcomes"]["total"]
    cases = kpis["business_cases"]
    return {
        "on_time_chart": charts.column_chart(
            [(label, total[key]) for key, label in queries.PUNCTUALITY],
            urls=[total["links"][key] for key, _ in queries.PUNCTUALITY],
        ),
        "on_time_service_chart": charts.hbar_chart(
            [(r["name"], r["rate"] or 0) for r in rows],
            text=[_pct(r["rate"]) for r in rows],
        ),
        "rfcs_chart": charts.hbar_chart(
            [(s["name"], s["mean"] or 0) for s in per["services"]],
            text=[f"{s['mean']:g}" for s in per["services"]],
        ),
        "lead_chart": charts.hbar_chart(
            [(s["name"], s["median_days"] or 0) for s in lead["services"]],
            text=[_days(s["median_days"]) for s in lead["services"]],
        ),
        "cab_chart": charts.column_chart([(CAB_LABELS[o], cab[o]) for o in CabOutcome]),
        "cases_chart": charts.column_chart(
            [(f"Round {r['round']}", r["rate"] or 0) for r in cases["rounds"]],
            text=[f"{_pct(r['rate'])} of {r['decided']}" for r in cases["rounds"]],
            top=100,
        ),
        "backlog_chart": charts.hbar_chart(
            [(s["name"], s["rfcs"]) for s in kpis["backlog"]["services"]],
            urls=[s["url"] for s in kpis["backlog"]["services"]],
        ),
    }


def csv_tables(kpis: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Each table of the page as (header, rows) for ``?format=csv&table=<name>``."""
    keys = ["delivered", queries.ON_TIME, queries.LATE, queries.NO_TARGET, "rate"]
    per = kpis["rfcs_per_release"]
    lead = kpis["inclusion_to_production"]
    summary = ["count", "median_days", "mean_days", "p90_days"]
    roll = ["rollbacks", "rolled_back", "deployed", "share"]
    outcomes = [o.value for o in CabOutcome]
    every = "Every service"
    return {
        "on-time": (["service", *keys],
                    [[r["name"], *[r[k] for k in keys]] for r in kpis["on_time"]["services"]]
                    + [[every, *[kpis["on_time"]["total"][k] for k in keys]]]),
        "rfcs-per-release": (["service", "releases", "rfcs", "median", "mean", "max", "largest"],
                             [[r["name"], r["releases"], r["rfcs"], r["median"], r["mean"],
                               r["max"], " ".join(x["number"] for x in r["largest"])]
                              for r in [*per["services"], {**per, "name": every}]]),
        "largest-releases": (["release", "title", "service", "rfcs"],
                             [[r["number"], r["title"], r["service"], r["rfcs"]]
                              for r in per["largest"]]),
        "inclusion-to-production": (["service", *summary],
                                    [[r["name"], *[r[k] for k in summary]]
                                     for r in [*lead["services"], {**lead, "name": every}]]),
        "rollbacks": (["service", *roll],
                      [[r["name"], *[r[k] for k in roll]] for r in kpis["rollbacks"]["services"]]
                      + [[every, *[kpis["rollbacks"]["total"][k] for k in roll]]]),
        "business-cases": (["round", "decided", "approved", "rate"],
                           [[r["round"], r["decided"], r["approved"], r["rate"]]
                            for r in kpis["business_cases"]["rounds"]]),
        "cab-outcomes": (["service", "meetings", *outcomes, "decided"],
                         [[r["name"], r["meetings"], *[r[o] for o in outcomes], r["decided"]]
                          for r in kpis["cab_outcomes"]["services"]]),
        "backlog": (["service", "backlog_release", "rfcs"],
                    [[r["name"], r["number"], r["rfcs"]] for r in kpis["backlog"]["services"]]),
    }  # fmt: skip


def _csv(filename: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csvsafe.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _text(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def period_from(form: ReleaseKpiPeriodForm) -> queries.Period | None:
    """The period the form asks for (default: the last 90 days); None with the form's
    errors."""
    if form.is_bound and not form.is_valid():
        return None
    data = form.cleaned_data if form.is_bound else {}
    try:
        return queries.period_for(
            data.get("period") or queries.LAST_90, data.get("start"), data.get("end")
        )
    except ValidationError as error:
        names = {"from": "start", "to": "end"}
        for name, messages in error.message_dict.items():
            target = names.get(name, name)
            form.add_error(target if target in form.fields else None, messages)
        return None


class ReleaseKpisView(StewardPageMixin, TemplateView):
    """The Release Management KPIs of a period (default: the last 90 days)."""

    permission = queries.VIEW
    template_name = "releases/kpis.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        params = request.GET.copy()
        wanted = params.pop("format", [""])[-1]
        table = params.pop("table", [""])[-1]
        form = ReleaseKpiPeriodForm(params or None, actor=self.actor)
        period = period_from(form)
        if period is None:
            if wanted == "csv":
                return _text(400, "; ".join(m for e in form.errors.values() for m in e))
            return self.render_to_response(self.get_context_data(form=form, kpis=None), status=400)
        service = form.cleaned_data.get("service") if form.is_bound else None
        service_id = service.pk if service else None
        kpis = queries.release_kpis(self.actor, period, service_id)
        if wanted == "csv":
            tables = csv_tables(kpis)
            if table not in tables:
                return _text(400, "Choose a table: " + ", ".join(tables) + ".")
            return _csv(f"releases-{table}-{period.first:%Y-%m-%d}", *tables[table])
        kpis = _links(kpis, period, service_id)
        query = urlencode({k: v for k, v in params.items() if k in form.fields})
        context = self.get_context_data(
            form=form, kpis=kpis, period=period, service=service, csv_query=query,
            **kpi_charts(kpis),
        )  # fmt: skip
        return self.render_to_response(context)


# --- The roadmap -------------------------------------------------------------------------

LABEL_W, PLOT_W, HEAD_H = 150, 900, 34
LANE_H, MEETING_H, ROW_GAP, CHAR_W = 34, 20, 8, 6.2
COLOURS = {  # mid tones, readable on the light and the dark background
    ReleaseStatus.REGISTERED: "#7c8594",
    ReleaseStatus.JUSTIFICATION: "#d08a12",
    ReleaseStatus.COORDINATION: "#2f6fdf",
    ReleaseStatus.REVIEW: "#8b5cf6",
    ReleaseStatus.CLOSED: "#1f9d6b",
    ReleaseStatus.ABANDONED: "#d64545",
}
TODAY_COLOUR = "#d64545"
MEETING_COLOUR = "#0e9aa7"


def meeting_url(meeting: Any) -> str:
    """The meeting's page (the CABs topic's), or "" while it has none."""
    try:
        return meeting.get_absolute_url()
    except NoReverseMatch:
        return ""


@dataclass
class Mark:
    """One release on the picture: a bar (``width`` > 0) or a diamond at ``x``."""

    release: Any
    x: float
    width: float
    label: str
    colour: str
    url: str
    window: str
    target_x: float | None = None
    y: float = 0

    @property
    def extent(self) -> tuple[float, float]:
        """The pixels it takes on its lane: the bar or diamond and its label."""
        start = self.x - (0 if self.width else 7)
        return start, max(self.x + self.width, start + len(self.label) * CHAR_W + 14)

    @property
    def diamond(self) -> str:
        y = self.y + 22
        return (
            f"{self.x:.1f},{y - 7} {self.x + 7:.1f},{y} {self.x:.1f},{y + 7} {self.x - 7:.1f},{y}"
        )

    @property
    def target_diamond(self) -> str:
        x, y = self.target_x or 0, self.y + 22
        return f"{x:.1f},{y - 5} {x + 5:.1f},{y} {x:.1f},{y + 5} {x - 5:.1f},{y}"


@dataclass
class Row:
    service: Any
    y: float = 0
    height: float = 0
    lanes: list[list[Mark]] = field(default_factory=list)
    meetings: list[dict[str, Any]] = field(default_factory=list)


def _window_text(release: Any) -> str:
    def day(value: Any) -> str:
        return f"{timezone.localtime(value):%Y-%m-%d}"

    if release.planned_start:
        text = day(release.planned_start)
        if release.planned_end:
            text += f" to {day(release.planned_end)}"
        return text + (f" (target {day(release.target_date)})" if release.target_date else "")
    return f"target {day(release.target_date)}"


def roadmap_picture(data: dict[str, Any]) -> dict[str, Any]:
    """The geometry of the roadmap: months, rows per service with their lanes (releases
    packed so that neither bars nor labels overlap), meetings, today's line."""
    window = data["window"]
    span = (window.end - window.start).total_seconds()

    def x(moment: dt.datetime) -> float:
        moment = min(max(moment, window.start), window.end)
        return LABEL_W + (moment - window.start).total_seconds() / span * PLOT_W

    rows: dict[int, Row] = {}
    marks: list[tuple[Row, Mark]] = []
    for release in data["releases"]:
        row = rows.setdefault(release.service_id, Row(service=release.service))
        start = release.planned_start
        if start and release.planned_end and release.planned_end > start:
            left, width = x(start), max(x(release.planned_end) - x(start), 3)
        else:
            left, width = x(start or release.target_date), 0
        target = release.target_date
        mark = Mark(
            release=release, x=left, width=width,
            label=f"{release.number} {release.title}"[:60],
            colour=COLOURS.get(release.status, COLOURS[ReleaseStatus.REGISTERED]),
            url=release_url(release.pk), window=_window_text(release),
            target_x=x(target) if width and target and window.start <= target < window.end
            else None,
        )  # fmt: skip
        marks.append((row, mark))
    # Left to right, each into the first lane it fits (bar and label): the fewest lanes.
    for row, mark in sorted(marks, key=lambda m: (m[1].extent[0], m[1].release.number)):
        lane = next((lane for lane in row.lanes if lane[-1].extent[1] + 8 <= mark.extent[0]), None)
        if lane is None:
            row.lanes.append([mark])
        else:
            lane.append(mark)
    for meeting in data["meetings"]:
        service = meeting.cab.service
        row = rows.setdefault(service.pk, Row(service=service))
        row.meetings.append({"meeting": meeting, "x": x(meeting.starts_at),
                             "url": meeting_url(meeting),
                             "text": f"{meeting.number} {meeting.cab.name}, "
                                     f"{timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M}"})  # fmt: skip
    y = HEAD_H
    ordered = sorted(rows.values(), key=lambda r: (r.service.name, r.service.pk))
    for row in ordered:
        row.y = y
        top = y + (MEETING_H if row.meetings else 4)
        for n, lane in enumerate(row.lanes):
            for mark in lane:
                mark.y = top + n * LANE_H
        for m in row.meetings:
            m["y"] = y + MEETING_H / 2 + 2
        row.height = (top - y) + len(row.lanes) * LANE_H + ROW_GAP
        y += row.height
    edges = [x(timezone.make_aware(dt.datetime.combine(first, dt.time.min)))
             for first in window.months] + [LABEL_W + PLOT_W]  # fmt: skip
    months = [
        {"x": edges[n], "width": edges[n + 1] - edges[n], "label": f"{first:%b %Y}",
         "shade": n % 2 == 0}
        for n, first in enumerate(window.months)
    ]  # fmt: skip
    now = timezone.now()
    return {
        "width": LABEL_W + PLOT_W + 10,
        "height": max(y, HEAD_H + 40) + 4,
        "label_w": LABEL_W,
        "plot_end": LABEL_W + PLOT_W,
        "months": months,
        "rows": ordered,
        "today_x": x(now) if window.start <= now < window.end else None,
        "legend": [(label, COLOURS[value]) for value, label in ReleaseStatus.choices
                   if value in COLOURS and value != ReleaseStatus.ABANDONED],
        "meeting_colour": MEETING_COLOUR,
        "today_colour": TODAY_COLOUR,
    }  # fmt: skip


class RoadmapView(StewardPageMixin, TemplateView):
    """The release roadmap: the releases per service on a time axis, with a table."""

    permission = RELEASE_VIEW
    template_name = "releases/kpis_roadmap.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = RoadmapForm(request.GET or None, actor=self.actor)
        if form.is_bound and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, picture=None),
                                           status=400)  # fmt: skip
        data = form.cleaned_data if form.is_bound else {}
        behind = queries.BEHIND if data.get("behind") is None else data["behind"]
        ahead = data.get("ahead") or queries.AHEAD
        service = data.get("service")
        window = queries.roadmap_window(behind, ahead)
        found = queries.roadmap(self.actor, window, service.pk if service else None)
        picture = roadmap_picture(found)
        marks = [m for row in picture["rows"] for lane in row.lanes for m in lane]
        marks.sort(key=lambda m: (m.release.service.name, m.x, m.release.number))
        context = self.get_context_data(
            form=form, picture=picture, marks=marks, window=window, service=service,
            meetings=found["meetings"],
        )  # fmt: skip
        return self.render_to_response(context)


urlpatterns = [
    path("releases/roadmap/", RoadmapView.as_view(), name="roadmap"),
    path("releases/kpis/", ReleaseKpisView.as_view(), name="kpis"),
]
