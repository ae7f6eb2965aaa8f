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


class LookupInput(forms.HiddenInput):
    """A searchable chooser for a record id among too many records for a select box (CIs):
    the id travels in a hidden input, a search box beside it asks ``lookup_url`` (htmx,
    ``?q=``) for matches, and picking one (a button rendered by ``lookup_choices``)
    sets the id and shows its label (steward.js, ``data-pick``). ``label_for(value)``
    gives the label of the id already chosen. The search box belongs to no form, so only
    the id is submitted; emptying it clears the choice."""

    def __init__(
        self,
        lookup_url: str,
        label_for: Any,
        placeholder: str = "Type to search…",
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.lookup_url, self.label_for, self.placeholder = lookup_url, label_for, placeholder

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_search" if id_ else id_  # the label names the search box

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        field_id = final.get("id") or f"id_{name}"
        current = self.format_value(value) or ""
        label = (self.label_for(current) if current else "") or ""
        return format_html(
            '<div class="lookup">'
            '<input type="hidden" name="{}" id="{}" value="{}">'
            '<input type="search" id="{}_search" name="q" form="{}_none" value="{}" '
            'placeholder="{}" autocomplete="off" aria-describedby="{}_help" '
            'hx-get="{}" hx-trigger="input changed delay:250ms, search" '
            'hx-target="#{}_matches" data-enter-stays data-lookup-search>'
            '<span class="visually-hidden" id="{}_help">Type, then pick one of the matches.</span>'
            '<div id="{}_matches" class="lookup-matches" aria-live="polite"></div>'
            "</div>",
            name, field_id, current,
            field_id, field_id, label, self.placeholder, field_id,
            self.lookup_url, field_id, field_id, field_id,
        )  # fmt: skip


def lookup_choices(matches: list[tuple[Any, str]], text: str) -> SafeString:
    """The matches of a ``LookupInput`` search: one button per (id, label) that picks it
    into the lookup it was asked from; a line saying nothing matched otherwise."""
    if not matches:
        if len(text) < 2:
            return mark_safe("")
        return format_html('<p class="empty-inline">Nothing matches “{}”.</p>', text)
    button = '<li><button type="button" data-pick data-pick-value="{}" data-pick-label="{}">{}</button></li>'
    items = [format_html(button, value, label, label) for value, label in matches]
    return format_html(
        '<ul class="match-list" aria-label="Matches">{}</ul>', mark_safe("".join(items))
    )
