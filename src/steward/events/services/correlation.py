"""The automated correlation rules of procedure 1 (seed 003 ch. 6): the facts that make a
new event a symptom, planned, or one more event for an incident already registered.

- Dependency: a CI the event's CI runs on or depends on, at any depth (the CMDB's
  impacting relationships, ``configuration.queries.impact.supporting_ci_ids``), has an
  active outage or degradation event seen within the rule's window. The cause is the
  earliest such event that is not itself a symptom (else the earliest): ``handling``
  chooses, knowing the decisions of its batch not written yet.
- Planned change: a change being worked on (approval, implementation, production test:
  the statuses whose tasks run, ``changes.services.tasks.WORKING_STATUSES``) whose
  planned window holds the moment the event occurred, naming the CI, or the CI supports
  its service or one of the services it touches. A change still being registered or
  planned has no window yet that counts; a closed one is over.
- Planned event: a planned event that is not cancelled and is not a blackout period (a
  blackout forbids changes, it plans no outage), whose window holds that moment, for
  everything, the CI, or a service the CI supports.
- Same cause: the CI already has an active event of the same kind (failure or capacity)
  seen within the rule's window whose incident request is still open.

A kind whose ``CorrelationRule`` row is switched off contributes no fact; a kind without
a row counts as on, with the window of ``events/defaults.py``. When a rule fires its
``fired_count`` and ``last_fired_at`` move (once per batch, with F())."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import F, Q

from steward.changes.choices import ChangeStatus, PlannedEventKind
from steward.changes.models import Change, PlannedEvent
from steward.configuration.models import ConfigurationItem
from steward.configuration.queries.impact import affected_ci_ids, supporting_ci_ids
from steward.events.choices import FAILURE_CATEGORIES, CorrelationKind, EventCategory
from steward.events.defaults import CORRELATION_RULES
from steward.events.models import CorrelationRule, Event
from steward.incidents.choices import OPEN_STATUSES

PLANNED_CHANGE_STATUSES = (
    ChangeStatus.APPROVAL,
    ChangeStatus.IMPLEMENTATION,
    ChangeStatus.PRODUCTION_TEST,
)
DEFAULTS = {kind: (order, name, window) for kind, order, name, window in CORRELATION_RULES}


@dataclass
class RuleState:
    kind: str
    active: bool
    window: dt.timedelta
    row: CorrelationRule | None


def _kin(category: str) -> tuple[str, ...]:
    """The categories whose incident a new event of ``category`` may join."""
    if category in FAILURE_CATEGORIES:
        return tuple(FAILURE_CATEGORIES)
    return (category,)


class Correlator:
    """Correlation for one batch: rules read once, CMDB walks remembered per CI."""

    def __init__(self) -> None:
        rows = {r.kind: r for r in CorrelationRule.objects.all()}
        self.rules: dict[str, RuleState] = {}
        for kind, (_order, _name, window) in DEFAULTS.items():
            row = rows.get(kind)
            self.rules[kind] = RuleState(
                kind,
                row.is_active if row else True,
                dt.timedelta(minutes=row.window_minutes if row else window),
                row,
            )
        self._supporting: dict[int, set[int]] = {}
        self._services: dict[int, set[int]] = {}
        self._fired: Counter[str] = Counter()

    def on(self, kind: str) -> bool:
        return self.rules[kind].active

    def supporting(self, ci_id: int) -> set[int]:
        if ci_id not in self._supporting:
            self._supporting[ci_id] = supporting_ci_ids(ci_id)
        return self._supporting[ci_id]

    def services(self, ci: ConfigurationItem) -> set[int]:
        """Ids of the services whose infrastructure the CI is part of (its own, when it
        stands for one, and those of every CI its failure affects)."""
        if ci.pk not in self._services:
            ids = set(
                ConfigurationItem.objects.filter(
                    pk__in=affected_ci_ids(ci.pk), service__isnull=False
                ).values_list("service_id", flat=True)
            )
            if ci.service_id:
                ids.add(ci.service_id)
            self._services[ci.pk] = ids
        return self._services[ci.pk]

    # --- The facts -------------------------------------------------------------------------

    def causes(self, event: Event, ci: ConfigurationItem) -> list[Event]:
        """Active failure events seen within the window on the CIs ``ci`` depends on."""
        if not self.on(CorrelationKind.DEPENDENCY):
            return []
        supporting = self.supporting(ci.pk)
        if not supporting:
            return []
        since = event.first_seen_at - self.rules[CorrelationKind.DEPENDENCY].window
        return list(
            Event.objects.filter(
                ci_id__in=supporting,
                active=True,
                category__in=FAILURE_CATEGORIES,
                last_seen_at__gte=since,
            )
            .exclude(pk=event.pk)
            .select_related("incident")
            .order_by(F("cause_id").asc(nulls_first=True), "first_seen_at", "pk")[:20]
        )

    def planned_change(self, event: Event, ci: ConfigurationItem) -> Change | None:
        if not self.on(CorrelationKind.PLANNED_CHANGE):
            return None
        services = self.services(ci)
        moment = event.occurred_at
        return (
            Change.objects.filter(
                Q(cis=ci) | Q(service_id__in=services) | Q(services__in=services),
                status__in=PLANNED_CHANGE_STATUSES,
                planned_start__lte=moment,
                planned_end__gte=moment,
            )
            .order_by("planned_start", "pk")
            .first()
        )

    def planned_event(self, event: Event, ci: ConfigurationItem) -> PlannedEvent | None:
        if not self.on(CorrelationKind.PLANNED_EVENT):
            return None
        services = self.services(ci)
        moment = event.occurred_at
        return (
            PlannedEvent.objects.filter(
                Q(everywhere=True) | Q(cis=ci) | Q(services__in=services),
                is_cancelled=False,
                starts_at__lte=moment,
                ends_at__gte=moment,
            )
            .exclude(kind=PlannedEventKind.BLACKOUT)
            .order_by("starts_at", "pk")
            .first()
        )

    def same_cause(self, event: Event, ci: ConfigurationItem) -> Event | None:
        if not self.on(CorrelationKind.SAME_CAUSE) or event.category == EventCategory.INFORMATIONAL:
            return None
        since = event.first_seen_at - self.rules[CorrelationKind.SAME_CAUSE].window
        return (
            Event.objects.filter(
                ci_id=ci.pk,
                active=True,
                category__in=_kin(event.category),
                incident__isnull=False,
                incident__status__in=OPEN_STATUSES,
                last_seen_at__gte=since,
            )
            .exclude(pk=event.pk)
            .order_by("first_seen_at", "pk")
            .first()
        )

    # --- Bookkeeping -----------------------------------------------------------------------

    def fired(self, kind: str) -> CorrelationRule:
        """The rule's row (created from the defaults when missing), counted as fired."""
        state = self.rules[kind]
        if state.row is None:
            order, name, window = DEFAULTS[kind]
            state.row, _ = CorrelationRule.objects.get_or_create(
                kind=kind, defaults={"order": order, "name": name, "window_minutes": window}
            )
        self._fired[kind] += 1
        return state.row

    def flush(self, now: dt.datetime) -> None:
        """Count the batch's firings on the rules' rows, one statement per rule."""
        for kind, times in self._fired.items():
            CorrelationRule.objects.filter(kind=kind).update(
                fired_count=F("fired_count") + times, last_fired_at=now
            )
        self._fired.clear()
