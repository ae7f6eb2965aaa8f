"""Pages: the Change Management KPIs (per week or month, with charts drawn as SVG on the
server) and the change page's "Caused incidents" section (``views/sections.py``)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.generic import TemplateView

from steward.changes.choices import OPEN_CHANGE_STATUSES, ChangeStatus
from steward.changes.forms.kpis import PeriodForm
from steward.changes.models import Change
from steward.changes.queries import kpis as queries
from steward.changes.services import kpis as svc
from steward.core import charts
from steward.core.views.patterns import StewardPageMixin
from steward.incidents.queries.incidents import incidents_for

STATUS_LABELS = dict(ChangeStatus.choices)


def _short(label: str) -> str:
    """A column's label: "W11" for 2026-W11, "Mar" for 2026-03 ("Jan 27" for a January)."""
    if "-W" in label:
        return "W" + label.rsplit("-W", 1)[1]
    year, month = label.split("-")
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    name = names[int(month) - 1]
    return f"{name} {year[2:]}" if month == "01" else name


def _percent_chart(rows: list[dict[str, Any]], name: str) -> charts.Chart:
    return charts.column_chart(
        [(_short(r["label"]), float(r[name] or 0)) for r in rows],
        text=[f"{r[name]:.0f}%" if r[name] is not None else "-" for r in rows],
        top=100,
    )


def _count_chart(rows: list[dict[str, Any]], name: str) -> charts.Chart:
    return charts.column_chart(
        [(_short(r["label"]), float(r[name] or 0)) for r in rows],
        text=[f"{r[name]:g}" if r[name] is not None else "-" for r in rows],
    )


def kpi_charts(kpis: queries.Kpis) -> dict[str, Any]:
    """The page's charts: one column per period for each KPI, and the last period's
    backlog per status as bars."""
    rows = kpis.periods
    current = kpis.current or {"backlog": {}}
    return {
        "success_chart": _percent_chart(rows, "success_rate"),
        "emergency_chart": _percent_chart(rows, "emergency_ratio"),
        "caused_chart": _count_chart(rows, "caused_incidents"),
        "lead_chart": _count_chart(rows, "approval_median_hours"),
        "backlog_chart": _count_chart(rows, "backlog_total"),
        "backlog_states_chart": charts.hbar_chart(
            [(str(STATUS_LABELS[s]), current["backlog"].get(s, 0)) for s in OPEN_CHANGE_STATUSES]
        ),
    }


def _tiles(kpis: queries.Kpis) -> list[dict[str, Any]]:
    """The last period's figures against the one before, worded."""
    spec = [
        ("success_rate", "Change success rate", "%", True),
        ("emergency_ratio", "Emergency changes", "%", False),
        ("caused_incidents", "Changes that caused incidents", "", False),
        ("approval_median_hours", "Approval lead time (median)", " h", False),
        ("approval_p90_hours", "Approval lead time (90th percentile)", " h", False),
        ("backlog_total", "Open changes", "", False),
    ]
    tiles = []
    for name, label, unit, up_is_good in spec:
        trend = kpis.trend(name)
        word = {"up": "up", "down": "down", "same": "the same as"}.get(trend["direction"] or "")
        good = None
        if trend["direction"] in ("up", "down"):
            good = (trend["direction"] == "up") == up_is_good
        tiles.append(
            {
                "label": label,
                "value": None if trend["current"] is None else f"{trend['current']:g}{unit}",
                "trend": f"{word} from {trend['previous']:g}{unit}" if word else "",
                "good": good,
            }
        )
    return tiles


class ChangeKpisView(StewardPageMixin, TemplateView):
    """The KPIs of the changes the viewer may see, per week or month (default: the last
    12 months), of every service or one."""

    permission = queries.VIEW
    template_name = "changes/kpis.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = PeriodForm(request.GET or None, actor=self.actor)
        kpis = None
        if not form.is_bound or form.is_valid():
            data = form.cleaned_data if form.is_bound else {}
            service = data.get("service")
            try:
                periods = queries.periods_between(
                    data.get("period") or queries.MONTH, data.get("start"), data.get("end")
                )
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, messages)
            else:
                kpis = queries.change_kpis(
                    self.actor, periods, service_id=service.pk if service else None
                )
        context = self.get_context_data(form=form, kpis=kpis)
        if kpis is not None:
            context.update(kpi_charts(kpis), tiles=_tiles(kpis), statuses=OPEN_CHANGE_STATUSES)
        return self.render_to_response(context, status=200 if kpis is not None else 400)


urlpatterns = [path("changes/kpis/", ChangeKpisView.as_view(), name="kpis")]


def caused_incidents_section(request: Any, change: Change) -> dict[str, Any]:
    """The change page's "Caused incidents" section: the incident requests recorded as
    caused by the change (those the viewer may see), and whether they may take one back."""
    actor = request.user
    caused = list(
        incidents_for(actor).filter(caused_by_changes=change).order_by("-created_at", "-pk")
    )
    return {
        "caused_incidents": caused,
        "caused_may_remove": bool(caused) and svc.may_record(actor, change),
    }
