"""Who may set which field of the core writes, and who reads their free text
(``steward.core.fields``). The directory, calendars, webhooks and groups are the provider's
administration: staff only. Every signed-in person adds files to what they may change,
marks their own notifications read and (if they hold the right) makes API tokens.
"""

from steward.core.fields import INTERNAL, Inputs, Rule, anyone, staff, staff_inputs
from steward.core.models.calendars import WEEKDAYS

ORGANISATION_NOTES = "Internal: seen by staff only (not by the organisation's own people)."
ORGANISATION_OWN = "Seen by the organisation's own people too."

ORGANISATION = staff_inputs(
    "organisation", "name", "kind", "code", "email", "phone", "website", "is_active",
    address=staff(audience=ORGANISATION_OWN), notes=staff(audience=ORGANISATION_NOTES),
)  # fmt: skip
PERSON = staff_inputs(
    "person", "first_name", "last_name", "email", "phone", "mobile", "job_title", "location",
    "time_zone", "is_active",
)  # fmt: skip
PERSON_CREATE = PERSON(
    "new person",
    username=staff(),
    password=staff(),
    organisations=staff(),
    organisation=staff(),
    primary_organisation=staff(),
)
JOIN_ORGANISATION = staff_inputs("organisation membership", "organisation", "is_primary")
ROLE_ASSIGNMENT = staff_inputs(
    "role assignment", "person", "role", "scope_type", "scope_id", "scope"
)
GROUP = staff_inputs(
    "support group", "name", "organisation", "email", "skills", "calendar", "is_active",
    description=staff(audience=INTERNAL),
)  # fmt: skip
GROUP_MEMBER = staff_inputs("group member", "person", "skills")
CALENDAR = staff_inputs(
    "business calendar", "name", "time_zone", "periods", description=staff(audience=INTERNAL)
)
WEEKLY_HOURS = staff_inputs(
    "weekly hours",
    *(
        f"{kind}_{day}_{slot}"
        for kind in ("start", "end")
        for day, _ in WEEKDAYS
        for slot in (0, 1)
    ),
)
HOLIDAY = staff_inputs("holiday", "date", "name")
WEBHOOK = staff_inputs(
    "webhook subscription", "name", "record_type", "events", "events_text", "is_active",
    "secret", url=staff(audience=INTERNAL),
)  # fmt: skip
# Lifting a login lockout (system administrators; the service checks the right).
LOCKOUT_RELEASE = staff_inputs("login lockout", "username", "ip_address")
# A person's own password: anyone signed in, for themselves only (the service's rule).
PASSWORD_CHANGE = Inputs(
    "password", current_password=anyone(), new_password=anyone(), new_password_again=anyone()
)

# Anyone who may use Steward: the services check the right on the record or their own.
ATTACHMENT = Inputs(
    "attachment", record_type=anyone(), record_id=anyone(), file=anyone(), next=anyone()
)
MARK_READ = Inputs("notifications read", ids=anyone())
TOKEN = Inputs("API token", name=anyone(), expires_at=anyone(), expires_on=anyone())
_SAVED_VIEW_READERS = "Seen by you and, when shared, the group's members."
SAVED_VIEW = Inputs(
    "saved view",
    list_key=anyone(),
    name=anyone(audience=_SAVED_VIEW_READERS),
    query=anyone(audience=_SAVED_VIEW_READERS),
    columns=anyone(),
    group=anyone(),
)

# Notes on a record page. Where the page offers public replies (``RecordDetailView.
# public_replies``) a note may be public; elsewhere every note is internal.
NOTE_BODY = "Public: seen by the customer-side people who may see the record. Otherwise internal: seen by staff only."
NOTE = Inputs("note", body=anyone(audience=NOTE_BODY), public=anyone(values={True}))
WORK_NOTE = Inputs(
    "work note",
    body=anyone(audience=INTERNAL),
    public=Rule(when=lambda actor, record: False, why="Notes on this record are internal."),
)
TEMPLATE_BODY = "Internal until chosen: then filled in and sent as the reply or resolution."
RESPONSE_TEMPLATE = staff_inputs(
    "reply or resolution template",
    "kind",
    "shared",
    "is_active",
    name=staff(audience=INTERNAL),
    body=staff(audience=TEMPLATE_BODY),
)
