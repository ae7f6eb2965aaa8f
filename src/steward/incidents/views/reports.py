"""Incident reports (IRP): the overview (KPIs and the weekly picture of criticality and
frequency), the group coordinator's daily review list and the aging report; each exports
CSV (``?format=csv``). Subscribing to the weekly email is a toggle on the overview."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView

from steward.core import charts, csvsafe
from steward.core.choices import Priority
from steward.core.ids import parse_id
from steward.core.views.patterns import StewardPageMixin
from steward.incidents import reports
from steward.incidents.forms import PeriodForm, SubscribeForm
from steward.incidents.services import reporting as report_svc

PERMISSION = "incidents.report.view"
EVERY_STATUS = {"open": "all"}  # the list's filter for "whatever their status now"
OPEN_ONLY = {"open": "true"}


def list_url(**filters: Any) -> str:
    """The request list holding exactly what a bar or cell counted (``IncidentFilterSet``)."""
    return f"{reverse('incidents:incident-list')}?{urlencode(filters, doseq=True)}"


def _week_charts(week: dict[str, Any]) -> dict[str, charts.Chart]:
    """The week's charts, each bar a link to the requests it counts."""
    registered = {**week["period"].filters(), **EVERY_STATUS}
    priorities = [value for value, _ in Priority.choices]

    def top(rows: list[tuple[str, int, Any]], name: str) -> charts.Chart:
        return charts.hbar_chart(
            [(label, n) for label, n, _ in rows],
            urls=[list_url(**registered, **{name: pk}) for _, _, pk in rows],
        )

    return {
        "priority_chart": charts.hbar_chart(
            [(label, n) for label, n, _ in week["by_priority"]],
            label_width=120,
            urls=[list_url(**registered, priority=value) for value in priorities],
        ),
        "service_chart": top(week["by_service"], "service"),
        "ci_chart": top(week["by_ci"], "ci"),
        "category_chart": top(week["by_category"], "category"),
        "day_chart": charts.column_chart(
            week["per_day"],
            urls=[list_url(**day.filters(), **EVERY_STATUS) for day in week["days"]],
        ),
    }


def _aging_links(data: dict[str, Any]) -> dict[str, Any]:
    """Each aging cell with the link to the open requests it counts."""
    buckets = {b: reports.age_filters(p) for b, p in data["periods"].items()}
    rows = []
    for row in data["requests"]:
        where = {"priority": row.priority_value, **OPEN_ONLY}
        where.update({"support_group": row.group_id} if row.group_id else {"no_group": "true"})
        rows.append({
            "row": row,
            "cells": [(b, row.buckets[b], list_url(**where, **buckets[b])) for b in data["buckets"]],
            "url": list_url(**where),
        })  # fmt: skip
    totals = [(data["totals"][b], list_url(**OPEN_ONLY, **buckets[b])) for b in data["buckets"]]
    chart = charts.column_chart(
        [(b, data["totals"][b]) for b in data["buckets"]], urls=[url for _, url in totals]
    )
    return {"request_rows": rows, "total_cells": totals, "chart": chart}


def _period(request: HttpRequest) -> tuple[PeriodForm, reports.Period | None]:
    """The week asked for (default: the last full one); None when the date given is not
    one, so that the page shows the error and no figures instead of another week's."""
    form = PeriodForm(request.GET or None)
    if not form.is_bound:
        return form, reports.last_full_week()
    if not form.is_valid():
        return form, None
    if not form.cleaned_data.get("week"):
        return form, reports.last_full_week()
    try:
        period = reports.week_of(form.cleaned_data["week"])
        period.previous()
    except OverflowError:
        form.add_error("week", "Choose a date between the years 2 and 9998.")
        return form, None
    return form, period


