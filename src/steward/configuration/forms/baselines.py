"""Forms of the baseline pages: taking a baseline and choosing what to compare it with."""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from steward.configuration import inputs
from steward.configuration.models import ConfigurationItem
from steward.configuration.queries import cis as cmdb_queries
from steward.configuration.services import baselines as services
from steward.core.fields import GuardedForm
from steward.service_level.models import Service
from steward.service_level.queries import services_for

_SEPARATORS = re.compile(r"[\s,;]+")


class BaselineForm(GuardedForm):
    inputs = inputs.BASELINE

    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        required=False,
        help_text="Its CI and everything it runs on, at any depth.",
    )
    cis = forms.CharField(
        label="Or these CIs",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "CI000012 CI000013"}),
        required=False,
        help_text="CI numbers separated by spaces, commas or new lines.",
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.actor = actor
        with_ci = ConfigurationItem.objects.filter(service__isnull=False).values("service_id")
        self.fields["service"].queryset = (
            services_for(actor).filter(pk__in=with_ci).order_by("name")
        )

    def clean_cis(self) -> list[int]:
        numbers = [n.upper() for n in _SEPARATORS.split(self.cleaned_data.get("cis") or "") if n]
        if not numbers:
            return []
        if len(numbers) > services.MAX_ITEMS:
            raise ValidationError(f"List at most {services.MAX_ITEMS} CIs.")
        found = dict(
            cmdb_queries.cis_for(self.actor).filter(number__in=numbers).values_list("number", "pk")
        )
        unknown = [n for n in dict.fromkeys(numbers) if n not in found]
        if unknown:
            raise ValidationError(f"No CI numbered {', '.join(unknown[:20])}.")
        return sorted(set(found.values()))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        if data.get("service") and data.get("cis"):
            raise ValidationError("Choose a service or list CIs, not both.")
        if not data.get("service") and not data.get("cis"):
            raise ValidationError("Choose a service or list the CIs to include.")
        return data


class CompareForm(forms.Form):
    other = forms.TypedChoiceField(
        label="Compare with", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, choices: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other"].choices = [("", "Now (the CMDB as it is)"), *choices]
