"""Reads of contracts and licence certificates (procedure 5), restricted to the actor.

Contracts carry money: only the people holding ``configuration.contract.view`` see them.
"""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from steward.configuration.choices import ContractStatus
from steward.configuration.models import Contract
from steward.core.models import Person
from steward.core.queries import one, permitted

VIEW = "configuration.contract.view"


def contracts_for(actor: Person) -> QuerySet[Contract]:
    return permitted(
        actor, VIEW, Contract.objects.select_related("supplier", "owner", "licensed_software")
    )


def contract_for(actor: Person, pk: Any) -> Contract:
    return one(contracts_for(actor), pk)


def ending_within(
    qs: QuerySet[Contract], days: int, *, today: dt.date | None = None
) -> QuerySet[Contract]:
    """Active contracts of ``qs`` that end between today and ``days`` days from now."""
    today = today or timezone.localdate()
    return qs.filter(
        status=ContractStatus.ACTIVE,
        ends_on__gte=today,
        ends_on__lte=today + dt.timedelta(days=max(days, 0)),
    )


def my_contracts_ending_soon(actor: Person, *, today: dt.date | None = None) -> list[Contract]:
    """Active contracts the actor owns that are inside their reminder period."""
    today = today or timezone.localdate()
    owned = contracts_for(actor).filter(
        owner_id=actor.pk, status=ContractStatus.ACTIVE, ends_on__gte=today
    )
    return [
        c
        for c in owned.order_by("ends_on", "number")
        if c.ends_on is not None and c.ends_on - dt.timedelta(days=c.remind_days_before) <= today
    ]
