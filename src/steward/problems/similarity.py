"""Clusters of similar incident requests: the problem candidates' method (seed 003 ch. 9,
proc. 1: the problem coordinator identifies problems from recurring incidents; the
system proposes the clusters).

A pure function over plain rows (``Row``), the same on SQLite and PostgreSQL: the
candidate job reads the rows in one query and calls ``cluster``.

The method (measured by ``make bench SCENARIO=problem_candidates``):

1. **Text.** Title and description through ``steward.problems.lexicon``: lower case, no
   accents, no token holding a digit or a dot (hosts, error numbers, dates, IPs), no stop
   or filler words, the lexicon's words and phrases as one concept (``frozen`` /
   ``freezes`` -> ``freeze``, ``timed out`` -> ``timeout``, ``not accepted`` -> ``reject``),
   typos of lexicon words read as the word, other words Snowball-stemmed; then a word one
   slip away from a word five times as common is read as it (``lexicon.respell``).
   TF-IDF (scikit-learn, sublinear tf, idf over the whole window): title words 1-2-grams
   (every word, even one seen once: it tells titles apart), title ``char_wb`` 3-4-grams
   (typos, inflections), description words. Each row's vector is the L2-normalised parts
   side by side, weighted (``title_words``, ``title_chars``, ``description_words``).
2. **Blocks.** Only incidents of the same service are ever compared (a block). A very
   large block is cut to its ``max_block`` most recent rows; products are computed in
   chunks of rows so memory stays bounded.
3. **Structure and symptoms.** The pair score is the text cosine plus ``ci_bonus`` when
   both name the same CI (``class_bonus`` when only their CI class is the same) minus
   ``ci_penalty`` when they name CIs of different classes, plus ``category_bonus`` when
   they share the category, minus ``category_penalty`` when both are categorised
   differently; minus ``symptom_penalty`` when both name symptoms of the lexicon
   (``lexicon.SYMPTOMS``) and none in common (the same subject, another fault: a near
   miss), minus ``symptom_unknown`` when only one names a symptom, minus
   ``subject_penalty`` when both name words besides symptoms and share none of them (the
   same fault of another thing). So the issue's "same
   service, CI or CI class, category and similar text" is: same service always, text
   decisive, the structure tipping borderline pairs, the symptom part required to agree.
4. **Clusters.** Pairs scoring at least ``link`` are edges; connected components
   (scipy.sparse.csgraph) are the first clusters; a component is then cut by average
   linkage at ``cohesion`` (mean pair score) so one chain of borderline pairs cannot glue
   two clusters together; a member whose mean similarity to the others is below
   ``member_ratio`` of the cluster's mean leaves it (a near miss let in). Two clusters of
   one block whose centroids' cosine is at least ``merge``, whose commonest symptoms
   agree and whose commonest CIs are not two different ones are merged (one problem
   written two ways: "document upload" / "file upload page"). Clusters of at least
   ``min_size`` rows are kept.
5. **Label and cohesion.** The label is the cluster's top word terms (centroid weight),
   in the words the incidents use; cohesion the mean text cosine of its pairs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer

from steward.problems.lexicon import DEFAULT, NEGATIONS, Lexicon, respell, stem, tokens
from steward.problems.lexicon import normalise as lexicon_normalise

__all__ = ["Cluster", "Row", "Settings", "cluster", "normalise", "stem"]


@dataclass(frozen=True)
class Row:
    """One incident request as the clustering sees it."""

    id: int
    service_id: int
    text: str  # the title: what the incident is about
    description: str = ""
    category_id: int | None = None
    ci_id: int | None = None
    ci_class_id: int | None = None
    weight: float = 1.0  # the impact weight (1 minor .. 4 extensive)
    created_at: datetime | None = None


@dataclass(frozen=True)
class Settings:
    link: float = 0.4  # pair score making an edge
    cohesion: float = 0.35  # average-linkage cut inside a component
    min_size: int = 3
    ci_bonus: float = 0.10
    class_bonus: float = 0.05
    category_bonus: float = 0.05
    category_penalty: float = 0.10
    ci_penalty: float = 0.10  # both name a CI, of another class
    # Two clusters of one block whose centroids' cosine is at least this (and whose
    # symptoms agree) are one: the fragments of a problem written in two ways.
    merge: float = 0.5
    # Both name symptoms (``lexicon.SYMPTOMS``), none in common: another fault.
    symptom_penalty: float = 0.5
    # Only one of them names a symptom: the fault may well be another.
    symptom_unknown: float = 0.10
    # Both name something besides symptoms, nothing in common: another subject.
    subject_penalty: float = 0.2
    # Both name the same symptom.
    symptom_bonus: float = 0.0
    max_block: int = 20_000  # rows of one service compared (the most recent)
    chunk: int = 2_000  # rows per sparse product
    max_linkage: int = 3_000  # larger components are kept whole
    label_terms: int = 4
    # A member stays when its mean similarity to the others is at least this share of
    # the cluster's mean.
    member_ratio: float = 0.7
    # The share of each text part in the cosine.
    title_words: float = 0.2
    title_chars: float = 0.6
    description_words: float = 0.2
    # The words and phrases taken as one concept (None: ``lexicon.DEFAULT``).
    lexicon: Lexicon | None = None


@dataclass
class Cluster:
    """A proposed cluster: its rows' ids (oldest first), shared words and cohesion."""

    service_id: int
    ids: list[int]
    label: str
    terms: list[str]
    cohesion: float
    weight: float
    category_id: int | None = None
    ci_id: int | None = None
    ci_class_id: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    extra: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.ids)


