"""The form of a catalog request type (issue 13)."""

from typing import Any

from django import forms


class RequestAnswersForm(forms.Form):
    """The form of a catalog request type (issue 13): one field per question, named by its
    key. Not a ``GuardedForm``: its fields are the request type's own questions, which
    anyone who may ask for it answers; the service checks the answers again
    (``clean_answers``) and takes nothing else (``inputs.SERVICE_REQUEST``)."""

    def __init__(self, *args: Any, request_type: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in request_type.fields.all():
            self.fields[question.key] = request_field(question)

    def answers(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def request_field(question: Any) -> forms.Field:
    """The page field for one question of a request type, by its kind."""
    common = {"label": question.label, "required": question.required, "help_text": question.help}
    kind = question.kind
    if kind == "long_text":
        return forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == "choice":
        choices = [("", "Choose…"), *((o, o) for o in question.options)]
        return forms.ChoiceField(choices=choices, **common)
    if kind == "yes_no":
        return forms.ChoiceField(
            choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect, **common
        )
    if kind == "date":
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "number":
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    return forms.CharField(max_length=200, **common)
