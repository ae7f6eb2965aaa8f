"""Page forms of event types, CI match rules and correlation rules (seed 003 ch. 6
proc. 1, 2), and the "try it" of a CI match rule. They parse input; the services validate
again."""

from typing import Any

from django import forms

from steward.core.fields import GuardedForm
from steward.events import inputs
from steward.events.choices import EventCategory, MatchOn
from steward.events.models import CiMatchRule, CorrelationRule, EventSource, EventType
from steward.events.services.rules import MAX_ORDER, MAX_WINDOW


class EventTypeForm(GuardedForm):
    inputs = inputs.EVENT_TYPE_CREATE

    code = forms.CharField(max_length=100,
                           help_text="What monitors send as the event type: the alert name, "
                           "the trigger.")  # fmt: skip
    name = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=EventCategory.choices,
                                 help_text="Outage and degradation open a restoration "
                                 "incident; a capacity warning goes to the capacity "
                                 "manager; information opens none.")  # fmt: skip
    handling_instructions = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}),
                                            required=False,
                                            help_text="What the operator does when such an "
                                            "event arrives.")  # fmt: skip
    is_active = forms.BooleanField(required=False, initial=True, label="In use")


class EventTypeEditForm(EventTypeForm):
    inputs = inputs.EVENT_TYPE_UPDATE


def event_type_initial(event_type: EventType) -> dict[str, Any]:
    return {name: getattr(event_type, name) for name in
            ("code", "name", "category", "handling_instructions", "is_active")}  # fmt: skip


class MatchRuleForm(GuardedForm):
    inputs = inputs.MATCH_RULE_CREATE

    order = forms.IntegerField(min_value=0, max_value=MAX_ORDER, initial=100,
                               help_text="Rules are tried from the lowest order up; a "
                               "source's own rules before the rules for all sources.")  # fmt: skip
    name = forms.CharField(max_length=150)
    is_active = forms.BooleanField(required=False, initial=True, label="In use")
    source = forms.ModelChoiceField(queryset=EventSource.objects.none(), required=False,
                                    empty_label="All sources")  # fmt: skip
    event_field = forms.CharField(max_length=100, initial="resource", label="Event field",
                                  help_text='"resource", or a path into the event\'s '
                                  'attributes such as "labels.instance" or "host".')  # fmt: skip
    match_on = forms.ChoiceField(choices=MatchOn.choices, label="Match on")
    ci_attribute = forms.CharField(max_length=60, required=False, label="CI attribute",
                                   help_text='The CI attribute compared (for example "ip"); '
                                   "only for a match on a CI attribute.")  # fmt: skip
    strip_port = forms.BooleanField(required=False, label="Strip the port",
                                    help_text='Compare "host" of a "host:port" value.')  # fmt: skip
    strip_domain = forms.BooleanField(required=False, label="Strip the domain",
                                      help_text='Compare "web-01" of "web-01.example.com" '
                                      "(IP addresses are kept whole).")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = EventSource.objects.order_by("name")

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["source"] = data["source"].pk if data.get("source") else None
        return data


class MatchRuleEditForm(MatchRuleForm):
    inputs = inputs.MATCH_RULE_UPDATE


def match_rule_initial(rule: CiMatchRule) -> dict[str, Any]:
    return {"order": rule.order, "name": rule.name, "is_active": rule.is_active,
            "source": rule.source_id, "event_field": rule.event_field,
            "match_on": rule.match_on, "ci_attribute": rule.ci_attribute,
            "strip_port": rule.strip_port, "strip_domain": rule.strip_domain}  # fmt: skip


class MatchTryForm(forms.Form):
    """The rule page's "try it": a value as an event would carry it. Reads only."""

    value = forms.CharField(max_length=255, label="Value",
                            help_text='As the event carries it, e.g. "web-01.dc1:9100".')  # fmt: skip


class CorrelationRuleForm(GuardedForm):
    inputs = inputs.CORRELATION_RULE_UPDATE

    name = forms.CharField(max_length=150)
    is_active = forms.BooleanField(required=False, label="Switched on")
    window_minutes = forms.IntegerField(min_value=0, max_value=MAX_WINDOW, label="Window (minutes)",
                                        help_text="How far back an open event or incident "
                                        "still counts (0: only what is open now).")  # fmt: skip


def correlation_rule_initial(rule: CorrelationRule) -> dict[str, Any]:
    return {"name": rule.name, "is_active": rule.is_active,
            "window_minutes": rule.window_minutes}  # fmt: skip
