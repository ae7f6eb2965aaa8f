"""Pages: the CMDB integrity report (the latest run's counts per check, "Run now", the
trend over the last runs) and one run with its findings (seed 003 ch. 4, proc. 3 and 4)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views.generic import TemplateView

from steward.configuration.choices import IntegrityCheck, RunTrigger
from steward.configuration.forms.integrity import RunForm
from steward.configuration.models import IntegrityRun
from steward.configuration.queries import integrity as queries
from steward.configuration.services import integrity as services
from steward.configuration.views.baselines import ci_url
from steward.core import permissions
from steward.core.views.patterns import StewardPageMixin, apply_errors

VIEW = "configuration.ci.view"
CHART_WIDTH, CHART_HEIGHT = 150, 32


def bars(values: list[int], *, width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> list[dict]:
    """Bar geometry for a small inline SVG chart: one bar per value, scaled to the
    largest; a zero still shows as a 1-pixel line so every run is visible."""
    if not values:
        return []
    top = max(values) or 1
    step = width / len(values)
    gap = 1 if step > 3 else 0
    result = []
    for i, value in enumerate(values):
        h = max(value / top * (height - 2), 1)
        result.append(
            {"x": f"{i * step:.1f}", "y": f"{height - h:.1f}", "w": f"{max(step - gap, 1):.1f}",
             "h": f"{h:.1f}", "value": value}
        )  # fmt: skip
    return result


def check_rows(run: IntegrityRun | None) -> list[dict[str, Any]]:
    """One row per check in the choices' order: key, label, count, link to the findings."""
    counts = (run.counts or {}) if run is not None else {}
    return [
        {
            "key": key,
            "label": label,
            "count": int(counts.get(key, 0)),
            "url": f"{run.get_absolute_url()}?check={key}#findings" if run is not None else "",
        }
        for key, label in IntegrityCheck.choices
    ]


class IntegrityReportView(StewardPageMixin, TemplateView):
    """GET: the report. POST: run the checks now (``configuration.integrity.run``)."""

    permission = VIEW
    template_name = "configuration/integrity_report.html"
    form_class = RunForm

    def report(self, form: RunForm | None = None, status: int = 200) -> HttpResponse:
        latest = queries.latest_integrity_run(self.actor)
        trend = queries.integrity_trend(self.actor)
        rows = check_rows(latest)
        for row in rows:
            values = [run["counts"][row["key"]] for run in trend]
            row["bars"] = bars(values)
            row["trend_label"] = f"{row['label']} over the last {len(values)} runs: " + ", ".join(
                str(v) for v in values
            )
        may_run = permissions.has(self.actor, services.RUN)
        context = self.get_context_data(
            title="CMDB integrity",
            latest=latest,
            rows=rows,
            trend=list(reversed(trend)),
            checks=IntegrityCheck.choices,
            chart_width=CHART_WIDTH,
            chart_height=CHART_HEIGHT,
            run_form=(
                form or RunForm(initial={"stale_after_days": services.stale_after_days_default()})
            )
            if may_run
            else None,
            default_days=services.stale_after_days_default(),
        )
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.report()

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.has(self.actor, services.RUN):
            raise PermissionDenied("You may not run the integrity checks.")
        form = RunForm(request.POST, actor=self.actor)
        if form.is_valid():
            try:
                run = services.integrity_run(
                    actor=self.actor,
                    trigger=RunTrigger.ON_DEMAND,
                    stale_after_days=form.cleaned_data.get("stale_after_days"),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                total = sum(run.counts.values())
                messages.success(
                    request, f"Checks run: {total} finding{'s' if total != 1 else ''}."
                )
                return HttpResponseRedirect(run.get_absolute_url())
        return self.report(form, status=400)


class IntegrityRunDetailView(StewardPageMixin, TemplateView):
    """One run: counts per check and the findings (``?check=`` shows one check)."""

    permission = VIEW
    template_name = "configuration/integrity_run_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = queries.integrity_run_for(self.actor, pk)
        wanted = request.GET.get("check", "")
        if wanted not in IntegrityCheck.values:
            wanted = ""
        rows = check_rows(run)
        sections = []
        for row in rows:
            if wanted and row["key"] != wanted:
                continue
            findings = [
                {**f, "url": ci_url(f.get("ci"))}
                for f in run.findings or []
                if f.get("check") == row["key"]
            ]
            sections.append({**row, "findings": findings, "capped": row["count"] > len(findings)})
        context = self.get_context_data(
            title=f"Integrity run {run.started_at:%Y-%m-%d %H:%M}",
            run=run,
            rows=rows,
            sections=sections,
            wanted=wanted,
            report_url=reverse("configuration:integrity-report"),
        )
        return render(request, self.template_name, context)


urlpatterns = [
    path("integrity/", IntegrityReportView.as_view(), name="integrity-report"),
    path("integrity/runs/<int:pk>/", IntegrityRunDetailView.as_view(), name="integrity-run-detail"),
]
