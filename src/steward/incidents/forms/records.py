"""Forms of the Incident Management pages (seed 003 ch. 8). They parse input; the services
in ``steward.incidents.services.incidents`` validate again and write."""

from typing import Any

from django import forms
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse

from steward.configuration.models import ConfigurationItem
from steward.configuration.queries.cis import ci_classes_for, cis_for
from steward.core import attachments, formfields
from steward.core import queries as core_queries
from steward.core.choices import Role
from steward.core.fields import SHARED, GuardedForm, anyone
from steward.core.models import (
    OrganisationMembership,
    Person,
    SupportGroup,
    TemplateKind,
)
from steward.core.roles import is_desk
from steward.core.services.work import MAX_MINUTES
from steward.incidents import inputs
from steward.incidents.choices import (
    EMERGENCY_CATEGORIES,
    Channel,
    Impact,
    PendingReason,
    ResolutionCode,
    SendBackReason,
    ServiceType,
    SolutionStatus,
    Urgency,
)
from steward.incidents.models import Category, Solution
from steward.incidents.queries.incidents import incidents_for
from steward.incidents.queries.solutions import solutions_for
from steward.incidents.queries.templates import template_choices
from steward.service_level.models import Service
from steward.service_level.queries import services_for

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
YES_NO = [("", "Choose…"), ("yes", "Yes"), ("no", "No")]
MAX_CIS = 50


def _text(rows: int = 4, placeholder: str = "") -> forms.Textarea:
    attrs: dict[str, Any] = {"rows": rows}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.Textarea(attrs=attrs)


