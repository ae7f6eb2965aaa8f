"""Full-text search over incident requests and solutions, and the solutions suggested while a
request is registered (seed 003 ch. 8 procedures 1, 4, 6, 7; IRP SG2: "a list of known
workarounds that can be selected for the type of incident reported").

What a request is found by (its search documents, ``customer_document`` and
``staff_document``): the title (weight A), the description (B), the resolution and
``search_public`` (C: the public replies' text and the text of the solution used), and for
staff only ``search_notes`` (D: the work notes' text). Customer-side people search the
customer document only, so a word written only in a work note never finds a request for
them. The incidents services keep ``search_public`` and ``search_notes`` current
(``refresh_documents``) in the transaction that writes the reply, note or solution.

Two engines behind one set of functions, chosen by the database in use:

* **PostgreSQL**: the documents are ``to_tsvector('english', ...)`` expressions defined
  once here and indexed by GIN expression indexes (``IncidentRequest.Meta.indexes``;
  solutions: title, symptoms, body, migration ``0002_search_indexes``), matched with
  ``websearch_to_tsquery`` and ranked by ``ts_rank`` (weights A > B > C > D). Words are
  stemmed ("printers" finds "printer"), stop words are ignored, and the search syntax
  works: ``"exact phrase"``, ``or``, ``-excluded``.
* **SQLite** (the embedded default): every word must appear in one of the fields
  (case-insensitive substring, ASCII letters only; common English words such as "the" are
  skipped, as PostgreSQL does). No stemming, no phrases, no ``or`` / ``-word``:
  "printers" does not find "printer", but "print" finds both (substrings).

Requests: a query of several words lists the requests holding every word first, then those
holding some of them; within each, best first (title words count most), then newest. An
exact record number ("INC0001234", any case) comes first.

Suggestions use "any word" rather than "every word": the text being typed while registering
is a description, not a query, so a solution matching some of its words is still useful.

On PostgreSQL a search for a very common word could match a large share of a million
requests; ranking all of them would be slow, so requests rank among the newest
``RANK_WINDOW`` matches holding every word (then, if fewer, the newest holding some).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    CombinedSearchVector,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.html import strip_tags

from steward.core import permissions
from steward.core.filters import any_field, every_word
from steward.incidents.choices import SolutionStatus

if TYPE_CHECKING:
    from steward.core.models import Person
    from steward.incidents.models import IncidentRequest, Solution

CONFIG = "english"
# The solutions' indexed expression (migration 0002): same fields, same order, same config.
SOLUTION_FIELDS = ("title", "symptoms", "body")
# The requests' documents (``customer_document``, ``staff_document``) by weight; SQLite
# searches the same columns.
CUSTOMER_FIELDS = ("title", "description", "resolution", "search_public")
STAFF_FIELDS = (*CUSTOMER_FIELDS, "search_notes")
MAX_TEXT = 300  # characters of search text considered
MAX_WORDS = 12  # words of search text considered
# Characters kept in each search column: a request with pages of notes stays searchable by
# the first of them, and the document (tsvector, at most 1 MB) stays small.
MAX_DOCUMENT = 20_000
RANK_WINDOW = 200  # PostgreSQL: incidents ranked among the newest this many matches
# Which way to find the newest matches (see _newest_matches): reading requests newest first
# costs window x total / matches rows, each computing to_tsvector (~25 us); reading the
# matches from the GIN index costs ~0.35 us per match plus ~100 ms of set-up. Measured on
# 1,000,000 requests of 36 words, the two cross at about 10 % matching, i.e. where
# matches^2 = window x total x this ratio.
SCAN_COST_RATIO = 18
SERVICE_BOOST = 1.5
CI_CLASS_BOOST = 1.5
# A record number as typed in a search box: "INC0001234", "inc-12".
NUMBER = re.compile(r"[A-Za-z]{2,8}-?\d{1,12}")
# websearch syntax: a quoted phrase, an excluded word, "or".
_OPERATORS = re.compile(r'"|(?:^|\s)-\w|(?:^|\s)or(?:\s|$)', re.IGNORECASE)

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


def solution_vector() -> SearchVector:
    return SearchVector(*SOLUTION_FIELDS, config=CONFIG)


# --- Request documents -------------------------------------------------------------------------


def _weighted(*fields: str, weight: str) -> SearchVector:
    return SearchVector(*fields, config=CONFIG, weight=weight)


def customer_document() -> CombinedSearchVector:
    """What customer-side people find a request by: title (A), description (B), resolution
    and public replies with the solution used (C). Indexed (``IncidentRequest.Meta``)."""
    return (
        _weighted("title", weight="A")
        + _weighted("description", weight="B")
        + _weighted("resolution", "search_public", weight="C")
    )


def staff_document() -> CombinedSearchVector:
    """What staff find a request by: the customer document and the work notes (D)."""
    return customer_document() + _weighted("search_notes", weight="D")


class DocumentIndex(GinIndex):
    """A GIN index over a search document, on PostgreSQL only: SQLite has no tsvector and
    searches by substring (the statement there is a no-op, so the model's ``Meta.indexes``
    and table rebuilds stay valid on both databases)."""

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return "SELECT 1"
        return super().create_sql(model, schema_editor, using=using, **kwargs)

    def remove_sql(self, model: Any, schema_editor: Any, **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return "SELECT 1"
        return super().remove_sql(model, schema_editor, **kwargs)


def plain_text(body: str) -> str:
    """Journal bodies are sanitised HTML; the search documents hold their text."""
    return " ".join(html.unescape(strip_tags(body or "")).split())


def _joined(parts: Iterable[str]) -> str:
    return "\n".join(p for p in parts if p)[:MAX_DOCUMENT]


def document_texts(
    replies: Iterable[str], notes: Iterable[str], solution: Any = None
) -> tuple[str, str]:
    """``(search_public, search_notes)`` from the public replies' and work notes' bodies
    (HTML) and the solution used (its title, symptoms and body)."""
    public = [plain_text(b) for b in replies]
    if solution is not None:
        public += [solution.title, solution.symptoms, solution.body]
    return _joined(public), _joined(plain_text(b) for b in notes)


def refresh_documents(incident: IncidentRequest) -> None:
    """Recompute ``incident``'s ``search_public`` and ``search_notes`` from its journal and
    solution, and write them. Called by the services that add a reply or a work note or
    link a solution, inside their transaction; an UPDATE of the two columns only (the
    request's version and ``updated_at`` do not move: nothing a person sees changed)."""
    from django.contrib.contenttypes.models import ContentType

    from steward.core.choices import JournalKind
    from steward.core.models import JournalEntry
    from steward.incidents.models import IncidentRequest, Solution

    entries = JournalEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(IncidentRequest),
        record_id=incident.pk,
        kind__in=(JournalKind.PUBLIC_REPLY, JournalKind.WORK_NOTE),
    ).order_by("pk")
    replies, notes = [], []
    for kind, public, body in entries.values_list("kind", "public", "body"):
        (replies if kind == JournalKind.PUBLIC_REPLY and public else notes).append(body)
    solution = None
    if incident.solution_id:
        solution = Solution.objects.only("title", "symptoms", "body").get(pk=incident.solution_id)
    incident.search_public, incident.search_notes = document_texts(replies, notes, solution)
    IncidentRequest.objects.filter(pk=incident.pk).update(
        search_public=incident.search_public, search_notes=incident.search_notes
    )


