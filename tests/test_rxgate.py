"""Regex gates (pipeline/rxgate.py): a gated pattern finds exactly what the pattern finds."""
from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import rxgate
from pipeline.rxgate import Gated, gated, needles

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["pipeline.extract." + n for n in
           ("header", "dates", "decisions", "focus", "signatories", "attachments", "stance", "parties")]


def _gated_patterns() -> list[tuple[str, Gated]]:
    """Every gated pattern of the extractors, once."""
    found, seen = [], set()
    for name in MODULES:
        mod = importlib.import_module(name)
        for attr, v in vars(mod).items():
            for i, x in enumerate(v if isinstance(v, list) else [v]):
                if isinstance(x, Gated) and id(x) not in seen:
                    seen.add(id(x))
                    found.append((f"{name.rsplit('.', 1)[1]}.{attr}[{i}]", x))
    return found


GATED = _gated_patterns()


def test_safe_ignorecase_characters_match_only_their_own_lower_case():
    """Every code point that re.IGNORECASE lets match a SAFE_IGNORECASE character folds
    (rxgate._fold_case) to that character's fold: the gate text then holds the needle."""
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    for c in rxgate.SAFE_IGNORECASE:
        for m in re.finditer(re.escape(c), every, re.I):
            assert rxgate._fold_case(m.group()) == rxgate._fold_case(c), (c, m.group(), hex(ord(m.group())))


def test_fold_case_keeps_dotted_capital_i_one_letter():
    assert rxgate._fold_case("İNGÅR") == "ingår"
    assert re.search("ingår", "İNGÅR", re.I)


@pytest.mark.parametrize("pattern, flags, expected", [
    (r"\bmed\s+representanter\s+(?:för|från)\s+(?P<body>[^.]+)", 0, {"representanter"}),
    (r"(?:fokus|samverkans)omrad\w*|kategori\w*", 0, {"somrad", "kategori"}),   # a shared piece covers two
    (r"remisstid|svarstid", re.I, {"remisstid", "svarstid"}),
    (r"Handläggare\s*:", re.I, {"handläggare"}),
    (r"(?:[Rr]emiss)\s+fr[aå]n", 0, {"emiss"}),
    (r"gruppen|samverkansgruppen|rådet", 0, {"gruppen", "rådet"}),   # a needle holding another is covered by it
    # more words than MAX_NEEDLES: the pieces they share
    ("|".join(f"{w}{e}" for w in ("beslut", "teckn", "genomför", "bildad", "startad") for e in "aeiouyåäö"), 0,
     {"beslut", "teckn", "genomför", "bildad", "startad"}),
])
def test_needles(pattern, flags, expected):
    assert needles(re.compile(pattern, flags)) == expected


@pytest.mark.parametrize("pattern, flags", [
    (r"\s+", 0),                                  # nothing literal
    (r"\d{4}-\d\d", 0),
    (r"(?:mål|ab)", 0),                           # a needle shorter than MIN_NEEDLE
    (r"(?:abcdef)?x", 0),                         # optional parts give no needle
    (r"(?i:samverkan)", 0),                       # inline flags: left alone
    (r"sıgnerat", re.I),                          # a character outside SAFE_IGNORECASE
])
def test_no_needles(pattern, flags):
    rx = re.compile(pattern, flags)
    assert needles(rx) is None
    assert gated(rx) is rx


def test_gated_patterns_found():
    assert len(GATED) >= 20


@pytest.mark.parametrize("name, g", GATED, ids=[n for n, _ in GATED])
def test_gated_equals_pattern_on_corpus(name, g):
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(ROOT.glob("corpus/*.txt"))]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(ROOT.glob("corpus/variants/*.txt"))]
    pieces = texts + [line for t in texts for line in t.split("\n")]
    for s in pieces:
        assert [m.span() for m in g.finditer(s)] == [m.span() for m in g.rx.finditer(s)]
        assert g.sub("#", s) == g.rx.sub("#", s)


@pytest.mark.parametrize("name, g", GATED, ids=[n for n, _ in GATED])
def test_gated_passes_every_string_with_a_match(name, g):
    """Strings holding a match of the pattern (generated from the pattern) pass the gate,
    upper-cased, lower-cased or as generated."""
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(g.rx), st.sampled_from([str, str.upper, str.lower]))
    def check(s, case):
        s = case(s) if g.rx.flags & re.I else s
        if g.rx.search(s):
            assert g.may_match(s)
            assert g.search(s).span() == g.rx.search(s).span()
    check()