def services_first_for(actor: Person, organisation_ids: set[int] | list[int]) -> QuerySet[Service]:
    """The services the actor may pick, those the organisations subscribe to first."""
    qs = services_for(actor)
    ids = list(organisation_ids)
    if not ids:
        return qs.order_by("name")
    subscribed = Service.customers.through.objects.filter(organisation_id__in=ids)
    return qs.annotate(
        subscribed_first=Case(
            When(pk__in=subscribed.values("service_id"), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("subscribed_first", "name")


def _service_label(service: Service) -> str:
    """A star marks the services the requester's organisation subscribes to."""
    return f"{service.name} ★" if getattr(service, "subscribed_first", 1) == 0 else service.name


def organisation_services(person: Person) -> QuerySet[Service]:
    """The services a customer-side person's organisations subscribe to (portal)."""
    orgs = person.memberships.values("organisation_id")
    subscribed = Service.customers.through.objects.filter(organisation_id__in=orgs)
    return Service.objects.filter(pk__in=subscribed.values("service_id")).order_by("name")


def specialists_of(actor: Person) -> QuerySet[Person]:
    """The specialists the actor may ask to implement an emergency change (proc. 5)."""
    return (
        core_queries.people_for(actor)
        .filter(is_active=True, role_assignments__role=Role.SPECIALIST)
        .distinct()
        .order_by("last_name", "first_name")
    )


def staff_of(actor: Person) -> QuerySet[Person]:
    """People the actor may assign work to: members of a support group."""
    return (
        core_queries.people_for(actor)
        .filter(is_active=True, group_memberships__isnull=False)
        .distinct()
        .order_by("last_name", "first_name")
    )


class CINumbersField(forms.CharField):
    """CI numbers separated by commas or spaces, resolved to CIs the actor may see."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("label", "Configuration items")
        kwargs.setdefault("help_text", "CI numbers, separated by commas (e.g. CI000012).")
        super().__init__(*args, **kwargs)
        self.actor: Person | None = None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple | QuerySet):
            return ", ".join(
                ci.number if isinstance(ci, ConfigurationItem) else str(ci) for ci in value
            )
        return value

    def clean(self, value: Any) -> list[ConfigurationItem]:  # type: ignore[override]
        text = super().clean(value) or ""
        numbers = [n.strip().upper() for n in text.replace(";", ",").replace(" ", ",").split(",")]
        numbers = list(dict.fromkeys(n for n in numbers if n))
        if not numbers:
            return []
        if len(numbers) > MAX_CIS:
            raise forms.ValidationError(f"At most {MAX_CIS} configuration items.")
        found = {ci.number.upper(): ci for ci in cis_for(self.actor).filter(number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(f"No configuration item {', '.join(missing)}.")
        return [found[n] for n in numbers]


class _IncidentFields(GuardedForm):
    """The fields the desk fills in and may change later (procedure 1)."""

    inputs = inputs.UPDATE

    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=_text(5))
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False)
    cis = CINumbersField()
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False)
    service_type = forms.ChoiceField(
        choices=ServiceType.choices, initial=ServiceType.USER_SERVICE_RESTORATION
    )
    impact = forms.ChoiceField(choices=Impact.choices, initial=Impact.MINOR)
    urgency = forms.ChoiceField(choices=Urgency.choices, initial=Urgency.MEDIUM)

    def __init__(self, *args: Any, actor: Person, organisation_ids: Any = (), **kwargs: Any):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["service"].queryset = services_first_for(actor, list(organisation_ids))
        self.fields["service"].label_from_instance = _service_label  # type: ignore[attr-defined]
        self.fields["category"].queryset = Category.objects.filter(is_active=True).select_related(
            "parent"
        )
        self.fields["cis"].actor = actor  # type: ignore[attr-defined]

    def incident_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data.get("description") or "",
            "service": data.get("service"),
            "cis": data.get("cis") or [],
            "category": data.get("category"),
            "service_type": data["service_type"],
            "impact": data["impact"],
            "urgency": data["urgency"],
        }


class IncidentRegisterForm(_IncidentFields):
    """The service desk's registration form; "resolve now" is first-contact resolution."""

    inputs = inputs.REGISTER(resolution="resolve_now", resolution_code="resolve_now")

    field_order = [
        "requester", "channel", "title", "description", "service", "cis", "category",
        "service_type", "impact", "urgency", "support_group",
    ]  # fmt: skip

    requester = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"required": "Look up and choose the requester."},
    )
    channel = forms.ChoiceField(
        choices=[c for c in Channel.choices if c[0] != Channel.API], initial=Channel.PHONE
    )
    support_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.none(),
        required=False,
        help_text="Leave empty to let the routing rules choose.",
    )
    resolve_now = forms.BooleanField(required=False, label="Resolved while registering")
    resolution = forms.CharField(required=False, widget=_text(3), label="Resolution")
    resolution_code = forms.ChoiceField(
        choices=[("", "Choose…"), *ResolutionCode.choices], required=False
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        requester_id = None
        data = args[0] if args else kwargs.get("data")
        initial = kwargs.get("initial") or {}
        raw = (data or {}).get("requester") if data else initial.get("requester")
        if raw and str(raw).isdigit():
            requester_id = int(raw)
        orgs: list[int] = []
        if requester_id:
            orgs = list(
                OrganisationMembership.objects.filter(person_id=requester_id).values_list(
                    "organisation_id", flat=True
                )
            )
        super().__init__(*args, actor=actor, organisation_ids=orgs, **kwargs)
        self.fields["requester"].queryset = core_queries.people_for(actor).filter(is_active=True)
        self.fields["support_group"].queryset = core_queries.groups_for(actor).filter(
            is_active=True
        )

    def selected_requester(self) -> Person | None:
        value = self["requester"].value()
        if not value or not str(value).isdigit():
            return None
        return self.fields["requester"].queryset.filter(pk=value).first()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("resolve_now"):
            if not (data.get("resolution") or "").strip():
                self.add_error("resolution", "Describe how it was resolved.")
            if not data.get("resolution_code"):
                self.add_error("resolution_code", "Choose a resolution code.")
        return data

    def register_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs = self.incident_data()
        kwargs.update(
            requester=data["requester"],
            channel=data["channel"],
            support_group=data.get("support_group"),
        )
        if data.get("resolve_now"):
            kwargs["resolve_now"] = {
                "resolution": data["resolution"],
                "resolution_code": data["resolution_code"],
            }
        return kwargs


class IncidentEditForm(_IncidentFields):
    pass


class AssignForm(GuardedForm):
    inputs = inputs.ASSIGNMENT
    support_group = forms.ModelChoiceField(queryset=SupportGroup.objects.none(), required=False)
    assignee = forms.ModelChoiceField(queryset=Person.objects.none(), required=False)
    reason = forms.CharField(max_length=500, required=False, widget=_text(2))

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["support_group"].queryset = core_queries.groups_for(actor).filter(
            is_active=True
        )
        self.fields["assignee"].queryset = staff_of(actor)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("support_group") and not data.get("assignee") and not self.errors:
            raise forms.ValidationError("Choose a group, a person, or both.")
        return data


class SendBackForm(GuardedForm):
    inputs = inputs.SEND_BACK
    reason = forms.ChoiceField(choices=SendBackReason.choices)
    note = forms.CharField(
        widget=_text(2, "What is missing, or which group would be right?"), max_length=5000
    )


class PendingForm(GuardedForm):
    inputs = inputs.PENDING
    reason = forms.ChoiceField(choices=PendingReason.choices)
    note = forms.CharField(required=False, widget=_text(2), max_length=5000)


class NoteOnlyForm(GuardedForm):
    inputs = inputs.NOTE
    note = forms.CharField(required=False, widget=_text(2), max_length=5000)


class ReasonForm(GuardedForm):
    """Why a request is cancelled."""

    inputs = inputs.CANCEL
    reason = forms.CharField(required=False, widget=_text(2), max_length=5000)


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        empty_value=None,
        error_messages={"required": "Answer yes or no."},
    )