# --- Matching --------------------------------------------------------------------------------


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
        qs.filter(every_word(fields, terms))
        .annotate(relevance=_title_hits(terms))
        .order_by("-relevance", "-pk")
    )


def _estimated_rows(qs: QuerySet) -> float:
    """The planner's estimate of the rows ``qs`` returns (PostgreSQL; costs one planning)."""
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (no groups to look in)
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def staff_search(actor: Person | None) -> bool:
    """Whether ``actor`` searches the staff document (work notes included): not for
    customer-side people, nor without a signed-in person."""
    return actor is not None and not permissions.is_customer_side(actor)


def _newest_matches(
    qs: QuerySet, document: Any, query: SearchQuery, total: float, limit: int
) -> list[int]:
    """The ids of the newest ``limit`` rows of ``qs`` whose ``document`` matches ``query``.

    Found one of two ways, by the planner's estimate of how many rows match (the
    expression index has statistics): a rare text reads its matches from the GIN index
    and keeps the newest; a common one reads requests newest first until ``limit`` are
    found, which takes few rows when many match. The planner alone picks the second way
    too often, because it prices computing ``to_tsvector`` per row far too low."""
    matching = qs.alias(search_document=document).filter(search_document=query)
    found = _estimated_rows(matching.values("pk"))
    if found * found > RANK_WINDOW * total * SCAN_COST_RATIO:
        newest = matching.order_by("-pk")  # backwards along the primary key
    else:
        newest = matching.order_by((F("pk") + 0).desc())  # not the primary key: the GIN index
        after = _newest_part(qs, found, limit)
        if after is not None:
            with _serial():
                ids = list(newest.filter(pk__gt=after).values_list("pk", flat=True)[:limit])
            if len(ids) >= limit:  # the newest matches all lie in that part
                return ids
    with _serial():
        return list(newest.values_list("pk", flat=True)[:limit])


def _newest_part(qs: QuerySet, found: float, limit: int) -> int | None:
    """The id after which the newest requests should hold about four times ``limit`` of
    the ``found`` matches (spread evenly over the ids), or None when that part is most of
    the table.

    The GIN index finds every match, but keeping the newest 200 of 10,000 matches means
    fetching 10,000 scattered rows: 10,000 table pages, most of them outside PostgreSQL's
    cache on a large table (100-350 ms at 1,000,000 requests). Limited to the newest ids,
    the index and the primary key answer together and a few hundred pages are read. If
    the estimate was high and that part holds fewer than ``limit``, the caller reads the
    whole table as before, so the answer is the same either way."""
    bounds = qs.model.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["high"] is None or found < 1:
        return None
    span = 4 * limit * (bounds["high"] - bounds["low"] + 1) / found
    if span * 2 > bounds["high"] - bounds["low"]:
        return None
    return int(bounds["high"] - span)