def normalise(text: str, stemmed: bool = True, lexicon: Lexicon | None = None) -> str:
    """Lower case, no accents, no token holding a digit or a dot (hosts, numbers), no
    stop words, lexicon phrases and words as their concept, other words stemmed
    (``steward.problems.lexicon``)."""
    return lexicon_normalise(text, stemmed, lexicon or DEFAULT)


def _fit(vectoriser: TfidfVectorizer, texts: list[str]) -> sparse.csr_matrix:
    try:
        return vectoriser.fit_transform(texts)
    except ValueError:  # no term in two rows
        return sparse.csr_matrix((len(texts), 0), dtype=np.float32)


def _words(min_df: int = 2) -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df, dtype=np.float32)


def _chars() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True,
                           min_df=2, dtype=np.float32)  # fmt: skip


def _vectors(
    titles: list[str], descriptions: list[str], s: Settings
) -> tuple[sparse.csr_matrix, np.ndarray, sparse.csr_matrix]:
    """(combined row vectors, title word vocabulary, title word vectors)."""
    words = _words(min_df=1)  # a word seen once still tells two titles apart
    w = _fit(words, titles)
    vocabulary = words.get_feature_names_out() if w.shape[1] else np.array([])
    parts = [(w, s.title_words), (_fit(_chars(), titles), s.title_chars)]
    if s.description_words and any(descriptions):
        parts.append((_fit(_words(), descriptions), s.description_words))
    total = sum(weight for _, weight in parts)
    x = sparse.hstack(
        [m * np.float32(np.sqrt(weight / total)) for m, weight in parts], format="csr"
    )
    return x, vocabulary, w


def _things(titles: list[str], lexicon: Lexicon) -> sparse.csr_matrix:
    """Which words besides symptoms (the subject: "payroll export") each title names."""
    columns: dict[str, int] = {}
    indices: list[int] = []
    indptr = [0]
    skip = set(lexicon.symptoms) | {"fail"}
    for title in titles:
        named = {columns.setdefault(w, len(columns)) for w in title.split() if w not in skip}
        indices.extend(sorted(named))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(titles), max(len(columns), 1)))


def _structure(rows: list[Row], faults: np.ndarray, things: sparse.csr_matrix,
               i: np.ndarray, j: np.ndarray, s: Settings) -> np.ndarray:  # fmt: skip
    ci = np.array([r.ci_id or 0 for r in rows])
    cls = np.array([r.ci_class_id or 0 for r in rows])
    cat = np.array([r.category_id or 0 for r in rows])
    named = (faults[i] != 0) & (faults[j] != 0)
    one = (faults[i] != 0) != (faults[j] != 0)
    common = (faults[i] & faults[j]) != 0
    same_ci = (ci[i] == ci[j]) & (ci[i] != 0)
    same_cls = (cls[i] == cls[j]) & (cls[i] != 0) & ~same_ci
    both = (cat[i] != 0) & (cat[j] != 0)
    bonus = s.ci_bonus * same_ci + s.class_bonus * same_cls
    bonus = bonus - s.ci_penalty * ((ci[i] != 0) & (ci[j] != 0) & ~same_ci & ~same_cls)
    bonus = bonus + s.category_bonus * (both & (cat[i] == cat[j]))
    bonus = bonus + s.symptom_bonus * common - s.symptom_penalty * (named & ~common)
    bonus = bonus - s.symptom_unknown * one
    if s.subject_penalty and len(i):
        shared = np.asarray(things[i].multiply(things[j]).sum(axis=1)).ravel() > 0
        counted = np.diff(things.indptr)
        apart = (counted[i] > 0) & (counted[j] > 0) & ~shared
        bonus = bonus - s.subject_penalty * apart
    return bonus - s.category_penalty * (both & (cat[i] != cat[j]))


