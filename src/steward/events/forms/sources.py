"""Page forms of the monitoring sources (seed 003 ch. 6). They parse input; the services
validate again."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from steward.core.choices import Role
from steward.core.fields import GuardedForm
from steward.core.models import Person, SupportGroup
from steward.events import inputs
from steward.events.choices import SourceKind
from steward.events.models import EventSource
from steward.events.services.sources import DEFAULT_RATE_LIMIT, MAX_RATE_LIMIT


def operator_candidates() -> QuerySet[Person]:
    """Active people holding the operator role (anywhere)."""
    return (
        Person.objects.filter(role_assignments__role=Role.OPERATOR, is_active=True)
        .distinct()
        .order_by("last_name", "first_name")
    )


class SourceForm(GuardedForm):
    """Ch. 6: a monitoring source (its token is made by Steward, never typed in)."""

    inputs = inputs.SOURCE_CREATE

    name = forms.CharField(max_length=100, help_text="The monitoring tool and where it runs.")
    kind = forms.ChoiceField(choices=SourceKind.choices, label="Format",
                             help_text="What it sends; each format has its own endpoint.")  # fmt: skip
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    operator = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False,
        help_text="An operator in whose name incident requests for its events are registered.",
    )  # fmt: skip
    support_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.none(), required=False,
        help_text="The group that maintains its monitoring jobs (event review improvements).",
    )  # fmt: skip
    rate_limit = forms.IntegerField(min_value=1, max_value=MAX_RATE_LIMIT,
                                    initial=DEFAULT_RATE_LIMIT, label="Rate limit",
                                    help_text="Events per second accepted from it.")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = operator_candidates()
        self.fields["support_group"].queryset = SupportGroup.objects.order_by("name")

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("operator", "support_group"):
            data[name] = data[name].pk if data.get(name) else None
        return data


class SourceEditForm(SourceForm):
    inputs = inputs.SOURCE_UPDATE


def source_initial(source: EventSource) -> dict[str, Any]:
    return {"name": source.name, "kind": source.kind, "description": source.description,
            "operator": source.operator_id, "support_group": source.support_group_id,
            "rate_limit": source.rate_limit}  # fmt: skip
