"""The words of incident texts as the problem candidates compare them (seed 003 ch. 9,
proc. 1; issue 15): one normalisation so that two people describing the same symptom in
their own words meet on the same terms.

``tokens(text)`` gives (surface, key) pairs: the surface is the word (or phrase) as
written, the key what the clustering compares:

1. Lower case, accents stripped; a token holding a digit or a dot (hostnames, error
   numbers, dates, IPs) is dropped; a hyphenated word is looked up whole (``time-out``,
   ``wi-fi``) and otherwise split.
2. **Phrases** of the lexicon (``timed out``, ``not accepted``, ``sign in``) become their
   concept before stop words go (they are made of stop words).
3. Stop words go: scikit-learn's English list plus ``FILLER`` (words every ticket can hold:
   please, urgent, keeps, completely, ...).
4. The other words are stemmed (Snowball, English) and a stem listed in the lexicon
   becomes its concept: ``frozen`` and ``freezes`` -> ``freeze``, ``startup`` ->
   ``start``, ``synchronisation`` -> ``sync``.
5. A negation left alone (``does not sync``, ``cannot print``) becomes ``fail``: whoever
   writes "X does not work" and "X fails" reports the same thing.

``LEXICON`` is generic IT-support vocabulary (symptoms, common objects, irregular forms),
not the bench's phrases: extend it with ``Lexicon(concepts=..., filler=...)`` and pass it
in ``similarity.Settings(lexicon=...)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

import snowballstemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


# concept -> the words and phrases (as written, any inflection) that mean it, ", " between.
LEXICON: dict[str, str] = {
    # symptoms
    "freeze": (
        "freezes, froze, frozen, freezing, hang, hangs, hung, unresponsive, not "
        "responding, stuck, locks up, locked up"
    ),
    "crash": (
        "crashes, crashed, crashing, abend, blue screen, bsod, closes unexpectedly, shuts "
        "down unexpectedly"
    ),
    "timeout": "timeouts, time-out, times out, timed out, timing out, time out",
    "slow": (
        "slowly, slowness, sluggish, lag, lags, laggy, lagging, takes ages, takes "
        "forever, poor performance, performance"
    ),
    "down": (
        "unavailable, outage, offline, unreachable, not reachable, not available, cannot "
        "reach, inaccessible"
    ),
    "fail": (
        "error, errors, failure, failed, fails, failing, not working, doesn't work, does "
        "not work, broken, malfunction, faulty"
    ),
    "reject": (
        "rejects, rejected, rejecting, not accepted, not accepting, declined, declines, invalid"
    ),
    "deny": (
        "denies, denied, refused, refuses, forbidden, not authorised, not authorized, "
        "unauthorised, unauthorized, no access, permission"
    ),
    "disconnect": (
        "disconnects, disconnected, disconnecting, disconnection, drops connection, "
        "dropped connection, connection drops, connection lost, lost connection, drops "
        "out"
    ),
    "sync": (
        "syncs, synced, syncing, synch, synchronise, synchronises, synchronising, "
        "synchronisation, synchronize, synchronizes, synchronizing, synchronization"
    ),
    "blank": "empty, white page, white pages",
    "missing": "disappeared, vanished, gone",
    "duplicate": "duplicates, duplicated, doubled, double entries",
    "start": (
        "starts, started, starting, startup, start-up, start up, launch, launches, "
        "launching, boot, boots, booting"
    ),
    "certificate": "certificates, cert, certs, ssl, tls",
    # objects
    "login": (
        "logon, log-in, log-on, log in, log on, logging in, sign in, sign-in, signin, "
        "signing in, sign on"
    ),
    "logout": "logoff, log out, log off, sign out, signing out",
    "password": "passwords, passwd, pwd, passphrase",
    "wifi": "wi-fi, wlan, wireless",
    "email": "e-mail, emails, mail, mails",
    "scan": "scans, scanner, scanners, scanning",
    "dock": "docking, docked",
    "print": "prints, printed, printing, printout",
}
# The concepts naming a fault (rather than the thing at fault): two incidents each
# naming some, none in common, report different faults ("outlook freezes" is not
# "outlook is slow"). ``fail`` counts only when no other is named ("X fails" says less
# than "X fails with a certificate error").
SYMPTOMS: frozenset[str] = _listed(
    "freeze crash timeout slow down fail reject deny disconnect blank missing duplicate certificate"
)
# Words every ticket may hold, saying nothing of what it is about.
FILLER: frozenset[str] = _listed(
    "does do did doing please pls help urgent urgently asap issue issues problem problems user users keep "
    "keeps kept still again today yesterday now very extremely completely totally really "
    "randomly constantly repeatedly sometimes always occasionally intermittently "
    "suddenly show shows shown showing appear appears getting get gets got"
)
NEGATIONS: frozenset[str] = _listed(
    "not no cannot can't cant won't wont doesn't doesnt don't dont isn't unable"
)


def _forms(forms: str | Iterable[str]) -> list[str]:
    """The forms of a concept: a ", "-separated string or any iterable of strings."""
    found = forms.split(",") if isinstance(forms, str) else forms
    return [f.strip().lower() for f in found if f.strip()]


_STEMMER = snowballstemmer.stemmer("english")
_WORDS = re.compile(r"[\w'.-]+")
_ALPHA = re.compile(r"^[a-z][a-z']*$")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of a lower-case English word."""
    return _STEMMER.stemWord(word)