def _pairs(x: sparse.csr_matrix, rows: list[Row], faults: np.ndarray,
           things: sparse.csr_matrix, s: Settings) -> sparse.csr_matrix:  # fmt: skip
    """The block's pair scores at least ``link`` (upper triangle), chunk by chunk."""
    n, low = x.shape[0], s.link - s.ci_bonus - s.category_bonus - s.symptom_bonus
    parts_i, parts_j, parts_v = [], [], []
    xt = x.T.tocsc()
    for start in range(0, n, s.chunk):
        product = (x[start : start + s.chunk] @ xt).tocoo()
        i, j, v = product.row + start, product.col, product.data
        keep = (j > i) & (v >= low)
        i, j, v = i[keep], j[keep], v[keep]
        v = v + _structure(rows, faults, things, i, j, s)
        keep = v >= s.link
        parts_i.append(i[keep])
        parts_j.append(j[keep])
        parts_v.append(v[keep])
    i, j, v = (np.concatenate(p) if p else np.array([]) for p in (parts_i, parts_j, parts_v))
    return sparse.coo_matrix((v, (i, j)), shape=(n, n)).tocsr()


def _split(members: np.ndarray, scores: sparse.csr_matrix, s: Settings) -> list[np.ndarray]:
    """Cut one component by average linkage (distance 1 - score, 1 for unlinked pairs)."""
    if len(members) < 3 or len(members) > s.max_linkage:
        return [members]
    sub = scores[members][:, members].toarray()
    sub = np.maximum(sub, sub.T)
    distance = np.clip(1.0 - sub, 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, t=1.0 - s.cohesion, criterion="distance")
    return [members[labels == k] for k in np.unique(labels)]


def _trim(members: np.ndarray, x: sparse.csr_matrix, s: Settings) -> np.ndarray:
    """Drop the members far less similar to the rest than the rest to each other: a
    near miss that average linkage let into a large cluster."""
    if len(members) < 4 or len(members) > s.max_linkage or not s.member_ratio:
        return members
    sub = x[members]
    gram = np.asarray((sub @ sub.T).todense())
    n = len(members)
    own = (gram.sum(axis=1) - np.diag(gram)) / (n - 1)
    return members[own >= s.member_ratio * float(own.mean())]


