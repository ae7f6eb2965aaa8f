"""A page form whose save was refused because the record changed meanwhile
(``versioning.StaleVersion``): the form again, rebased on the current version."""

from typing import Any

from django import forms
from django.utils import timezone

from steward.core import journal, versioning
from steward.core.errors import StaleVersion


def rebase(form: forms.Form, *, current: forms.Form, exc: StaleVersion, actor: Any) -> None:
    """Fields only the other person changed take their value now (``current`` is the form
    unbound, filled from the record as it is); fields both changed keep this person's entry
    with a note of the other value; on top, who changed what; the form carries the current
    version, so saving again applies this person's edits on top of the other person's.
    The refused attempt is journalled (staff only)."""
    message, changes = versioning.explain(exc, actor=actor)
    first: dict[str, versioning.Change] = {}
    for change in changes:
        first.setdefault(change.field, change)  # its old value: as this person saw it
    data = form.data.copy()
    data[versioning.FIELD] = str(exc.current)
    notes, theirs = {}, set()
    for name, change in first.items():
        if name not in form.fields or name == versioning.FIELD:
            continue
        if journal.as_text(form.cleaned_data.get(name)) == change.old:
            _set_value(data, current, name)  # untouched here: take theirs
            theirs.add(name)
        else:
            when = timezone.localtime(change.at).strftime("%H:%M")
            notes[name] = (
                f"{change.by} changed this to {change.new or '(empty)'} at {when}; "
                "yours is kept here: check it before saving again."
            )
    # What this person changed: what differs from the record now, but not only because the
    # other person changed it.
    mine = [n for n in form.changed_data if n != versioning.FIELD and n not in theirs]
    versioning.refused(exc, actor=actor, attempted=mine)
    form.data = data
    form.add_error(None, message)
    for name, note in notes.items():
        form.add_error(name, note)


def _set_value(data: Any, form: forms.Form, name: str) -> None:
    """Put the (unbound) form's value of ``name`` into posted ``data``, as a browser would."""
    field = form.fields[name]
    value = field.prepare_value(form[name].value())
    if isinstance(field.widget, forms.CheckboxInput):
        if value:
            data[name] = "on"
        else:
            data.pop(name, None)
    elif isinstance(value, list | tuple):
        data.setlist(name, [str(v) for v in value])
    else:
        data[name] = field.widget.format_value(value) or ""
