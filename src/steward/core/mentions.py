"""@mentions in work notes, for every record type: ``@username`` of a staff member who may
see the record becomes a link to their page and tells them (in-app and email through
``core.notify``). Anyone else mentioned (unknown, inactive, customer-side, or not allowed
to see the record) is left as plain text and told nothing, so a note leaks nothing."""

import re
from collections.abc import Callable, Iterable
from html import escape

from django.db import models

from steward.core import journal, notify, permissions
from steward.core.models import Person

# An @ not preceded by a word character (so e-mail addresses are no mentions).
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9_.+-]{0,149})")
EVENT = "mention"
notify.describe(EVENT, "Mentioned in a work note")


def _names(body: str) -> list[str]:
    return [m.group(1).rstrip(".-+") for m in _MENTION.finditer(body)]


def mentioned(
    actor: Person, body: str, may_see: Callable[[Person], bool]
) -> tuple[str, list[Person]]:
    """The body with allowed mentions linked, and the people to tell (never the author)."""
    names = set(_names(body))
    if not names:
        return body, []
    people = [
        p
        for p in Person.objects.filter(username__in=names, is_active=True).order_by("username")
        if p.pk != actor.pk
        and p.has_usable_password()
        and not permissions.is_customer_side(p)
        and may_see(p)
    ]
    by_name = {p.username: p for p in people}
    # The author may mention themselves: linked, not told.
    if actor.username in names:
        by_name[actor.username] = actor

    def link(match: re.Match[str]) -> str:
        raw = match.group(1)
        name = raw.rstrip(".-+")
        person = by_name.get(name)
        if person is None:
            return match.group(0)
        rest = raw[len(name) :]
        url = escape(person.get_absolute_url())
        return f'<a href="{url}" class="mention">@{escape(name)}</a>{rest}'

    return _MENTION.sub(link, journal.keep_lines(body)), people


def tell(actor: Person, record: models.Model, people: Iterable[Person], text: str) -> None:
    """Tell each mentioned person (inside the writing service's transaction)."""
    people = list(people)
    if not people:
        return
    number = getattr(record, "number", "") or str(record)
    notify.send(
        recipients=people,
        event=EVENT,
        title=f"{actor.display_name} mentioned you in {number}",
        body=text[:2000],
        record=record,
    )
