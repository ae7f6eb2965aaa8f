from steward.core.models.attachments import Attachment
from steward.core.models.audit import SecurityEvent
from steward.core.models.calendars import BusinessCalendar, Holiday, WorkingPeriod
from steward.core.models.clocks import ClockEvent, SlaClock
from steward.core.models.journal import JournalEntry
from steward.core.models.notifications import Notification, WebhookDelivery, WebhookSubscription
from steward.core.models.ops import PeriodicJobRun, ReferenceVersion, WorkerHeartbeat
from steward.core.models.people import Organisation, OrganisationMembership, Person
from steward.core.models.presence import Presence
from steward.core.models.records import (
    NumberedRecord,
    NumberSequence,
    TimeStampedModel,
    VersionedModel,
    optional_fk,
)
from steward.core.models.roles import RoleAssignment, SupportGroup, SupportGroupMembership
from steward.core.models.tokens import ApiToken
from steward.core.models.views import SavedView
from steward.core.models.work import ResponseTemplate, TemplateKind, TimeEntry

__all__ = [
    "ApiToken",
    "Attachment",
    "BusinessCalendar",
    "ClockEvent",
    "Holiday",
    "JournalEntry",
    "Notification",
    "NumberSequence",
    "NumberedRecord",
    "Organisation",
    "OrganisationMembership",
    "PeriodicJobRun",
    "Person",
    "Presence",
    "ReferenceVersion",
    "ResponseTemplate",
    "RoleAssignment",
    "SavedView",
    "SecurityEvent",
    "SlaClock",
    "SupportGroup",
    "SupportGroupMembership",
    "TemplateKind",
    "TimeEntry",
    "TimeStampedModel",
    "VersionedModel",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkerHeartbeat",
    "WorkingPeriod",
    "optional_fk",
]
