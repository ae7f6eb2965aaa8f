"""Full-text search over incident requests and solutions, and the solutions suggested while a
request is registered (seed 003 ch. 8 procedures 1, 4, 6, 7; IRP SG2: "a list of known
workarounds that can be selected for the type of incident reported").

Two engines behind one set of functions, chosen by the database in use:

* **PostgreSQL**: ``to_tsvector('english', title || ' ' || description)`` (solutions: title,
  symptoms, body) matched with ``websearch_to_tsquery`` and ordered by ``ts_rank``. The
  expressions are exactly those of the GIN indexes made by migration
  ``0002_search_indexes``, so the planner answers the match from the index (a test checks
  the plan). Words are stemmed ("printers" finds "printer"), stop words are ignored, and
  the search syntax works: ``"exact phrase"``, ``or``, ``-excluded``.
* **SQLite** (the embedded default): every word must appear in one of the fields
  (case-insensitive substring, ASCII letters only; common English words such as "the" are
  skipped, as PostgreSQL does); results rank by how many of the words the title holds, then
  newest first. No stemming, no phrases, no ``or`` / ``-word``: "printers" does not find
  "printer", but "print" finds both (substrings).

Suggestions use "any word" rather than "every word": the text being typed while registering
is a description, not a query, so a solution matching some of its words is still useful.

On PostgreSQL a search for a very common word could match a large share of a million
requests; ranking all of them would be slow, so incidents rank among the newest
``RANK_WINDOW`` matches (requests are newest-first among equals anyway).
"""

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)

from steward.core import permissions
from steward.core.models import Person
from steward.incidents.choices import SolutionStatus
from steward.incidents.models import IncidentRequest, Solution

CONFIG = "english"
# The indexed expressions (migration 0002): same fields, same order, same configuration.
INCIDENT_FIELDS = ("title", "description")
SOLUTION_FIELDS = ("title", "symptoms", "body")
MAX_TEXT = 300  # characters of search text considered
MAX_WORDS = 12  # words of search text considered
RANK_WINDOW = 500  # PostgreSQL: incidents ranked among the newest this many matches
# Which way to find the newest matches (see match_incidents): reading requests newest first
# costs window x total / matches rows, each computing to_tsvector (~25 us); reading the
# matches from the GIN index costs ~0.35 us per match plus ~100 ms of set-up. Measured on
# 1,000,000 requests of 36 words, the two cross at about 10 % matching, i.e. where
# matches^2 = window x total x this ratio.
SCAN_COST_RATIO = 18
SERVICE_BOOST = 1.5
CI_CLASS_BOOST = 1.5

_WORD = re.compile(r"[^\W_]+")
# SQLite: common English words PostgreSQL's "english" configuration ignores too; as
# substrings they would match nearly everything ("is" in "this").
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "cannot",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def words(text: str) -> list[str]:
    """The distinct words (letters and digits) of ``text``, lower case, in order."""
    found = _WORD.findall((text or "")[:MAX_TEXT].lower())
    return list(dict.fromkeys(found))[:MAX_WORDS]


def incident_vector() -> SearchVector:
    return SearchVector(*INCIDENT_FIELDS, config=CONFIG)


def solution_vector() -> SearchVector:
    return SearchVector(*SOLUTION_FIELDS, config=CONFIG)