def _merge(groups: list[np.ndarray], x: sparse.csr_matrix, faults: np.ndarray,
           block: list[Row], s: Settings) -> list[np.ndarray]:  # fmt: skip
    """Join the clusters of one block whose centroids are close, whose commonest
    symptoms agree and whose commonest CIs are not two different ones (union-find)."""
    if len(groups) < 2 or not s.merge:
        return groups
    centroids = sparse.vstack([sparse.csr_matrix(x[g].sum(axis=0)) for g in groups])
    norms = np.sqrt(np.asarray(centroids.multiply(centroids).sum(axis=1)).ravel())
    centroids = sparse.diags(1.0 / np.maximum(norms, 1e-9)) @ centroids
    close = np.asarray((centroids @ centroids.T).todense())
    masks = [Counter(faults[g].tolist()).most_common(1)[0][0] for g in groups]
    cis = [_mode([block[k].ci_id for k in g]) for g in groups]
    parent = list(range(len(groups)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in zip(*np.nonzero(np.triu(close >= s.merge, 1)), strict=True):
        if masks[a] and masks[b] and not masks[a] & masks[b]:
            continue
        if cis[a] and cis[b] and cis[a] != cis[b]:
            continue
        parent[root(int(a))] = root(int(b))
    joined: dict[int, list[np.ndarray]] = {}
    for k, g in enumerate(groups):
        joined.setdefault(root(k), []).append(g)
    return [np.sort(np.concatenate(parts)) for parts in joined.values()]


def _mode(values: list[int | None]) -> int | None:
    """The value at least half the rows share, else None."""
    counted = Counter(v for v in values if v)
    if not counted:
        return None
    value, count = counted.most_common(1)[0]
    return value if count * 2 >= len(values) else None


def _unstem(terms: list[str], texts: list[str], lexicon: Lexicon) -> list[str]:
    """The label's terms in the words the incidents use (the commonest form of a key)."""
    forms: dict[str, Counter] = {}
    for text in texts:
        for surface, key in tokens(text, lexicon):
            forms.setdefault(key, Counter())[surface] += 1
    return [
        " ".join(forms[t].most_common(1)[0][0] if t in forms else t for t in term.split())
        for term in terms
    ]


def _describe(block: list[Row], members: np.ndarray, words: sparse.csr_matrix,
              vocabulary: np.ndarray, x: sparse.csr_matrix, s: Settings) -> Cluster:  # fmt: skip
    chosen = [block[k] for k in members]
    terms: list[str] = []
    if len(vocabulary):
        centroid = np.asarray(words[members].sum(axis=0)).ravel()
        for k in np.argsort(-centroid):
            if centroid[k] <= 0 or len(terms) >= s.label_terms + 2:
                break
            term = str(vocabulary[k])
            if not any(term in t or t in term for t in terms):
                terms.append(term)
    terms = _unstem(terms, [r.text for r in chosen], s.lexicon or DEFAULT)
    # "calendar not" (of "calendar not updating") says nothing: a term ending in a
    # negation is left out.
    terms = [t for t in terms if t.split()[-1] not in NEGATIONS][: s.label_terms]
    sub = x[members]
    gram = np.asarray((sub @ sub.T).todense())
    n = len(members)
    cohesion = float((gram.sum() - np.trace(gram)) / (n * (n - 1))) if n > 1 else 1.0
    dates = [r.created_at for r in chosen if r.created_at is not None]
    chosen.sort(key=lambda r: (r.created_at or datetime.min, r.id))
    return Cluster(
        service_id=chosen[0].service_id, ids=[r.id for r in chosen],
        label=" · ".join(terms)[:200], terms=terms, cohesion=round(cohesion, 4),
        weight=float(sum(r.weight for r in chosen)),
        category_id=_mode([r.category_id for r in chosen]), ci_id=_mode([r.ci_id for r in chosen]),
        ci_class_id=_mode([r.ci_class_id for r in chosen]),
        first_seen=min(dates) if dates else None, last_seen=max(dates) if dates else None,
    )  # fmt: skip


def cluster(rows: list[Row], settings: Settings | None = None) -> list[Cluster]:
    """The clusters of similar rows (same service), largest weight first."""
    s = settings or Settings()
    if len(rows) < s.min_size:
        return []
    blocks: dict[int, list[int]] = {}
    for index, row in enumerate(rows):
        blocks.setdefault(row.service_id, []).append(index)
    lexicon = s.lexicon or DEFAULT
    titles = respell([normalise(r.text, lexicon=lexicon) for r in rows])
    faults = np.array([lexicon.symptom_mask(t.split()) for t in titles], dtype=np.int64)
    things = _things(titles, lexicon)
    x, vocabulary, words = _vectors(
        titles, [normalise(r.description, lexicon=lexicon) for r in rows], s
    )
    found: list[Cluster] = []
    for indexes in blocks.values():
        if len(indexes) < s.min_size:
            continue
        if len(indexes) > s.max_block:
            newest = sorted(indexes, key=lambda k: (rows[k].created_at or datetime.min, rows[k].id))
            indexes = newest[-s.max_block :]
        block = [rows[k] for k in indexes]
        bx, bw = x[indexes], words[indexes]
        scores = _pairs(bx, block, faults[indexes], things[indexes], s)
        count, labels = connected_components(scores, directed=False)
        sizes = np.bincount(labels, minlength=count)
        groups = []
        for component in np.flatnonzero(sizes >= s.min_size):
            for members in _split(np.flatnonzero(labels == component), scores, s):
                members = _trim(members, bx, s)
                if len(members) >= s.min_size:
                    groups.append(members)
        for members in _merge(groups, bx, faults[indexes], block, s):
            found.append(_describe(block, members, bw, vocabulary, bx, s))
    found.sort(key=lambda c: (-c.weight, -c.size, c.ids[0]))
    return found