@pytest.mark.parametrize("name, g", GATED, ids=[n for n, _ in GATED])
def test_may_match_spans_is_may_match_of_each_span(name, g):
    """One fold and scan of the whole text answers, for every span, what the gate says of
    the span alone: on the corpus' sentences and lines, on random spans, and on texts whose
    fold is not character for character (a capital dotted I, a capital sigma)."""
    import random
    from pipeline.extract.dates import sentences
    rnd = random.Random(7)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(ROOT.glob("corpus/*.txt"))[:3]]
    texts += ["İNGÅR i PROGRAMMET, Σ område – remisstid: omradet", ""]
    for t in texts:
        spans = sentences(t) + [(a, a + len(line)) for a, line in
                                zip([0] + [i + 1 for i, c in enumerate(t) if c == "\n"], t.split("\n"))]
        spans += [tuple(sorted((rnd.randrange(len(t) + 1), rnd.randrange(len(t) + 1)))) for _ in range(200)]
        assert g.may_match_spans(t, spans) == [g.may_match(t[a:b]) for a, b in spans]
        # sorted spans that do not overlap (sentences; cuts at random points, empty spans among them)
        cuts = sorted(rnd.randrange(len(t) + 1) for _ in range(60))
        for disjoint in (sentences(t), list(zip(cuts, cuts[1:]))[::2]):
            assert g.may_match_spans(t, disjoint, disjoint=True) == [g.may_match(t[a:b]) for a, b in disjoint]
    low = texts[0].lower()
    assert g.may_match_spans(low, [(0, len(low))]) == [g.may_match(low)]


@pytest.mark.parametrize("pattern, flags, bound", [
    (r"godkänts digitalt|attesterat av", re.I, True),
    (r"^[ \t]*justerat\b[^\n\d]{0,20}\d{4}[ \t]*$", re.I | re.M, True),   # multi-line anchors
    (r"justerat[ \t]*$", re.I, False),           # `$` before a string-ending line break
    (r"remiss\s+från", re.I, False),             # \s holds a line break
    (r"remiss[^x]från", re.I, False),
    (r"remiss.från", re.I, True),
    (r"remiss.från", re.I | re.S, False),
    (r"(?s:remiss.från)", re.I, False),
    (r"(?=remiss)remiss från", re.I, False),     # look-arounds are not understood
    (r"remiss(?! från)", re.I, False),
    (r"\bremiss(?:en)?\b", re.I, True),
])
def test_line_bound(pattern, flags, bound):
    rx = re.compile(pattern, flags)
    assert rxgate._line_bound(rxgate._parser.parse(rx.pattern, rx.flags), rx.flags) is bound


def test_line_scan_is_the_whole_scan():
    """Case-insensitive patterns bound to a line scan only the lines holding a needle:
    the same matches as scanning the text, first match included, on the corpus and on
    texts built to trip it (a match on the first or last line, a needle across no line,
    a text ending in a line break, one whose fold is not character for character)."""
    line_scanned = [(n, g) for n, g in GATED if g.in_line]
    assert len(line_scanned) >= 5
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(ROOT.glob("corpus/*.txt"))]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(ROOT.glob("corpus/variants/*.txt"))]
    texts += ["Attesterat av\nx\nJUSTERAT 2015-11-19\n", "x\nGodkänts digitalt", "remiss\n\nsvar\n", "İ\nattesterat av",
              "\nsammanträde\n", "a\nb", "ATTESTERAT\nAV", "ſignerat digitalt\n2020-01-01\n"]
    for name, g in line_scanned:
        for t in texts:
            assert [m.span() for m in g.finditer(t)] == [m.span() for m in g.rx.finditer(t)], (name, t[:40])
            found, want = g.search(t), g.rx.search(t)
            assert (found and found.span()) == (want and want.span()), (name, t[:40])


def test_searches_is_each_patterns_search():
    """rxgate.searches (one fold for many gates) answers as each pattern's own search:
    gated ones, case-insensitive or not, and a plain pattern among them."""
    patterns = [g for _, g in GATED] + [re.compile(r"\d{4}-\d\d")]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(ROOT.glob("corpus/*.txt"))[:3]]
    pieces = [line for t in texts for line in t.split("\n")] + texts + ["İNGÅR Godkänner", "", "ATTESTERAT AV"]
    for s in pieces:
        got = rxgate.searches(patterns, s)
        want = [p.search(s) for p in patterns]
        assert [m and m.span() for m in got] == [m and m.span() for m in want], s[:40]