class Lexicon:
    """Concepts (one word each) and the words and phrases meaning them, plus the filler
    words to drop, compiled for ``tokens``."""

    def __init__(self, concepts: Mapping[str, str | Iterable[str]] = LEXICON,
                 filler: Iterable[str] = FILLER,
                 symptoms: Iterable[str] = SYMPTOMS) -> None:  # fmt: skip
        self.words: dict[str, str] = {}
        self.phrases: dict[tuple[str, ...], str] = {}
        listed = {c: _forms(f) for c, f in concepts.items()}
        for concept, forms in listed.items():
            for form in (concept, *forms):
                parts = tuple(stem(p) for p in form.lower().split())
                if len(parts) == 1 and "-" not in form:
                    self.words[parts[0]] = concept
                else:
                    self.phrases[parts] = concept
        self.longest = max((len(p) for p in self.phrases), default=1)
        self.starts = frozenset(p[0] for p in self.phrases)
        self.stop = frozenset(ENGLISH_STOP_WORDS) | frozenset(filler)
        self.concepts = frozenset(concepts)
        # Typos: the words of the lexicon (phrases' too) and filler words of 5 letters
        # or more, by themselves and with one letter left out.
        known = {w for forms in listed.items() for f in (forms[0], *forms[1]) for w in f.split()}
        known |= set(filler)
        self.spelled: frozenset[str] = frozenset(w for w in known if len(w) >= 5)
        self.short: dict[str, str] = {}
        for word in sorted(self.spelled):
            for k in range(len(word)):
                self.short.setdefault(word[:k] + word[k + 1 :], word)
        self.symptoms = {c: 1 << n for n, c in enumerate(sorted(set(symptoms) - {"fail"}))}

    def symptom_mask(self, keys: Iterable[str]) -> int:
        """The symptoms named by ``keys`` as bits (``fail``: bit 62, only when alone)."""
        mask, failed = 0, False
        for key in keys:
            mask |= self.symptoms.get(key, 0)
            failed = failed or key == "fail"
        return mask or (1 << 62 if failed else 0)

    def key(self, word: str) -> str:
        """The concept of one word, else its stem."""
        stemmed = stem(word)
        return self.words.get(stemmed, stemmed)

    def correct(self, word: str) -> str:
        """The lexicon or filler word ``word`` is one slip away from (two letters
        swapped, one letter too many or one missing), else ``word``."""
        if len(word) < 5 or word in self.spelled or word in self.stop:
            return word
        if stem(word) in self.words:
            return word
        for k in range(len(word) - 1):
            swapped = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
            if swapped in self.spelled:
                return swapped
        for k in range(len(word)):
            shorter = word[:k] + word[k + 1 :]
            if shorter in self.spelled:
                return shorter
        return self.short.get(word, word)


