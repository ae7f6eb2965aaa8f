"""Select boxes of list filters rendered in Python.

Django renders a select box through a template per option: a filter form with the
customers, services and groups as choices took ~8 ms of a queue page's ~40 ms. These
subclasses build the same markup (name, attributes, ``multiple``, ``selected``) directly
and read model choices with one plain query instead of a server-side cursor.
"""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _choices(widget: forms.Select) -> Iterator[tuple[Any, Any]]:
    choices = widget.choices
    if isinstance(choices, ModelChoiceIterator):
        # One query, fetched whole: the iterator's server-side cursor costs PostgreSQL a
        # cursor declaration per select box.
        if choices.field.empty_label is not None:
            yield ("", choices.field.empty_label)
        for obj in list(choices.queryset):
            yield choices.choice(obj)
        return
    yield from choices


class _PythonRendered:
    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        widget: Any = self
        final = widget.build_attrs(widget.attrs, attrs)
        current = widget.format_value(value)  # NullBooleanSelect: one string, not a list
        selected = {current} if isinstance(current, str) else {str(v) for v in current}
        multiple = " multiple" if widget.allow_multiple_selected else ""
        parts = [format_html('<select name="{}"{}{}>', name, flatatt(final), multiple)]
        for option_value, label in _choices(widget):
            if isinstance(label, list | tuple):  # an option group
                parts.append(format_html('<optgroup label="{}">', option_value))
                parts.extend(self._option(v, text, selected) for v, text in label)
                parts.append(mark_safe("</optgroup>"))
            else:
                parts.append(self._option(option_value, label, selected))
        parts.append(mark_safe("</select>"))
        return mark_safe("".join(parts))

    @staticmethod
    def _option(value: Any, label: Any, selected: set[str]) -> str:
        value = "" if value is None else str(value)
        mark = " selected" if value in selected else ""
        return format_html('<option value="{}"{}>{}</option>', value, mark, label)


class Select(_PythonRendered, forms.Select):
    pass


class SelectMultiple(_PythonRendered, forms.SelectMultiple):
    pass


class NullBooleanSelect(_PythonRendered, forms.NullBooleanSelect):
    pass


FAST = {forms.Select: Select, forms.SelectMultiple: SelectMultiple,
        forms.NullBooleanSelect: NullBooleanSelect}  # fmt: skip


def speed_up(widget: forms.Widget) -> None:
    """Render ``widget`` in Python if it is one of Django's plain select boxes."""
    fast = FAST.get(type(widget))
    if fast is not None:
        widget.__class__ = fast