class AssessChangeForm(GuardedForm):
    """Procedures 2 and 4: does the resolution need Change Management?"""

    inputs = inputs.ASSESS_CHANGE

    causes_service_unavailability = _yes_no(
        "Will a service become unavailable or degraded during service hours?"
    )
    changes_service_functionality = _yes_no("Will the functionality of a service change?")
    requires_cmdb_update = _yes_no("Will the CMDB need an update?")


class HandleEscalationForm(GuardedForm):
    """Procedure 5: the service owner decides how the incident is best resolved."""

    inputs = inputs.ESCALATION_DECISION

    DECISIONS = [
        ("back_to_specialists", "Specialists continue (no change needed)"),
        ("emergency_change", "Implement as an emergency change"),
        ("continuity", "Recover the service at its continuity site (on-duty manager)"),
    ]
    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.RadioSelect)
    specialist = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        required=False,
        help_text="An emergency change: the specialist you asked to implement it.",
    )
    category = forms.ChoiceField(
        choices=EMERGENCY_CATEGORIES,
        initial="infrastructure",
        required=False,
        label="Kind of emergency change",
    )
    note = forms.CharField(required=False, widget=_text(2), max_length=5000)

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["specialist"].queryset = specialists_of(actor)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "emergency_change" and not data.get("specialist"):
            self.add_error("specialist", "Choose the specialist who implements the change.")
        data["category"] = data.get("category") or "infrastructure"
        return data


def time_spent_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="Time spent (minutes)",
        required=False,
        min_value=1,
        max_value=MAX_MINUTES,
        widget=forms.NumberInput(attrs={"class": "narrow", "inputmode": "numeric"}),
    )


def template_field(actor: Person, record: Any, kind: str, target: str) -> forms.ChoiceField:
    """The templates the actor may use; with JavaScript, choosing one fills the text box
    ``target`` (its id) at once; without, an empty text is filled when saved."""
    choices = template_choices(actor, kind) if actor is not None else []
    attrs: dict[str, str] = {}
    if record is not None and choices:
        url = reverse("incidents:incident-fill-template", args=[record.pk])
        attrs = {
            "hx-get": f"{url}?kind={kind}&target={target}",
            "hx-trigger": "change",
            "hx-target": f"#{target}",
            "hx-swap": "outerHTML",
        }
    return forms.ChoiceField(
        label="Template",
        required=False,
        choices=[("", "No template"), *choices],
        widget=forms.Select(attrs=attrs),
        help_text="Fills the text with the request's details; leave the text empty to use it as is.",
    )


