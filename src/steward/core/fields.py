"""Who may set which input, and who will read it: one declaration per write.

Each write (a service, and the API serializer and page form that feed it) declares an
``Inputs``: for every field it takes, a ``Rule`` saying whether customer-side people
(requesters, customer representatives) may set it, which permission provider staff need
for it, and, for free text, who will read it (``audience``). Three places apply the same
declaration, so a field nobody may set never gets as far as the database:

* the service: ``inputs.check(actor, given, record)`` before it writes (pages, API, email
  and CLI all call services);
* the API: ``core.api.base.GuardedSerializer`` refuses keys of the request body the caller
  may not set, and keys no field takes, with a 400 naming each field;
* the pages: ``GuardedForm`` refuses posted values the actor may not set with a form error.

A refused field is an error naming the field, never silently dropped: a client that sent
``impact`` must learn it was not applied. The seed (003 ch. 8 proc. 1) gives impact,
urgency, priority, classification, group, assignee and status to the service desk; the
customer side describes its request and talks to the desk.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError

from steward.core import audit, permissions
from steward.core.choices import SecurityEventKind

# Who reads a free-text field; the sentence is added to its help text on the page and in
# the OpenAPI description, so whoever types knows.
INTERNAL = "Internal: seen by staff only."
REQUESTER = "Sent to the requester."
SHARED = "Seen by the requester and by staff."
CUSTOMER = "Seen by the customer's representatives too."
PUBLISHED = "Published: customers read it once published."

REFUSED = "You may not set this field."
UNKNOWN = "No such field here: it cannot be set."
NOT_HERE = "This form does not set this field."


@dataclass(frozen=True)
class Rule:
    """Who may set one field.

    ``customer``: customer-side people may set it (provider staff always may, subject to
    the rest). ``customer_values``: the only values customer-side people may give (the
    channel they came through, ``public=True`` on a reply). ``permission``: a right
    needed to set it (on the record when known). ``when``: a finer check
    ``(actor, record) -> bool`` (e.g. "service desk only"), with ``why`` saying it.
    """

    customer: bool = False
    customer_values: frozenset | None = None
    permission: str = ""
    when: Callable[[Any, Any], bool] | None = None
    why: str = ""
    audience: str = ""

    def permits(
        self, actor: Any, record: Any = None, value: Any = None, *, valued: bool = False
    ) -> bool:
        if permissions.is_customer_side(actor):
            if not self.customer:
                return False
            if valued and self.customer_values is not None and not self._among(value):
                return False
        if self.permission and not permissions.has(actor, self.permission, record):
            return False
        return self.when is None or bool(self.when(actor, record))

    def _among(self, value: Any) -> bool:
        try:
            return value in (self.customer_values or ())
        except TypeError:  # a list or a mapping where one value is expected
            return False

    def message(self) -> str:
        return f"{REFUSED} {self.why}".strip()


def anyone(*, audience: str = "", values: Iterable[Any] | None = None, **kw: Any) -> Rule:
    """Everyone who may use the write, customer-side people included (only ``values``
    for them, when given)."""
    allowed = frozenset(values) if values is not None else None
    return Rule(customer=True, customer_values=allowed, audience=audience, **kw)


# The record version a form was opened at (core.versioning) is part of every write: it
# only says where the person started, and a stale one is refused by the version check.
VERSION_FIELD = "lock_version"
_VERSION_RULE = anyone()


def staff(
    permission: str = "",
    *,
    when: Callable[[Any, Any], bool] | None = None,
    why: str = "",
    audience: str = "",
    customer_values: Iterable[Any] | None = None,
) -> Rule:
    """Provider staff only (``permission`` / ``when`` narrow it further). With
    ``customer_values``, customer-side people may give exactly those values: what the
    interface they use sets for them (the channel), never a choice of their own."""
    allowed = frozenset(customer_values) if customer_values is not None else None
    return Rule(
        customer=allowed is not None,
        customer_values=allowed,
        permission=permission,
        when=when,
        why=why,
        audience=audience,
    )


class FieldsRefused(ValidationError):
    """Fields the actor may not set (HTTP 400 naming each, a form error on pages)."""

    def __init__(self, messages: Mapping[str, str]) -> None:
        super().__init__(
            {name: [ValidationError(text, code="refused")] for name, text in messages.items()}
        )
        self.fields = sorted(messages)


def _is_given(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != () and value != {}


def given(**values: Any) -> dict[str, Any]:
    """The arguments a caller actually gave (None, "" and empty collections are "not given")."""
    return {name: value for name, value in values.items() if _is_given(value)}


class Inputs:
    """The fields one write takes and the rule of each (``label`` names the write)."""

    def __init__(
        self, label: str, rules: Mapping[str, Rule] | None = None, /, **more: Rule
    ) -> None:
        self.label = label
        self.rules: dict[str, Rule] = {**(rules or {}), **more}

    def __repr__(self) -> str:
        return f"Inputs({self.label!r}, {sorted(self.rules)})"

    def rule_for(self, field: str) -> Rule | None:
        """The field's rule; a key with ``*`` covers a family of fields a form builds per
        row (``line-*-status``, ``attr__*``)."""
        if field == VERSION_FIELD:
            return _VERSION_RULE
        rule = self.rules.get(field)
        if rule is None:
            rule = next(
                (r for key, r in self.rules.items() if "*" in key and fnmatchcase(field, key)), None
            )
        return rule

    def __contains__(self, field: str) -> bool:
        return self.rule_for(field) is not None

    def __getitem__(self, field: str) -> Rule:
        rule = self.rule_for(field)
        if rule is None:
            raise KeyError(field)
        return rule

    def __call__(self, label: str = "", /, **changes: Rule | str | None) -> "Inputs":
        """A derived declaration (a serializer's or form's view of a service's inputs):
        a Rule adds or replaces a field, a string makes a field follow another field's
        rule (the form's own name for it), None drops a field."""
        rules = dict(self.rules)
        for field, change in changes.items():
            if change is None:
                rules.pop(field, None)
            elif isinstance(change, str):
                rules[field] = self.rules[change]
            else:
                rules[field] = change
        return Inputs(label or self.label, rules)

    def refusals(
        self, actor: Any, values: Mapping[str, Any], record: Any = None, *, valued: bool = True
    ) -> dict[str, str]:
        """{field: message} for each given field the actor may not set (unknown ones too)."""
        refused: dict[str, str] = {}
        for field, value in values.items():
            rule = self.rule_for(field)
            if rule is None:
                refused[field] = UNKNOWN
            elif not rule.permits(actor, record, value, valued=valued):
                refused[field] = rule.message()
        return refused

    def check(self, actor: Any, values: Mapping[str, Any], record: Any = None) -> None:
        """Raise ``FieldsRefused`` unless ``actor`` may set every field of ``values``
        (pass ``given(...)`` of the service's arguments, or the update's mapping)."""
        refused = self.refusals(actor, values, record)
        if refused:
            raise FieldsRefused(refused)


def staff_inputs(label: str, /, *fields: str, **rules: Rule) -> Inputs:
    """A write only provider staff use: every named field ``staff()``, ``rules`` as given."""
    return Inputs(label, {field: staff() for field in fields}, **rules)


def with_audience(help_text: str, audience: str) -> str:
    """``help_text`` ending with the audience sentence (once)."""
    help_text = str(help_text or "")
    if not audience or audience in help_text:
        return help_text
    return f"{help_text} {audience}".strip()


# --- Page forms -------------------------------------------------------------------------------


class GuardedForm(forms.Form):
    """A page form that refuses what the actor may not set.

    Subclasses set ``inputs``; views pass ``actor`` (and ``record`` when the form acts on
    one). A posted non-empty value for a field the actor may not set (a form field, or
    one the declaration names though the form does not show it, such as ``impact`` posted
    to the portal) becomes a form error naming it; posted keys nobody declared (the CSRF
    token, ``next``) are not the form's business. Each declared field's audience is added
    to its help text. A declared field the form does not show (a page that leaves it out)
    is refused too, so nothing posted is silently dropped.
    """

    inputs: Inputs

    def __init__(self, *args: Any, actor: Any = None, record: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor, self.record = actor, record
        inputs = getattr(type(self), "inputs", None)
        if inputs is None:
            raise ImproperlyConfigured(f"{type(self).__name__} declares no inputs.")
        for name, field in self.fields.items():
            rule = inputs.rule_for(name)
            if rule is not None and rule.audience:
                field.help_text = with_audience(field.help_text, rule.audience)

    def __getitem__(self, name: str) -> forms.BoundField:
        # Fields a form adds per record after __init__ (requisition lines) get theirs here.
        rule = self.inputs.rule_for(name)
        field = self.fields.get(name)
        if rule is not None and rule.audience and field is not None:
            # Before the bound field exists: it copies the help text when it is made.
            field.help_text = with_audience(field.help_text, rule.audience)
        return super().__getitem__(name)

    def _posted(self) -> dict[str, Any]:
        posted: dict[str, Any] = {}
        for key in self.data:
            if self.prefix and not key.startswith(f"{self.prefix}-"):
                continue  # a formset row owns only its own keys, not the page form's
            name = key[len(self.prefix) + 1 :] if self.prefix else key
            if name not in self.fields and name not in self.inputs:
                continue
            values = self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data[key]]
            values = [v for v in values if _is_given(v)]
            if values:
                posted[name] = values[0] if len(values) == 1 else values
        for key in self.files or {}:
            if key in self.fields or key in self.inputs:
                posted[key] = self.files[key]
        return posted

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        if self.actor is None:
            raise ImproperlyConfigured(f"{type(self).__name__} was bound without its actor.")
        posted = self._posted()
        # Raw posted text first; customer_values hold the typed values the services take,
        # so those are compared with the cleaned value of what was posted.
        refused = self.inputs.refusals(self.actor, posted, self.record, valued=False)
        for name in posted:
            if name not in refused and name not in self.fields:
                refused[name] = NOT_HERE  # declared for the write, but this form does not take it
        cleaned = getattr(self, "cleaned_data", {})
        for name in posted:
            rule = self.inputs.rule_for(name)
            if name in refused or rule is None or name not in cleaned:
                continue
            if not rule.permits(self.actor, self.record, cleaned[name], valued=True):
                refused[name] = rule.message()
        if refused:
            audit.record(
                SecurityEventKind.PERMISSION_DENIED,
                actor=self.actor,
                detail=f"Refused fields: {', '.join(sorted(refused))} ({type(self).__name__}).",
                data={"fields": sorted(refused)},
            )
        for name, text in refused.items():
            if name in self.fields:
                self.add_error(name, ValidationError(text, code="refused"))
            else:
                label = name.replace("_", " ")
                self.add_error(
                    NON_FIELD_ERRORS,
                    ValidationError(f"{label.capitalize()}: {text}", code="refused"),
                )