DEFAULT = Lexicon()


def _plain(text: str) -> list[str]:
    text = text.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    words: list[str] = []
    for word in _WORDS.findall(text):
        word = word.strip(".-'")
        if _ALPHA.match(word):
            words.append(word)
        elif "-" in word and "." not in word and all(_ALPHA.match(p) for p in word.split("-")):
            words.append(word)  # looked up whole, then split
    return words


def _phrase(words: list[str], k: int, lexicon: Lexicon) -> tuple[int, str] | None:
    """(length, concept) of the longest lexicon phrase starting at ``words[k]``."""
    if "-" not in words[k] and stem(words[k]) not in lexicon.starts:
        return None
    for length in range(min(lexicon.longest, len(words) - k), 0, -1):
        parts = tuple(stem(w) for w in words[k : k + length])
        if len(parts) == 1 and "-" not in words[k]:
            return None
        if parts in lexicon.phrases:
            return length, lexicon.phrases[parts]
    return None


def _correct(word: str, lexicon: Lexicon) -> str:
    return _corrected(word) if lexicon is DEFAULT else lexicon.correct(word)


@lru_cache(maxsize=200_000)
def _corrected(word: str) -> str:
    return DEFAULT.correct(word)


def tokens(text: str, lexicon: Lexicon = DEFAULT) -> list[tuple[str, str]]:
    """(surface, key) of each meaningful word or phrase of ``text``, in order."""
    words = [_correct(w, lexicon) for w in _plain(text)]
    found: list[tuple[str, str]] = []
    k = 0
    while k < len(words):
        matched = _phrase(words, k, lexicon)
        if matched:
            length, concept = matched
            found.append((" ".join(words[k : k + length]), concept))
            k += length
            continue
        word = words[k]
        k += 1
        if "-" in word:
            words[k:k] = word.split("-")
            continue
        if word in NEGATIONS:
            found.append((word, "fail"))
        elif word not in lexicon.stop or stem(word) in lexicon.words:
            found.append((word, lexicon.key(word)))
    return found


def normalise(text: str, stemmed: bool = True, lexicon: Lexicon = DEFAULT) -> str:
    """The keys of ``text`` joined by spaces (``stemmed=False``: the surface words)."""
    if stemmed and lexicon is DEFAULT and len(text) <= 200:
        return _normalised(text)
    return " ".join(key if stemmed else surface for surface, key in tokens(text, lexicon))


@lru_cache(maxsize=50_000)
def _normalised(text: str) -> str:
    return " ".join(key for _, key in tokens(text))


def _slips(word: str) -> list[str]:
    """The word with two neighbouring letters swapped or one letter left out."""
    swapped = [word[:k] + word[k + 1] + word[k] + word[k + 2 :] for k in range(len(word) - 1)]
    return swapped + [word[:k] + word[k + 1 :] for k in range(len(word))]


def respell(texts: list[str], ratio: int = 5, common: int = 5, shortest: int = 5) -> list[str]:
    """The normalised ``texts`` with each word that is one slip (two letters swapped, one
    letter too many or missing) away from a common word (at least ``common`` times, and
    ``ratio`` times as often as it) written as the common word: the typos of words the
    lexicon does not know ("uplaod" among many "upload")."""
    counts = Counter(word for text in texts for word in text.split())
    frequent = {w for w, n in counts.items() if n >= common and len(w) >= shortest}
    if not frequent:
        return texts
    shorter: dict[str, str] = {}
    for word in sorted(frequent, key=lambda w: (-counts[w], w)):
        for slip in _slips(word)[len(word) - 1 :]:
            shorter.setdefault(slip, word)
    fixes: dict[str, str] = {}
    for word, n in counts.items():
        if len(word) < shortest:
            continue
        known = [s for s in _slips(word) if s in frequent]
        if word in shorter:
            known.append(shorter[word])
        if known:
            best = max(known, key=lambda w: (counts[w], w))
            if counts[best] >= ratio * n:
                fixes[word] = best
    if not fixes:
        return texts
    return [" ".join(fixes.get(w, w) for w in text.split()) for text in texts]