def _csv(filename: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csvsafe.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


class ReportsView(StewardPageMixin, TemplateView):
    """KPIs and the weekly criticality/frequency picture for one week."""

    permission = PERMISSION
    template_name = "incidents/reports.html"
    form_class = SubscribeForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form, period = _period(request)
        if period is None:
            if request.GET.get("format") == "csv":
                errors = "; ".join(m for e in form.errors.values() for m in e)
                return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
            context = self.get_context_data(form=form, week=None, kpis=None)
            return self.render_to_response(context)
        week = reports.weekly(self.actor, period)
        kpis = reports.kpis(self.actor, period)
        kpis["deflections"] = reports.deflections(self.actor, period)
        spent = reports.time_spent(self.actor, period)
        if request.GET.get("format") == "csv":
            rows = [["priority", label, now, before] for label, now, before in week["by_priority"]]
            rows += [["service", name, n, ""] for name, n, _ in week["by_service"]]
            rows += [["ci", name, n, ""] for name, n, _ in week["by_ci"]]
            rows += [["category", name, n, ""] for name, n, _ in week["by_category"]]
            rows += [["mttr_hours", label, hours, count] for label, count, hours in kpis["mttr"]]
            rows += [["sla_" + label.lower(), f"{met}/{total}", percent, ""]
                     for label, met, total, percent in kpis["sla_compliance"]]  # fmt: skip
            rows.append(["first_contact_percent", "", kpis["first_contact_percent"], ""])
            rows.append(["deflections", "", kpis["deflections"], ""])
            rows += [["time_minutes_group", name, m, ""] for name, m in spent["by_group"]]
            rows += [["time_minutes_person", name, m, ""] for name, m in spent["by_person"]]
            start = timezone.localtime(period.start).date()
            return _csv(f"incidents-week-{start:%Y-%m-%d}", ["measure", "item", "value", "previous"],
                        rows)  # fmt: skip
        context = self.get_context_data(
            form=form,
            week=week,
            kpis=kpis,
            **_week_charts(week),
            subscribed=hasattr(self.actor, "incident_report_subscription"),
            spent=spent,
            spent_group_chart=charts.hbar_chart(
                [(name, round(m / 60, 1)) for name, m in spent["by_group"]]
            ),
            spent_person_chart=charts.hbar_chart(
                [(name, round(m / 60, 1)) for name, m in spent["by_person"]]
            ),
        )
        return self.render_to_response(context)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Subscribe to / unsubscribe from the weekly email."""
        form = SubscribeForm(request.POST, actor=self.actor)
        if not form.is_valid():
            messages.error(request, " ".join(m for e in form.errors.values() for m in e))
            return HttpResponseRedirect(reverse("incidents:reports"))
        subscribe = form.cleaned_data["subscribe"] == "1"
        report_svc.report_subscription_set(actor=self.actor, subscribed=subscribe)
        messages.success(
            request,
            "You will receive the weekly incident report every Monday."
            if subscribe
            else "You will no longer receive the weekly incident report.",
        )
        return HttpResponseRedirect(reverse("incidents:reports"))


class DailyReviewView(StewardPageMixin, TemplateView):
    permission = PERMISSION
    template_name = "incidents/report_daily_review.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        groups = reports.coordinated_groups(self.actor)
        wanted = parse_id(request.GET.get("group"))
        if wanted is not None:
            groups = [g for g in groups if g.pk == wanted] or groups
        sections = reports.daily_review(self.actor, groups=groups, groupless=wanted is None)
        if request.GET.get("format") == "csv":
            rows = []
            for section in sections:
                for row in section.rows:
                    incident = getattr(row, "incident", row)
                    rows.append([section.title, incident.number, str(row), incident.priority,
                                 incident.support_group.name if incident.support_group_id else "",
                                 getattr(row, "assignee", None) or ""])  # fmt: skip
            return _csv(f"daily-review-{timezone.localdate():%Y-%m-%d}",
                        ["section", "number", "title", "priority", "group", "assignee"], rows)  # fmt: skip
        return self.render_to_response(
            self.get_context_data(
                sections=sections,
                groups=reports.coordinated_groups(self.actor),
                chosen=int(wanted) if wanted and wanted.isdigit() else None,
                today=timezone.localdate(),
            )
        )


class AgingView(StewardPageMixin, TemplateView):
    permission = PERMISSION
    template_name = "incidents/report_aging.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        data = reports.aging(self.actor)
        if request.GET.get("format") == "csv":
            rows = [["request", r.group, r.priority, *[r.buckets[b] for b in data["buckets"]], r.total]
                    for r in data["requests"]]  # fmt: skip
            rows += [["action", r.group, "", *[r.buckets[b] for b in data["buckets"]], r.total]
                     for r in data["actions"]]  # fmt: skip
            return _csv(f"aging-{timezone.localdate():%Y-%m-%d}",
                        ["kind", "group", "priority", *data["buckets"], "total"], rows)  # fmt: skip
        return self.render_to_response(self.get_context_data(aging=data, **_aging_links(data)))


urlpatterns = [
    path("incidents/reports/", ReportsView.as_view(), name="reports"),
    path("incidents/reports/daily-review/", DailyReviewView.as_view(), name="report-daily-review"),
    path("incidents/reports/aging/", AgingView.as_view(), name="report-aging"),
]