class ResolveForm(GuardedForm):
    inputs = inputs.RESOLVE
    resolution = forms.CharField(
        required=False, widget=_text(4, "What was done, in words the requester reads.")
    )
    resolution_code = forms.ChoiceField(choices=ResolutionCode.choices)
    workaround = forms.BooleanField(required=False, label="This is a workaround")
    solution = forms.ModelChoiceField(
        queryset=Solution.objects.none(),
        required=False,
        help_text="A solution from the knowledge base that was used.",
    )

    time_spent = time_spent_field()
    template = forms.ChoiceField(required=False)  # its choices: the actor's (__init__)
    # Proc. 2-5: only a request that needs Change Management shows it (__init__).
    override_reason = forms.CharField(
        required=False,
        widget=_text(2),
        max_length=5000,
        label="Resolve without a change, because",
        help_text="This request needs Change Management. Without a linked change it is "
        "resolved only with the reason why (journaled with your name).",
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        if self.record is not None and self.record.needs_change_management is not True:
            del self.fields["override_reason"]
        self.fields["solution"].queryset = (
            solutions_for(actor).filter(status=SolutionStatus.ACTIVE).order_by("title")
        )
        target = (self.auto_id or "%s") % "resolution" if self.auto_id else "resolution"
        self.fields["template"] = template_field(
            actor, self.record, TemplateKind.RESOLUTION, target
        )
        self.order_fields(["template", "resolution"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("resolution") or "").strip() and not data.get("template"):
            self.add_error("resolution", "Write the resolution or choose a template.")
        if not data.get("template"):
            data["template"] = None
        return data


class ReopenForm(GuardedForm):
    inputs = inputs.REOPEN
    reason = forms.CharField(widget=_text(2, "Why does the solution not work?"), max_length=5000)
    support_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.none(),
        required=False,
        help_text="The group to assign it to (procedure 2: chosen by hand).",
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        if not is_desk(actor):
            del self.fields["support_group"]  # the desk picks the group (procedure 2)
        else:
            self.fields["support_group"].queryset = core_queries.groups_for(actor).filter(
                is_active=True
            )


class ActionForm(GuardedForm):
    inputs = inputs.ACTION
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=_text(2))
    support_group = forms.ModelChoiceField(queryset=SupportGroup.objects.none(), required=False)
    assignee = forms.ModelChoiceField(queryset=Person.objects.none(), required=False)
    due_at = formfields.DateTimeField(
        required=False,
        widget=DATETIME_WIDGET,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["support_group"].queryset = core_queries.groups_for(actor).filter(
            is_active=True
        )
        self.fields["assignee"].queryset = staff_of(actor)


class ActionCompleteForm(GuardedForm):
    inputs = inputs.ACTION_COMPLETE
    result = forms.CharField(required=False, max_length=5000, label="Result")


class ReplyForm(GuardedForm):
    inputs = inputs.REPLY
    body = forms.CharField(widget=_text(3), max_length=20000, label="Message", required=False)
    public = forms.BooleanField(required=False, label="Public reply (the requester sees it)")
    time_spent = time_spent_field()
    template = forms.ChoiceField(required=False)  # its choices: the actor's (__init__)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"] = template_field(
            self.actor, self.record, TemplateKind.REPLY, "id_body"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("body") or "").strip() and not data.get("template"):
            self.add_error("body", "Write something first.")
        if not data.get("template"):
            data["template"] = None
        return data


# --- Inline edits on the record page (``views.record.IncidentPanelView``) -----------------


class InlinePriorityForm(GuardedForm):
    inputs = inputs.UPDATE
    impact = forms.ChoiceField(choices=Impact.choices)
    urgency = forms.ChoiceField(choices=Urgency.choices)


class InlineCIsForm(GuardedForm):
    inputs = inputs.UPDATE
    cis = CINumbersField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cis"].actor = self.actor  # type: ignore[attr-defined]


class InlineGroupForm(GuardedForm):
    inputs = inputs.ASSIGNMENT
    support_group = forms.ModelChoiceField(queryset=SupportGroup.objects.none(), label="Group")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["support_group"].queryset = core_queries.groups_for(self.actor).filter(
            is_active=True
        )


class InlineAssigneeForm(GuardedForm):
    inputs = inputs.ASSIGNMENT
    assignee = forms.ModelChoiceField(queryset=Person.objects.none(), label="Assignee")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group = getattr(self.record, "support_group", None)
        people = staff_of(self.actor)
        if group is not None:
            people = people.filter(group_memberships__group=group)
        self.fields["assignee"].queryset = people


# --- Portal ------------------------------------------------------------------------------


def check_upload(upload: Any) -> None:
    """Refuse a file of a type that is not accepted before anything is registered."""
    if upload is None:
        return
    name = attachments.clean_name(upload.name or "")
    upload.seek(0)
    head = upload.read(attachments.SNIFF_BYTES)
    upload.seek(0)
    if not head:
        raise forms.ValidationError("The file is empty.")
    try:
        attachments.content_type_for(name, head)
    except forms.ValidationError as exc:
        raise forms.ValidationError(exc.messages) from None


class PortalRegisterForm(GuardedForm):
    """A requester registers a request for themselves (self-service portal). What the
    desk decides (impact, urgency, group...) is refused if posted (``inputs.REGISTER``)."""

    inputs = inputs.REGISTER(attachment=anyone())

    title = forms.CharField(
        max_length=200,
        label="What is the problem, in a few words?",
        widget=forms.TextInput(attrs={"placeholder": "e.g. I cannot open my mailbox"}),
    )
    description = forms.CharField(
        required=False,
        label="Tell us more",
        widget=_text(6, "What happened, since when, what you tried, any error message."),
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        required=False,
        label="Which service is it about?",
        empty_label="I don't know",
    )
    attachment = forms.FileField(
        required=False, label="Screenshot or file", help_text="Optional. PDF, image, text, Office."
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["service"].queryset = organisation_services(actor)

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")
        check_upload(upload)
        return upload


class PortalReplyForm(GuardedForm):
    inputs = inputs.REPLY(body=anyone(audience=SHARED))
    body = forms.CharField(
        widget=_text(3, "Write a reply to the service desk…"), max_length=20000, label="Reply"
    )


class PortalReopenForm(GuardedForm):
    inputs = inputs.REOPEN
    reason = forms.CharField(
        widget=_text(3, "What still does not work?"), max_length=5000, label="Why reopen?"
    )


def person_matches(actor: Person, text: str) -> QuerySet[Person]:
    """People the actor may see whose name, user name or email contains every word."""
    condition = Q()
    for word in text.split():
        condition &= (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(username__icontains=word)
        )
    return (
        core_queries.people_for(actor)
        .filter(condition, is_active=True)
        .order_by("last_name", "first_name", "pk")
    )


# --- Knowledge pages (procedures 4, 6, 7) -------------------------------------------------

SOLUTION_WIDGET = forms.Textarea(attrs={"rows": 6})


class SolutionTextForm(GuardedForm):
    """What a solution says; the group coordinator may improve it before activating."""

    inputs = inputs.SOLUTION

    title = forms.CharField(max_length=200)
    symptoms = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="What the user sees."
    )
    body = forms.CharField(label="Solution", widget=SOLUTION_WIDGET, help_text="How to resolve it.")
    is_workaround = forms.BooleanField(
        required=False, label="Known workaround (restores service, does not remove the cause)"
    )


class SolutionForm(SolutionTextForm):
    """The full proposal (procedures 4 and 6)."""

    service = forms.ModelChoiceField(queryset=None, required=False)
    ci_class = forms.ModelChoiceField(queryset=None, required=False, label="CI class")
    support_group = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Approving group",
        help_text="Its group coordinator approves the solution; default: the request's group.",
    )
    from_incident = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        fields = self.fields
        fields["service"].queryset = services_for(actor).order_by("name")  # type: ignore[attr-defined]
        fields["ci_class"].queryset = ci_classes_for(actor).order_by("name")  # type: ignore[attr-defined]
        fields["support_group"].queryset = core_queries.groups_for(actor).filter(is_active=True)  # type: ignore[attr-defined]
        fields["from_incident"].queryset = incidents_for(actor)  # type: ignore[attr-defined]


class ActivateForm(SolutionTextForm):
    inputs = inputs.SOLUTION_DECISION
    note = forms.CharField(required=False, label="Note (optional)", max_length=2000)


class RejectForm(GuardedForm):
    inputs = inputs.SOLUTION_NOTE
    note = forms.CharField(
        label="Why it is not for general use",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class SolutionUseForm(GuardedForm):
    """The request a solution was used on."""

    inputs = inputs.SOLUTION_USE
    incident = forms.ModelChoiceField(queryset=None, error_messages={
        "required": "Choose a request you may see.", "invalid_choice": "Choose a request you may see."
    })  # fmt: skip

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["incident"].queryset = incidents_for(actor)  # type: ignore[attr-defined]


# --- Reports -----------------------------------------------------------------------------


class PeriodForm(forms.Form):
    week = formfields.IsoDateField(required=False, label="Week containing")


class SubscribeForm(GuardedForm):
    """The weekly email toggle: "1" subscribes, anything else unsubscribes."""

    inputs = inputs.REPORT_SUBSCRIPTION
    subscribe = forms.CharField(required=False, max_length=1)