def _all_words(fields: Sequence[str], terms: list[str]) -> Q:
    condition = Q()
    for word in terms:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def _title_hits(terms: list[str], title: str = "title") -> Any:
    """How many of ``terms`` the title holds (SQLite relevance)."""
    total: Any = Value(0.0)
    for word in terms:
        total = total + Case(
            When(**{f"{title}__icontains": word}, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    return ExpressionWrapper(total, output_field=FloatField())


def sqlite_words(text: str) -> list[str]:
    """The words SQLite looks for: ``words`` without the stop words."""
    return [w for w in words(text) if w not in STOP_WORDS]


def match(qs: QuerySet, text: str, fields: Sequence[str]) -> QuerySet:
    """``qs`` narrowed to the rows matching ``text`` (every word), annotated with
    ``relevance`` and ordered by it (best first, then newest). Empty text: nothing."""
    text = (text or "").strip()[:MAX_TEXT]
    terms = words(text)
    if not terms:
        return qs.none()
    if is_postgres():
        vector = SearchVector(*fields, config=CONFIG)
        query = SearchQuery(text, config=CONFIG, search_type="websearch")
        return (
            qs.alias(document=vector)
            .filter(document=query)
            .annotate(relevance=SearchRank(vector, query))
            .order_by("-relevance", "-pk")
        )
    terms = sqlite_words(text)
    if not terms:
        return qs.none()
    return (
        qs.filter(_all_words(fields, terms))
        .annotate(relevance=_title_hits(terms))
        .order_by("-relevance", "-pk")
    )


def _estimated_rows(qs: QuerySet) -> float:
    """The planner's estimate of the rows ``qs`` returns (PostgreSQL; costs one planning)."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def match_incidents(qs: QuerySet[IncidentRequest], text: str) -> QuerySet[IncidentRequest]:
    """Incident requests of ``qs`` matching ``text``, best first.

    On PostgreSQL the ranking looks at the newest ``RANK_WINDOW`` matches, found one of two
    ways, by the planner's estimate of how many rows match (the expression index has
    statistics): a rare text reads its matches from the GIN index and keeps the newest; a
    common one reads requests newest first until the window is full, which takes few rows
    when many match. The planner alone picks the second way too often, because it prices
    computing ``to_tsvector`` per row far too low.
    """
    if not is_postgres():
        return match(qs, text, INCIDENT_FIELDS)
    text = (text or "").strip()[:MAX_TEXT]
    if not words(text):
        return qs.none()
    query = SearchQuery(text, config=CONFIG, search_type="websearch")
    matching = qs.alias(document=incident_vector()).filter(document=query)
    found = _estimated_rows(matching.values("pk"))
    total = _estimated_rows(qs.values("pk"))
    if found * found > RANK_WINDOW * total * SCAN_COST_RATIO:
        newest = matching.order_by("-pk")  # backwards along the primary key
    else:
        newest = matching.order_by((F("pk") + 0).desc())  # not the primary key: the GIN index
    return (
        qs.filter(pk__in=newest.values("pk")[:RANK_WINDOW])
        .annotate(relevance=SearchRank(incident_vector(), query))
        .order_by("-relevance", "-pk")
    )


def match_solutions(qs: QuerySet[Solution], text: str) -> QuerySet[Solution]:
    return match(qs, text, SOLUTION_FIELDS)


def _incidents_visible(actor: Person) -> QuerySet[IncidentRequest]:
    from steward.incidents.queries import incidents as incident_queries

    return incident_queries.incidents_for(actor)


def search_incidents(*, actor: Person, text: str, limit: int = 50) -> list[IncidentRequest]:
    """The incident requests ``actor`` may see that match ``text``, best first: a requester
    finds only their own, a customer representative their organisation's."""
    qs = _incidents_visible(actor).select_related("service", "support_group", "requester")
    return list(match_incidents(qs, text)[: max(0, min(limit, 200))])


def search_solutions(
    *, actor: Person, text: str, limit: int = 50, status: str | None = None
) -> list[Solution]:
    """The solutions ``actor`` may see that match ``text``, best first (customer-side people
    see active solutions only)."""
    from steward.incidents.queries.solutions import solutions_for

    qs = solutions_for(actor)
    if status:
        qs = qs.filter(status=status)
    return list(match_solutions(qs, text)[: max(0, min(limit, 200))])


# --- Suggestions while registering ------------------------------------------------------------


def _any_word(qs: QuerySet[Solution], terms: list[str]) -> QuerySet[Solution]:
    """Solutions holding at least one of ``terms``, with ``relevance`` (higher is better)."""
    if is_postgres():
        # Letters and digits only (``words``), so the raw tsquery syntax cannot be injected.
        query = SearchQuery(" | ".join(terms), config=CONFIG, search_type="raw")
        vector = solution_vector()
        return (
            qs.alias(document=vector)
            .filter(document=query)
            .annotate(relevance=SearchRank(vector, query))
        )
    condition = Q()
    score: Any = Value(0.0)
    terms = [w for w in terms if w not in STOP_WORDS]
    if not terms:
        return qs.none()
    for word in terms:
        in_title = Q(title__icontains=word)
        elsewhere = Q(symptoms__icontains=word) | Q(body__icontains=word)
        condition |= in_title | elsewhere
        score = score + Case(
            When(in_title, then=Value(2.0)),
            When(elsewhere, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    return qs.filter(condition).annotate(
        relevance=ExpressionWrapper(score, output_field=FloatField())
    )


def ci_class_ids(cis: Iterable[Any]) -> set[int]:
    """The classes of ``cis`` (instances or ids) and their ancestors: a solution for
    "Server" fits a CI of its subclass "Linux server"."""
    from steward.configuration.models import ConfigurationItem
    from steward.configuration.queries.classes import classes_with_ancestors

    ids = [getattr(ci, "pk", ci) for ci in cis]
    ids = [int(pk) for pk in ids if pk not in (None, "")]
    if not ids:
        return set()
    wanted = ConfigurationItem.objects.filter(pk__in=ids).values_list("ci_class_id", flat=True)
    return classes_with_ancestors(wanted)


def suggest_solutions(
    *,
    actor: Person,
    text: str,
    service: Any = None,
    cis: Iterable[Any] = (),
    limit: int = 5,
) -> list[Solution]:
    """Active solutions and known workarounds for a request being registered, best first.

    Ranked by relevance to ``text`` (any of its words), times ``SERVICE_BOOST`` when the
    solution is for ``service`` and ``CI_CLASS_BOOST`` when it is for the class of one of
    ``cis``. Without words, the solutions of the service or CI classes, most used first.
    Each result carries ``score``, ``same_service``, ``same_ci_class`` and ``is_workaround``.
    """
    from steward.incidents.queries.solutions import solutions_for

    if not permissions.has(actor, "incidents.solution.view"):
        return []
    service_id = getattr(service, "pk", service) or None
    classes = ci_class_ids(cis)
    qs = solutions_for(actor).filter(status=SolutionStatus.ACTIVE)
    terms = words(text)
    if terms:
        qs = _any_word(qs, terms)
    elif service_id or classes:
        scope = Q(pk__in=[])
        if service_id:
            scope |= Q(service_id=service_id)
        if classes:
            scope |= Q(ci_class_id__in=classes)
        qs = qs.filter(scope).annotate(relevance=Value(1.0, output_field=FloatField()))
    else:
        return []
    same_service = (
        Case(
            When(service_id=service_id, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        if service_id
        else Value(0, output_field=IntegerField())
    )
    same_class = (
        Case(
            When(ci_class_id__in=classes, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        if classes
        else Value(0, output_field=IntegerField())
    )
    boost_service = Case(
        When(same_service=1, then=Value(SERVICE_BOOST)),
        default=Value(1.0),
        output_field=FloatField(),
    )
    boost_class = Case(
        When(same_ci_class=1, then=Value(CI_CLASS_BOOST)),
        default=Value(1.0),
        output_field=FloatField(),
    )
    qs = (
        qs.annotate(same_service=same_service, same_ci_class=same_class)
        .annotate(
            score=ExpressionWrapper(
                F("relevance") * boost_service * boost_class, output_field=FloatField()
            )
        )
        .select_related("service", "ci_class")
        .order_by("-score", "-use_count", "-pk")
    )
    return list(qs[: max(0, min(limit, 50))])
