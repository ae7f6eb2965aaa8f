"""Pages: the Problem Management reports and KPIs (issue 15), charts drawn as SVG on the
server (``core.charts``), every count a link to the list of what it counts where a list
can show it, each table also as CSV (``?format=csv&table=<name>``)."""

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.views.generic import TemplateView

from steward.core import charts, csvsafe
from steward.core.views.patterns import StewardPageMixin
from steward.problems.forms.kpis import ProblemKpiPeriodForm
from steward.problems.queries import kpis as queries


def problem_list_url(**filters: Any) -> str:
    """The problem list holding exactly what a cell counted (``ProblemFilterSet``)."""
    return f"{reverse('problems:problem-list')}?{urlencode(filters)}"


def problem_url(pk: int) -> str:
    return reverse("problems:problem-detail", args=[pk])


def _age_links(data: dict[str, Any]) -> dict[str, Any]:
    """Each open-problems cell (service x age) with the link to the problems it counts."""
    bounds = []
    for _, after, before in data["bounds"]:
        where = {"created_before": before.isoformat()}
        if after is not None:
            where["created_after"] = after.isoformat()
        bounds.append(where)
    rows = []
    for s in data["services"]:
        base = {"show": "open", "service": s["service"]}
        cells = [
            (data["buckets"][i], n, problem_list_url(**base, **bounds[i]))
            for i, n in enumerate(s["counts"])
        ]
        every = {"created_before": data["at"].isoformat()}
        rows.append({**s, "cells": cells, "url": problem_list_url(**base, **every)})
    totals = [(n, problem_list_url(show="open", **bounds[i])) for i, n in enumerate(data["totals"])]
    chart = charts.column_chart(
        list(zip(data["buckets"], data["totals"], strict=True)), urls=[u for _, u in totals]
    )
    return {"age_rows": rows, "age_totals": totals, "age_chart": chart}


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:g} d"


def kpi_charts(kpis: dict[str, Any]) -> dict[str, Any]:
    """The page's charts besides the age one: each bar's value written on it."""
    per = kpis["incidents_per_problem"]
    rca = kpis["time_to_root_cause"]
    top = kpis["top_causes"]
    return {
        "distribution_chart": charts.column_chart(
            [(f"{d['label']} incidents", d["problems"]) for d in per["distribution"]]
        ),
        "top_problems_chart": charts.hbar_chart(
            [(f"{p['number']} {p['title']}", p["incidents"]) for p in per["top"]],
            urls=[problem_url(p["id"]) for p in per["top"]],
        ),
        "rca_month_chart": charts.column_chart(
            [(m["month"], m["median_days"] or 0) for m in rca["months"]],
            text=[_days(m["median_days"]) for m in rca["months"]],
        ),
        "rca_service_chart": charts.hbar_chart(
            [(s["service"], s["median_days"] or 0) for s in rca["services"]],
            text=[_days(s["median_days"]) for s in rca["services"]],
        ),
        "causes_chart": charts.hbar_chart(
            [(f"{c['number']} {c['title']}", c["weight"]) for c in top["causes"]],
            text=[f"{c['weight']} ({c['incidents']} inc.)" for c in top["causes"]],
            urls=[problem_url(c["id"]) for c in top["causes"]],
        ),
        "categories_chart": charts.hbar_chart(
            [(c["name"], c["weight"]) for c in top["categories"]],
            text=[f"{c['weight']} ({c['incidents']} inc.)" for c in top["categories"]],
        ),
    }


def csv_tables(kpis: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Each table of the page as (header, rows) for ``?format=csv&table=<name>``."""
    age = kpis["open_by_age"]
    per = kpis["incidents_per_problem"]
    rca = kpis["time_to_root_cause"]
    summary = ["count", "median_days", "mean_days", "p90_days"]
    return {
        "open-by-age": (["service", *age["buckets"], "total"],
                        [[s["name"], *s["counts"], s["total"]] for s in age["services"]]),
        "incidents-per-problem": (["problem", "title", "service", "status", "incidents"],
                                  [[p["number"], p["title"], p["service"], p["status"],
                                    p["incidents"]] for p in per["top"]]),
        "time-to-root-cause": (["service or month", *summary],
                               [[r["service"], *[r[k] for k in summary]] for r in rca["services"]]
                               + [[r["month"], *[r[k] for k in summary]] for r in rca["months"]]),
        "known-errors-without-change": (
            ["known error", "title", "service", "problem", "rfc", "age_days"],
            [[k["number"], k["title"], k["service"], k["problem_number"], k["rfc"] or "",
              k["age_days"]] for k in kpis["known_errors_without_change"]["known_errors"]]),
        "recurrence": (["problem", "title", "service", "closed_at", "relinked", "same_kind"],
                       [[r["number"], r["title"], r["service"], r["closed_at"].isoformat(),
                         r["relinked"], r["same_kind"]] for r in kpis["recurrence"]["problems"]]),
        "top-causes": (["problem", "title", "service", "root_cause", "known_errors", "incidents",
                        "weight"],
                       [[c["number"], c["title"], c["service"], c["root_cause"],
                         " ".join(c["known_errors"]), c["incidents"], c["weight"]]
                        for c in kpis["top_causes"]["causes"]]),
        "unexplained-categories": (["category", "incidents", "weight"],
                                   [[c["name"], c["incidents"], c["weight"]]
                                    for c in kpis["top_causes"]["categories"]]),
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


def period_from(form: ProblemKpiPeriodForm) -> queries.Period | None:
    """The period the form asks for (default: this quarter); None with the form's errors."""
    if form.is_bound and not form.is_valid():
        return None
    data = form.cleaned_data if form.is_bound else {}
    try:
        return queries.period_for(
            data.get("period") or queries.QUARTER, data.get("start"), data.get("end")
        )
    except ValidationError as error:
        names = {"from": "start", "to": "end"}
        for name, messages in error.message_dict.items():
            form.add_error(names.get(name, name) if names.get(name, name) in form.fields
                           else None, messages)  # fmt: skip
        return None


class ProblemKpisView(StewardPageMixin, TemplateView):
    """The Problem Management reports and KPIs of a period (default: this quarter)."""

    permission = queries.VIEW
    template_name = "problems/kpis.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        params = request.GET.copy()
        wanted = params.pop("format", [""])[-1]
        table = params.pop("table", [""])[-1]
        form = ProblemKpiPeriodForm(params or None)
        period = period_from(form)
        if period is None:
            if wanted == "csv":
                errors = "; ".join(m for e in form.errors.values() for m in e)
                return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
            context = self.get_context_data(form=form, kpis=None)
            return self.render_to_response(context, status=400)
        kpis = queries.problem_kpis(self.actor, period)
        if wanted == "csv":
            tables = csv_tables(kpis)
            if table not in tables:
                text = "Choose a table: " + ", ".join(tables) + "."
                return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
            return _csv(f"problems-{table}-{period.first:%Y-%m-%d}", *tables[table])
        query = urlencode({k: v for k, v in params.items() if k in form.fields})
        context = self.get_context_data(
            form=form, kpis=kpis, period=period, csv_query=query,
            **_age_links(kpis["open_by_age"]), **kpi_charts(kpis),
        )  # fmt: skip
        return self.render_to_response(context)


urlpatterns = [path("problems/kpis/", ProblemKpisView.as_view(), name="kpis")]
