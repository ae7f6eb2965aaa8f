"""Problem candidates (proc. 1, issue 15): the words incidents are compared on
(``steward.problems.lexicon``): the same symptom written in other words meets on one
concept, typos are read as the word meant, and two incidents naming different symptoms
are not one problem."""

import pytest

from steward.problems.lexicon import DEFAULT, Lexicon, normalise, respell, tokens
from steward.problems.similarity import Row, Settings, cluster


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("screen freezes", "frozen screen"),  # irregular form
        ("application hangs", "application freezes"),  # synonym
        ("request times out", "request timed out"),  # phrase
        ("request timeout", "request time-out"),  # hyphenated
        ("crashes on start", "keeps crashing at startup"),
        ("rejects valid password", "valid password not accepted"),  # negated phrase
        ("calendar synchronisation fails", "calendar sync failure"),
        ("calendar synchronization error", "calendar syncing failed"),
        ("prints empty pages", "printing blank pages"),
        ("vpn disconnects", "vpn connection lost"),
        ("portal is slow", "portal sluggish"),
        ("portal is slow", "portal lagging"),
        ("portal down", "portal unavailable"),
        ("portal down", "portal outage"),
        ("sap login", "sap logon"),
        ("sap login", "sign in to sap"),
        ("wifi drops", "wi-fi drops"),
        ("access denied", "access refused"),
        ("does not sync", "sync not working"),  # "not working" and a lone "not": fail
    ],
)
def test_the_same_symptom_in_other_words_meets_on_one_concept(one, other):
    assert sorted(normalise(one).split()) == sorted(normalise(other).split())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Outlook keeps crashnig", "outlook crash"),  # swapped letters
        ("certifcate warning", "certificate warn"),  # a letter missing
        ("disconnnects randomly", "disconnect"),  # a letter too many; filler dropped
        ("please help URGENT", ""),  # filler words only
        ("Server srv-12.corp.local error 0x80070005", "server fail"),  # hosts, numbers
        ("Crème brûlée printer", "creme brule printer"),  # accents (then stemmed)
        ("printer printing", "printer print"),  # a thing is not its action
    ],
)
def test_normalise_reads_typos_hosts_and_filler(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("one", "other", "differs"),
    [
        ("outlook freezes", "outlook is very slow", True),
        ("outlook freezes", "outlook frozen screen", False),
        ("outlook crashes", "outlook crash error", False),  # "error" counts only alone
        ("outlook error", "outlook crashes", True),
        ("outlook client", "outlook crashes", False),  # one names no symptom: unknown
    ],
)
def test_symptoms_tell_faults_apart(one, other, differs):
    masks = [DEFAULT.symptom_mask(normalise(t).split()) for t in (one, other)]
    assert (bool(masks[0]) and bool(masks[1]) and not masks[0] & masks[1]) is differs


def test_tokens_keep_the_words_as_written_for_labels():
    assert tokens("Request timed out again") == [("request", "request"), ("timed out", "timeout")]


def test_a_lexicon_of_ones_own():
    mine = Lexicon(concepts={"toner": ("toner", "cartridge empty")}, filler={"kindly"})
    assert normalise("kindly replace cartridge empty", lexicon=mine) == "replac toner"


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["file upload"] * 5 + ["file uplaod"], ["file upload"] * 6),  # rare -> common
        (["upload"] * 5 + ["uploads"], ["upload"] * 6),  # one letter too many
        (["upload"] * 4 + ["uplaod"], ["upload"] * 4 + ["uplaod"]),  # not common enough
        (["upload"] * 10 + ["uplaod"] * 2, ["upload"] * 12),  # a typo made twice
        (["upload"] * 6 + ["uploads"] * 2, ["upload"] * 6 + ["uploads"] * 2),  # a word of its own
        (["crash"] * 5 + ["crush"], ["crash"] * 5 + ["crush"]),  # another letter: kept
    ],
)
def test_respell_reads_rare_typos_as_the_common_word(texts, expected):
    assert respell(texts) == expected


def test_near_misses_with_other_symptoms_stay_apart():
    titles = ["payroll export freezes", "payroll export frozen screen",
              "monthly payroll export freezes completely", "payroll export file freezes",
              "payroll export is very slow", "payroll export prints blank pages",
              "payroll export times out"]  # fmt: skip
    rows = [Row(id=n, service_id=1, text=t) for n, t in enumerate(titles, start=1)]
    assert [c.ids for c in cluster(rows)] == [[1, 2, 3, 4]]


FIRST = ["document upload crashes on start", "document upload crash at startup",
         "document upload crashes when started"]  # fmt: skip
SECOND = ["file upload page keeps crashing at startup", "file upload page crashes on start",
          "file upload page crashed at start"]  # fmt: skip


@pytest.mark.parametrize(
    ("merge", "cis", "expected"),
    [
        (0.0, (5, 5), [[1, 2, 3], [4, 5, 6]]),  # no merging: two fragments
        (0.4, (5, 5), [[1, 2, 3, 4, 5, 6]]),  # close centroids, same CI: one problem
        (0.4, (5, 6), [[1, 2, 3], [4, 5, 6]]),  # two CIs: two problems
        (0.45, (5, 5), [[1, 2, 3], [4, 5, 6]]),  # centroids not close enough
    ],
)
def test_fragments_of_one_problem_are_merged(merge, cis, expected):
    rows = [Row(id=n, service_id=1, text=t, ci_id=cis[n > 3])
            for n, t in enumerate(FIRST + SECOND, start=1)]  # fmt: skip
    found = cluster(rows, Settings(link=0.6, merge=merge))
    assert sorted(c.ids for c in found) == expected


@pytest.mark.parametrize(
    ("penalty", "expected"),
    [
        (0.0, [[1, 2, 3], [4, 5, 6]]),  # the symptom alone glues three subjects
        (0.4, [[1, 2, 3]]),  # nothing in common besides the symptom: apart
    ],
)
def test_the_same_symptom_on_other_subjects_stays_apart(penalty, expected):
    # (Six titles: the character n-grams seen once are not counted, so the text alone
    # overrates the symptom; in a real window the default penalty suffices.)
    titles = ["vpn client freezes", "vpn client frozen", "vpn client hangs",
              "mailbox freezes", "payroll export freezes", "crm dashboard hangs"]  # fmt: skip
    rows = [Row(id=n, service_id=1, text=t) for n, t in enumerate(titles, start=1)]
    assert sorted(c.ids for c in cluster(rows, Settings(subject_penalty=penalty))) == expected
