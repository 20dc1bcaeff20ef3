"""Regex gates: skip a scan that cannot match, with a substring test in C.

Most of the extractors' patterns look for phrases that a given document or line does
not contain at all ("tillsammans med", "samverkande parter", an area word), yet a scan
still tries the pattern at every character: tens of microseconds per document text for
each pattern. `gated(rx)` reads, from the pattern's own parse tree, a few literal strings
of which every match must contain one (its needles: "representanter" for
r"\\bmed\\s+representanter\\s+(?:för|från)", {"förslag", "synpunkter"} for an alternation),
and runs the pattern only on strings holding a needle. So a gated pattern gives exactly
the results of the pattern itself; patterns without good needles are returned as they are.

Case-insensitive patterns are gated on the string lower-cased with the three characters
whose lower case differs from what `re.IGNORECASE` matches mapped to theirs ("İ", "ı" ->
"i", "ſ" -> "s"), with needles only of characters checked to behave so (`SAFE_IGNORECASE`,
tests/test_rxgate.py tries every code point).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import chain, product
from typing import Optional

from re import _constants as C  # noqa: N812  (the parse tree's opcodes)
from re import _parser

MIN_NEEDLE = 3        # shorter needles are in almost every text: not worth a gate
COVER_MIN = 5         # needles are merged into shared pieces of at least this length
MAX_NEEDLES = 24      # alternatives multiply; beyond this the gate costs what it saves
# characters whose every re.IGNORECASE match lower-cases (after `_fold_case`) to their own lower case
SAFE_IGNORECASE = frozenset("abcdefghijklmnopqrstuvwxyzåäöéüABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉÜ0123456789 -.,:;/()")

_ZERO_WIDTH = (C.AT, C.ASSERT, C.ASSERT_NOT)


def _fold_case(s: str) -> str:
    """Lower case as re.IGNORECASE compares: "İ".lower() is "i" + a combining dot, and
    re.IGNORECASE also lets "i" match "ı" and "s" match "ſ"."""
    s = s.lower()
    if not s.isascii():
        s = s.replace("i\u0307", "i").replace("ı", "i").replace("ſ", "s")
    return s


@lru_cache(maxsize=64)
def _fold_case_cached(s: str) -> str:
    return _fold_case(s)   # several gated patterns scan the same text (a document, a decision)


def _literals(item) -> Optional[set[str]]:
    """The finite set of strings one parse-tree item matches, or None (zero-width: {""})."""
    op, av = item
    if op is C.LITERAL:
        return {chr(av)}
    if op in _ZERO_WIDTH:
        return {""}
    if op is C.IN and len(av) <= 4 and all(o is C.LITERAL for o, _ in av):   # "[Rr]"
        return {chr(c) for _, c in av}
    if op is C.SUBPATTERN:
        if av[1] or av[2]:   # inline flags: their own case rules
            return None
        return _seq_literals(av[3])
    if op is C.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            s = _seq_literals(alt)
            if s is None:
                return None
            out |= s
        return out if len(out) <= MAX_NEEDLES else None
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] == av[1] == 1:
        return _seq_literals(av[2])
    return None


def _seq_literals(seq) -> Optional[set[str]]:
    out = {""}
    for item in seq:
        s = _literals(item)
        if s is None:
            return None
        out = {a + b for a, b in product(out, s)}
        if len(out) > MAX_NEEDLES:
            return None
    return out


def _better(a: Optional[frozenset], b: Optional[frozenset]) -> Optional[frozenset]:
    def rank(n):
        return (min(map(len, n)), -len(n)) if n else (-1, 0)
    return a if rank(a) >= rank(b) else b


def _needles(seq) -> Optional[frozenset]:
    """Strings of which every match of the parsed sequence contains one (None: no such)."""
    best: Optional[frozenset] = None
    run: set[str] = {""}     # the literal strings of the current run of finite items

    def close():
        nonlocal best, run
        if run != {""}:
            best = _better(best, frozenset(run))
        run = {""}

    for item in seq:
        lits = _literals(item)
        if lits is not None:
            grown = {a + b for a, b in product(run, lits)}
            if len(grown) <= MAX_NEEDLES:
                run = grown
                continue
            close()
            run = set(lits) if len(lits) <= MAX_NEEDLES else {""}
            continue
        close()
        best = _better(best, _item_needles(item))
    close()
    return best


def _item_needles(item) -> Optional[frozenset]:
    op, av = item
    if op is C.SUBPATTERN:
        return None if av[1] or av[2] else _needles(av[3])
    if op is C.ATOMIC_GROUP:
        return _needles(av)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        return _needles(av[2]) if av[0] >= 1 else None
    if op is C.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            n = _needles(alt)
            if not n:
                return None
            out |= n
        if len(out) > MAX_NEEDLES:
            out = _cover(frozenset(out))   # a long word list: the pieces its words share
        return frozenset(out) if len(out) <= MAX_NEEDLES else None
    return None


def needles(rx: re.Pattern) -> Optional[frozenset]:
    """Needles of a compiled str pattern as matched against the gate text (lower-cased
    for re.IGNORECASE), or None when there is no usable set."""
    if not isinstance(rx.pattern, str) or rx.flags & (re.LOCALE | re.ASCII):
        return None
    found = _needles(_parser.parse(rx.pattern, rx.flags))
    if not found or min(map(len, found)) < MIN_NEEDLE:
        return None
    if rx.flags & re.IGNORECASE:
        if not all(c in SAFE_IGNORECASE for n in found for c in n):
            return None
        found = frozenset(_fold_case(n) for n in found)
    return _cover(found)


def _cover(found: frozenset) -> frozenset:
    """Fewer needles, each test being a scan of the string: a piece shared by several
    needles stands for them all (every string holding one of them holds the piece), so
    greedily the piece (of COVER_MIN+ characters, or a whole shorter needle) that most
    uncovered needles hold, the longest of those. {"prioriterade omrad", "fokusomrad",
    "omraden"} -> {"omrad"}; a needle holding another is covered by it."""
    left = set(found)
    out = set()
    while left:
        pieces = {n[i:j] for n in left for i in range(len(n) - COVER_MIN + 1)
                  for j in range(i + COVER_MIN, len(n) + 1)} | {n for n in left if len(n) <= COVER_MIN}
        best = max(pieces, key=lambda p: (sum(p in n for n in left), len(p), p))
        out.add(best)
        left = {n for n in left if best not in n}
    return frozenset(out)


class Gated:
    """A compiled pattern that scans only strings holding one of its needles; the same
    results as the pattern (see the module docstring). Unknown attributes go to it."""

    __slots__ = ("rx", "needles", "fold", "in_line")

    def __init__(self, rx: re.Pattern, found: frozenset):
        self.rx = rx
        self.needles = tuple(sorted(found, key=len, reverse=True))
        self.fold = bool(rx.flags & re.IGNORECASE)
        # a case-insensitive scan tries the pattern at every position (re cannot skip
        # ahead to a first character): over a text, only its lines holding a needle are
        # scanned, when no match can hold a line break or look past its line
        self.in_line = self.fold and _line_bound(_parser.parse(rx.pattern, rx.flags), rx.flags)

    def may_match(self, s: str) -> bool:
        if self.fold:
            s = _fold_case_cached(s)
        for n in self.needles:
            if n in s:
                return True
        return False

    def may_match_spans(self, s: str, spans, disjoint: bool = False) -> list[bool]:
        """[self.may_match(s[a:b]) for a, b in spans], with `s` folded and scanned once:
        for the many sentences of one text, most holding no needle. `disjoint`: the
        spans are sorted and do not overlap (each needle is then in one at most, found
        by bisection: a few needles, many spans)."""
        hits = self._hits(s)
        if hits is None:
            return [self.may_match(s[a:b]) for a, b in spans]
        if not hits:
            return [False] * len(spans)
        if disjoint:
            out = [False] * len(spans)
            starts = [a for a, _ in spans]
            for a, b in hits:
                k = bisect_right(starts, a) - 1
                if k >= 0 and b <= spans[k][1]:
                    out[k] = True
            return out
        starts = [h[0] for h in hits]
        out = []
        for a, b in spans:
            k = bisect_left(starts, a)
            while k < len(hits) and hits[k][0] < b and hits[k][1] > b:
                k += 1
            out.append(k < len(hits) and hits[k][1] <= b and hits[k][0] < b)
        return out

    def _hits(self, s: str) -> Optional[list[tuple[int, int]]]:
        """(start, end) of every needle occurrence in `s` folded, overlapping ones too,
        sorted; None when the fold is not character for character (a capital dotted I,
        a sigma lower-cased by its context), so offsets would not be those of `s`."""
        folded = _fold_case_cached(s) if self.fold else s
        if len(folded) != len(s) or "\u03a3" in s:
            return None
        hits = []
        for n in self.needles:
            i = folded.find(n)
            while i != -1:
                hits.append((i, i + len(n)))
                i = folded.find(n, i + 1)
        hits.sort()
        return hits

    def _finditer_lines(self, s: str):
        """= self.rx.finditer(s) for an `in_line` pattern: each line holding a needle
        scanned as a range of `s` (the line break after it included, so what follows a
        match's last character is what it is in `s`; what precedes a range is seen too)."""
        hits = self._hits(s)
        if hits is None:
            return self.rx.finditer(s) if self.may_match(s) else iter(())
        lines: list[tuple[int, int]] = []
        for a, b in hits:
            if lines and a < lines[-1][1]:
                continue   # on the line already taken
            end = s.find("\n", b)
            lines.append((s.rfind("\n", 0, a) + 1, len(s) if end == -1 else end + 1))
        return chain.from_iterable(self.rx.finditer(s, a, b) for a, b in lines)

    def _may_match_range(self, s: str, a: tuple) -> bool:
        """The gate of the part of `s` a scan with (pos, endpos) = `a` reads: the
        characters of every match it finds lie there."""
        pos = max(a[0], 0) if a else 0
        endpos = a[1] if len(a) > 1 else len(s)
        if pos == 0 and endpos >= len(s):
            return self.may_match(s)
        part = s[pos:endpos]
        if self.fold:
            part = _fold_case(part)   # not cached: a part of a text is asked about once
        for n in self.needles:
            if n in part:
                return True
        return False

    def search(self, s, *a):
        if a:
            return self.rx.search(s, *a) if self._may_match_range(s, a) else None
        if self.in_line and "\n" in s:
            return next(self._finditer_lines(s), None)
        return self.rx.search(s) if self.may_match(s) else None

    def match(self, s, *a):
        return self.rx.match(s, *a) if self.may_match(s) else None

    def fullmatch(self, s, *a):
        return self.rx.fullmatch(s, *a) if self.may_match(s) else None

    def finditer(self, s, *a):
        if a:
            return self.rx.finditer(s, *a) if self._may_match_range(s, a) else iter(())
        if self.in_line and "\n" in s:
            return self._finditer_lines(s)
        return self.rx.finditer(s) if self.may_match(s) else iter(())

    def findall(self, s, *a):
        return self.rx.findall(s, *a) if self._may_match_range(s, a) else []

    def sub(self, repl, s, count=0):
        return self.rx.sub(repl, s, count) if self.may_match(s) else s

    def split(self, s, maxsplit=0):
        return self.rx.split(s, maxsplit) if self.may_match(s) else [s]

    def __getattr__(self, name):
        return getattr(self.rx, name)

    def __repr__(self):
        return f"gated({self.rx!r}, needles={self.needles!r})"


# categories of a character set that hold a line break
_NEWLINE_CATEGORIES = {C.CATEGORY_SPACE, C.CATEGORY_NOT_DIGIT, C.CATEGORY_NOT_WORD, C.CATEGORY_LINEBREAK}


def _set_has_newline(items) -> bool:
    negate, hit = False, False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            hit = hit or av == 10
        elif op is C.RANGE:
            hit = hit or av[0] <= 10 <= av[1]
        elif op is C.CATEGORY:
            hit = hit or av in _NEWLINE_CATEGORIES
        else:
            return True   # not understood: assume it does
    return hit != negate


def _line_bound(seq, flags: int) -> bool:
    """No match of the parsed sequence holds a line break, and it tests nothing beyond
    the characters it matches but what the line scan keeps as in the whole text: no
    look-around, no `$` but the multi-line one (the other matches before a line break
    that ends the string, as the range of a line scan does)."""
    for op, av in seq:
        if op is C.LITERAL:
            if av == 10:
                return False
        elif op is C.NOT_LITERAL:
            if av != 10:
                return False
        elif op is C.IN:
            if _set_has_newline(av):
                return False
        elif op is C.ANY:
            if flags & re.DOTALL:
                return False
        elif op is C.AT:
            if av is C.AT_END and not flags & re.MULTILINE:
                return False
        elif op is C.SUBPATTERN:
            _, add, remove, sub = av
            if not _line_bound(sub, (flags | add) & ~remove):
                return False
        elif op is C.BRANCH:
            if not all(_line_bound(alt, flags) for alt in av[1]):
                return False
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            if not _line_bound(av[2], flags):
                return False
        elif op is C.ATOMIC_GROUP:
            if not _line_bound(av, flags):
                return False
        elif op is not C.GROUPREF:   # look-arounds, conditionals: not understood
            return False
    return True


class FoldedScan:
    """A case-insensitive pattern scanned as its case-sensitive twin over the string's case
    fold (_fold_case): re tries a case-insensitive pattern at every position, a
    case-sensitive one jumps between its possible first characters. The same matches, where
    the fold keeps every character in place and the pattern's literal characters are
    SAFE_IGNORECASE ones (its \\s and \\w too: tests/test_rxgate.py checks every code point);
    else the pattern itself scans. The matches are of the folded string: use their
    positions and group names, not their text."""

    __slots__ = ("rx", "twin")

    def __init__(self, rx: re.Pattern):
        assert rx.flags & re.IGNORECASE and not rx.flags & (re.LOCALE | re.ASCII)
        self.rx = rx
        self.twin = re.compile(rx.pattern, rx.flags & ~re.IGNORECASE)

    def _target(self, s: str):
        folded = _fold_case_cached(s)   # (a gate of the same pattern may have folded it just now)
        return (self.twin, folded) if len(folded) == len(s) else (self.rx, s)

    def finditer(self, s: str):
        rx, t = self._target(s)
        return rx.finditer(t)

    def search(self, s: str):
        rx, t = self._target(s)
        return rx.search(t)


def searches(patterns, s: str) -> list[Optional[re.Match]]:
    """[p.search(s) for p in patterns], `s` case-folded once for all their gates and each
    gate tested inline: for a string asked about many patterns (a decision's verbs)."""
    folded = None
    out: list[Optional[re.Match]] = []
    for p in patterns:
        if isinstance(p, Gated):
            if p.fold:
                if folded is None:
                    folded = _fold_case_cached(s)
                t = folded
            else:
                t = s
            for n in p.needles:
                if n in t:
                    break
            else:
                out.append(None)
                continue
            p = p.rx
        out.append(p.search(s))
    return out


def may_match_spans(rx, s: str, spans, disjoint: bool = False) -> list[bool]:
    """For each span (a, b) of `s`: False when rx cannot match s[a:b] (its gate says so).
    `disjoint`: see Gated.may_match_spans."""
    if isinstance(rx, Gated):
        return rx.may_match_spans(s, spans, disjoint)
    return [True] * len(spans)


def gated(rx: re.Pattern | str, flags: int = 0):
    """`rx` (compiled if a string) behind a gate of its needles; `rx` itself when it has none."""
    if isinstance(rx, str):
        rx = re.compile(rx, flags)
    found = needles(rx)
    return Gated(rx, found) if found else rx
