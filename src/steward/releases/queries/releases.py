"""Reads of Release Management records, restricted to the actor (docs/ARCHITECTURE.md,
"How a request flows"). Release Management is the provider's own work: staff with
``releases.release.view`` see every release, CAB, meeting and business case;
customer-side people see none."""

from typing import Any

from django.db.models import Count, QuerySet

from steward.core import permissions, queries
from steward.core.models import Person
from steward.releases.models import BusinessCase, Cab, CabMeeting, Release, RfcHandling

VIEW = "releases.release.view"


def _staff(actor: Person) -> bool:
    return (
        getattr(actor, "is_authenticated", False)
        and not permissions.is_customer_side(actor)
        and permissions.has(actor, VIEW)
    )


def releases_for(actor: Person) -> QuerySet[Release]:
    qs = Release.objects.select_related("service", "coordinator")
    return qs if _staff(actor) else qs.none()


def release_for(actor: Person, pk: Any) -> Release:
    return queries.one(releases_for(actor), pk, "release")


def with_rfc_counts(qs: QuerySet[Release]) -> QuerySet[Release]:
    return qs.annotate(rfc_count=Count("rfc_handlings", distinct=True))


def handlings_for(actor: Person) -> QuerySet[RfcHandling]:
    qs = RfcHandling.objects.select_related("rfc", "rfc__requested_by", "service", "release",
                                            "coordinator")  # fmt: skip
    return qs if _staff(actor) else qs.none()


def handling_for(actor: Person, pk: Any) -> RfcHandling:
    return queries.one(handlings_for(actor), pk, "request for change handling")


def cabs_for(actor: Person) -> QuerySet[Cab]:
    qs = Cab.objects.select_related("service")
    return qs if _staff(actor) else qs.none()


def cab_for(actor: Person, pk: Any) -> Cab:
    return queries.one(cabs_for(actor), pk, "CAB")


def meetings_for(actor: Person) -> QuerySet[CabMeeting]:
    qs = CabMeeting.objects.select_related("cab", "cab__service", "coordinator")
    return qs if _staff(actor) else qs.none()


def meeting_for(actor: Person, pk: Any) -> CabMeeting:
    return queries.one(meetings_for(actor), pk, "CAB meeting")


def business_cases_for(actor: Person) -> QuerySet[BusinessCase]:
    qs = BusinessCase.objects.select_related("release", "release__service", "decided_by")
    return qs if _staff(actor) else qs.none()


def business_case_for(actor: Person, pk: Any) -> BusinessCase:
    return queries.one(business_cases_for(actor), pk, "business case")