@contextmanager
def _serial() -> Iterator[None]:
    """No parallel workers for a window read (PostgreSQL): it reads at most ``limit``
    rows or one index's matches, and starting workers costs more (~30 ms on a busy
    machine, chosen whenever the planner guesses a rare word's count high)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        try:
            yield
        finally:
            cursor.execute("RESET max_parallel_workers_per_gather")


def _exact_number(qs: QuerySet, text: str) -> list[int]:
    text = text.strip()
    if not NUMBER.fullmatch(text):
        return []
    # Numbers are capital letters and digits (core.numbering): an equality the unique
    # index answers, where ``iexact`` would read every row.
    return list(qs.filter(number=text.upper()).values_list("pk", flat=True)[:1])


def _ranked(qs: QuerySet, ids: list[int], tiers: dict[int, int], relevance: Any) -> QuerySet:
    """``qs`` narrowed to ``ids``, best first: ``search_tier`` (2 the record number, 1
    every word, 0 some words), then ``search_rank``, then newest."""
    by_tier: dict[int, list[int]] = {}
    for pk in ids:
        by_tier.setdefault(tiers.get(pk, 0), []).append(pk)
    tier = Case(
        *(When(pk__in=pks, then=Value(t)) for t, pks in by_tier.items() if t),
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        qs.filter(pk__in=ids)
        .annotate(search_tier=tier, search_rank=relevance)
        .order_by("-search_tier", "-search_rank", "-pk")
    )


def match_incidents(
    qs: QuerySet[IncidentRequest], text: str, *, staff: bool = False
) -> QuerySet[IncidentRequest]:
    """Incident requests of ``qs`` matching ``text``, best first (``search_tier``, then
    ``search_rank``, then newest): the request numbered ``text``, then those holding every
    word, then those holding some. ``staff``: search the staff document (work notes too);
    otherwise the customer document. Empty text: nothing."""
    text = (text or "").strip()[:MAX_TEXT]
    terms = words(text)
    if not terms:
        return qs.none()
    if not is_postgres():
        return _sqlite_match_incidents(qs, text, staff=staff)
    document = staff_document() if staff else customer_document()
    every = SearchQuery(text, config=CONFIG, search_type="websearch")
    some = None
    if len(terms) > 1 and not _OPERATORS.search(text):
        # Letters and digits only (``words``), so the raw tsquery syntax cannot be injected.
        some = SearchQuery(" | ".join(terms), config=CONFIG, search_type="raw")
    total = _estimated_rows(qs.values("pk"))
    exact = _exact_number(qs, text)
    tiers = {pk: 2 for pk in exact}
    ids = list(exact)
    for pk in _newest_matches(qs, document, every, total, RANK_WINDOW):
        tiers.setdefault(pk, 1)
        if pk not in exact:
            ids.append(pk)
    room = RANK_WINDOW + len(exact) - len(ids)
    if some is not None and room > 0:
        known = set(ids)
        extra = _newest_matches(qs, document, some, total, RANK_WINDOW)
        ids += [pk for pk in extra if pk not in known][:room]
    return _ranked(qs, ids, tiers, SearchRank(document, some or every))


def _sqlite_match_incidents(qs: QuerySet, text: str, *, staff: bool) -> QuerySet:
    fields = STAFF_FIELDS if staff else CUSTOMER_FIELDS
    terms = sqlite_words(text)
    number = Q(number=text.upper()) if NUMBER.fullmatch(text) else Q(pk__in=[])
    if not terms and not NUMBER.fullmatch(text):
        return qs.none()
    some = Q(pk__in=[])
    score: Any = Value(0.0)
    for word in terms:
        some |= any_field(fields, word)
        # Where a word is found weighs like PostgreSQL's weights: title, description, rest.
        score = score + Case(
            When(title__icontains=word, then=Value(4.0)),
            When(description__icontains=word, then=Value(2.0)),
            When(any_field(fields[2:], word), then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    tier = Case(
        When(number, then=Value(2)),
        When(every_word(fields, terms) if terms else Q(pk__in=[]), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        qs.filter(number | some)
        .annotate(search_tier=tier, search_rank=ExpressionWrapper(score, output_field=FloatField()))
        .order_by("-search_tier", "-search_rank", "-pk")
    )


def match_solutions(qs: QuerySet[Solution], text: str) -> QuerySet[Solution]:
    return match(qs, text, SOLUTION_FIELDS)


def _incidents_visible(actor: Person) -> QuerySet[IncidentRequest]:
    from steward.incidents.queries import incidents as incident_queries

    return incident_queries.incidents_for(actor)


def search_incidents(*, actor: Person, text: str, limit: int = 50) -> list[IncidentRequest]:
    """The incident requests ``actor`` may see that match ``text``, best first: a requester
    finds only their own, a customer representative their organisation's; customer-side
    people search the customer document (never the work notes)."""
    qs = _incidents_visible(actor).select_related("service", "support_group", "requester")
    found = match_incidents(qs, text, staff=staff_search(actor))
    return list(found[: max(0, min(limit, 200))])


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
