"""Choices of Event Management (seed 003 ch. 6; ch. 2 proc. 2 for capacity warnings), with
their labels in one place."""

from django.db import models


class SourceKind(models.TextChoices):
    """The format a monitoring source sends (each has its own ingestion endpoint)."""

    GENERIC = "generic", "Generic JSON"
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    ZABBIX = "zabbix", "Zabbix webhook"


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    MAJOR = "major", "Major"
    MINOR = "minor", "Minor"
    WARNING = "warning", "Warning"
    INFO = "info", "Information"


SEVERITY_RANK = {s: i for i, s in enumerate(Severity.values)}  # 0 = most severe


class EventCategory(models.TextChoices):
    """What the event represents for procedure 1: the seed's outage or degradation, the
    first warning of a capacity shortage, or information that needs no incident."""

    OUTAGE = "outage", "Outage"
    DEGRADATION = "degradation", "Degradation"
    CAPACITY = "capacity", "Capacity warning"
    INFORMATIONAL = "informational", "Information"


FAILURE_CATEGORIES = (EventCategory.OUTAGE, EventCategory.DEGRADATION)


class EventStatus(models.TextChoices):
    """The operator's side: an open event is on the console until it is closed ("Closing
    the event ensures that it is removed from the list of open events")."""

    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CLOSED = "closed", "Closed"


class Handling(models.TextChoices):
    """What procedure 1 decided for an event (``rules.handling_decision``)."""

    PENDING = "pending", "Not handled yet"
    CLEARED = "cleared", "Cleared before handling"
    UNMATCHED = "unmatched", "No CI matched: for the operator"
    SYMPTOM = "symptom", "Symptom of another CI's failure"
    PLANNED = "planned", "Planned (change or planned event)"
    ATTACHED = "attached", "Attached to the incident of the same cause"
    CAPACITY_INCIDENT = "capacity_incident", "Capacity warning: incident to the capacity manager"
    RESTORATION_INCIDENT = "restoration_incident", "Outage or degradation: restoration incident"
    INFORMATIONAL = "informational", "Information: no incident"
    FOR_OPERATOR = "for_operator", "For the operator (no automatic registration)"


class MatchOn(models.TextChoices):
    """How a CI match rule compares the event's value with CIs."""

    NAME = "name", "CI name"
    ALIAS = "alias", "CI alias (the CI's \u201caliases\u201d attribute)"
    ATTRIBUTE = "attribute", "CI attribute"


class CorrelationKind(models.TextChoices):
    """The automated correlation rules of procedure 1, in the order they are applied."""

    DEPENDENCY = "dependency", "Symptom: a CI it depends on has an open failure event"
    PLANNED_CHANGE = "planned_change", "Planned: inside a planned change's window"
    PLANNED_EVENT = "planned_event", "Planned: inside a planned event's window"
    SAME_CAUSE = "same_cause", "Same cause: the CI already has an incident for an open event"


class ReviewTopic(models.TextChoices):
    """What the operations manager looks for in the event review (proc. 2)."""

    NOISY_MONITOR = "noisy_monitor", "Monitoring job generating unnecessary events"
    UNMATCHED_CI = "unmatched_ci", "Events without a matched CI"
    MISSING_INSTRUCTIONS = "missing_instructions", "Event type without handling instructions"
    IDLE_CORRELATION = "idle_correlation", "Correlation rule never firing"
    OTHER = "other", "Other improvement"


class OutageFinding(models.TextChoices):
    """The outcome of reviewing one high-impact incident request (proc. 3)."""

    INSTRUCTIONS_FOLLOWED = "instructions_followed", "Event generated, instructions followed"
    INSTRUCTIONS_NOT_FOLLOWED = (
        "instructions_not_followed",
        "Instructions not followed: review with the operators",
    )
    NOT_WORTH_MONITORING = "not_worth_monitoring", "No event: monitoring not worth it"
    CORRELATION_CORRECTION = "correlation_correction", "No event: correlation rules suppressed it"
    MONITORING_CORRECTION = (
        "monitoring_correction",
        "No event: a monitoring job must be created or adjusted",
    )