@pytest.mark.parametrize("name, g", GATED, ids=[n for n, _ in GATED])
def test_gated_scan_of_a_range_is_the_patterns_own(name, g):
    """search/finditer/findall with pos and endpos gate on the part of the string they
    read: the same results as the pattern over that range (corpus texts, random ranges,
    a negative pos and an endpos past the end)."""
    import random
    rnd = random.Random(13)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(ROOT.glob("corpus/*.txt"))[:3]]
    for t in texts:
        ranges = [tuple(sorted((rnd.randrange(len(t)), rnd.randrange(len(t))))) for _ in range(60)]
        ranges += [(-5, 40), (0, len(t) + 10), (len(t) // 2, len(t))]
        for a, b in ranges:
            assert [m.span() for m in g.finditer(t, a, b)] == [m.span() for m in g.rx.finditer(t, a, b)]
            assert [m.span() for m in g.finditer(t, a)] == [m.span() for m in g.rx.finditer(t, a)]
            found, want = g.search(t, a, b), g.rx.search(t, a, b)
            assert (found and found.span()) == (want and want.span())
            assert g.findall(t, a, b) == g.rx.findall(t, a, b)


def _folded_scans():
    found = []
    for name in MODULES:
        for attr, v in vars(importlib.import_module(name)).items():
            if isinstance(v, rxgate.FoldedScan):
                found.append((f"{name.rsplit('.', 1)[1]}.{attr}", v))
    return found


def test_folded_scan_is_exact_for_every_code_point():
    """A FoldedScan matches case-sensitively over the case fold what its pattern matches
    case-insensitively: every literal character of the pattern is a SAFE_IGNORECASE one
    that re.IGNORECASE lets match exactly the characters folding to it, and its classes
    (\\s, \\w, \\d) hold a character exactly when they hold its fold."""
    scans = _folded_scans()
    assert scans
    every = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    joined = "".join(every)
    folds = [rxgate._fold_case(c) for c in every]
    one = [(c, f) for c, f in zip(every, folds) if len(f) == 1]
    for cat in (r"\s", r"\w", r"\d"):
        rx = re.compile(cat)
        assert all(bool(rx.match(c)) == bool(rx.match(f)) for c, f in one), cat
    for name, scan in scans:
        literals = set()

        def walk(seq):
            for op, av in seq:
                if op is rxgate.C.LITERAL:
                    literals.add(chr(av))
                elif op is rxgate.C.IN:
                    for o, a in av:
                        assert o in (rxgate.C.LITERAL, rxgate.C.CATEGORY), (name, o)
                        if o is rxgate.C.LITERAL:
                            literals.add(chr(a))
                elif op in (rxgate.C.SUBPATTERN,):
                    walk(av[3])
                elif op is rxgate.C.BRANCH:
                    for alt in av[1]:
                        walk(alt)
                elif op in (rxgate.C.MAX_REPEAT, rxgate.C.MIN_REPEAT):
                    walk(av[2])
                else:
                    assert op in (rxgate.C.AT, rxgate.C.ANY), (name, op)
        walk(rxgate._parser.parse(scan.rx.pattern, scan.rx.flags))
        for lit in literals:
            assert lit in rxgate.SAFE_IGNORECASE or lit in "\n\t", (name, lit)
            want = {c for c, f in one if f == rxgate._fold_case(lit)}
            got = {m.group() for m in re.finditer(re.escape(lit), joined, re.I)}
            assert got == want, (name, lit, sorted(got ^ want))


def test_folded_scan_finds_what_the_pattern_finds():
    from pipeline.extract import dates
    scan = dates._CUE_SCAN
    texts = ["Remisstiden går ut den", "gäller FR.O.M. den", "T O M", "fr. o. m.", "İ till och med", "ſenast den",
             "SISTA DAG", "upphör att gälla", ""]
    texts += [p.read_text(encoding="utf-8", errors="replace")[:400] for p in sorted(ROOT.glob("corpus/*.txt"))]
    for t in texts:
        want = [(m.span(), m.lastgroup) for m in scan.rx.finditer(t)]
        assert [(m.span(), m.lastgroup) for m in scan.finditer(t)] == want, t
        assert bool(scan.search(t)) == bool(want)
