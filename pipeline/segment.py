"""Stage 4, segment: cleaned text -> sections, by the headings the genre uses.

Known headings are matched on a folded form of the line (lower case, å/ä/ö and their
usual OCR confusions folded to a/o), so "Arendets beredning" and "FÖRSLAG TILL BESLUT:"
are found as well as "Ärendets beredning". Unknown headings are kept as sections when
they look like one: a short line on its own, without closing punctuation, followed by
prose. Text flattened to one long line is split on known headings found inline.

Everything before the first heading is the `head` section (letterhead, Handläggare/Till
block, title), with heading None.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Optional

from .textmap import MappedText

# kind -> folded regexes (full line). Order matters only for readability.
KNOWN_HEADINGS: dict[str, list[str]] = {
    "decision": [r"(forvaltningens |kontorets |\w+s )?forslag till beslut", r"forslag till beslut",
                 r"\w+s forslag", r"beslut", r"(namndens|styrelsens) beslut"],
    "summary": [r"sammanfattning", r"sammanfattning av arendet"],
    "background": [r"bakgrund", r"bakgrund och syfte"],
    "matter": [r"arendet", r"arendet och dess beredning", r"arendebeskrivning", r"beskrivning av arendet",
               r"remissen i korthet", r"remissens innehall"],
    "preparation": [r"arendets beredning", r"beredning", r"samverkan och beredning"],
    "views": [r"(forvaltningens |kontorets |\w+s )?synpunkter( och forslag)?", r"synpunkter och forslag",
              r"forvaltningens bedomning", r"\w+s bedomning", r"overvaganden", r"analys"],
    "economy": [r"ekonomiska konsekvenser", r"ekonomi", r"konsekvenser"],
    "equality": [r"jamstalldhetsanalys.*", r"barnrattsanalys.*", r"barnkonsekvensanalys.*"],
    "attachments": [r"bilag(a|or|an)", r"bilaga \d+", r"bilag(a|or):.*"],
    "attestation": [r"attesterat av", r"godkant digitalt av"],
    "end": [r"slut"],
    "decided": [r"beslut i detta arende"],
}

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "á": "a", "à": "a", "ü": "u",
                       "6": "o", "&": "a", "§": "o"})
_HEADING_RX = [(kind, re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+)?(?:" + "|".join(rx) + r")\s*:?$"))
               for kind, rx in KNOWN_HEADINGS.items()]
# the same, one alternative per kind in the same order, so one match finds the first kind
# whose pattern matches (every line of every document is tried)
_KINDS = [kind for kind, _ in _HEADING_RX]
_ANY_HEADING_RX = re.compile("|".join(f"(?P<k{i}>{rx.pattern})" for i, (_, rx) in enumerate(_HEADING_RX)))
# Names of the known headings as written, for inline (flattened) detection; each also in
# ALL CAPS, as older documents write them.
_INLINE_NAMES = [
    "Förvaltningens förslag till beslut", "Förslag till beslut", "Sammanfattning", "Bakgrund",
    "Ärendets beredning", "Ärendet", "Förvaltningens synpunkter och förslag", "Synpunkter och förslag",
    "Förvaltningens förslag", "Jämställdhetsanalys", "Bilagor", "Bilaga", "Attesterat av",
    "Ekonomiska konsekvenser", "Beslut"]
_INLINE_RX = re.compile(
    r"(?<![\w-])(" + "|".join(sorted({re.escape(n) for n in _INLINE_NAMES} | {re.escape(n.upper()) for n in _INLINE_NAMES},
                                     key=len, reverse=True))
    + r"|Jämställdhetsanalys[\w ]*?analys|[A-ZÅÄÖ][\wåäö]+s synpunkter|[A-ZÅÄÖ][\wåäö]+s förslag)"
    r"(?=\s+(?:[A-ZÅÄÖ0-9\"”]|$)|\s*$)")
# names that are also ordinary words: inline, a heading only after a sentence end or a number
_INLINE_STRICT = {"Beslut", "BESLUT", "Bilaga", "BILAGA", "Bilagor", "BILAGOR"}


_FOLD_PAIRS = [(chr(k), v) for k, v in _FOLD.items()]
_ASCII_FOLD_PAIRS = [(a, b) for a, b in _FOLD_PAIRS if a.isascii()]   # "6", "&"


def _fold(s: str) -> str:
    # = s.lower().translate(_FOLD), by replace() (C, memchr speed; no output is a key);
    # an ASCII string (half the lines) can hold only the ASCII keys. White space runs
    # become one space, the ends stripped: str.split() splits on the characters \s
    # matches (str.isspace), like re.sub(r"\s+", " ", low).strip(), at a third of its cost
    low = s.lower()
    for a, b in _ASCII_FOLD_PAIRS if low.isascii() else _FOLD_PAIRS:
        if a in low:
            low = low.replace(a, b)
    return " ".join(low.split())


# extractors fold the same words and lines over and over (tens of thousands of calls per
# document); short strings are memoised, long ones (whole sections) folded directly
_fold_short = lru_cache(maxsize=1 << 16)(_fold)


def fold(s: str) -> str:
    return _fold_short(s) if len(s) <= 200 else _fold(s)


@lru_cache(maxsize=1 << 14)
def heading_kind(line: str) -> Optional[str]:
    """The kind of a known heading, or None. `line` is one stripped line (memoised: every
    line of every document is asked, and headings and boilerplate recur)."""
    if not line or len(line) > 80:
        return None
    m = _ANY_HEADING_RX.match(fold(line))
    return _KINDS[int(m.lastgroup[1:])] if m else None


@dataclass
class SectionSpan:
    heading: Optional[str]
    kind: str            # a KNOWN_HEADINGS key, "other" or "head"
    start: int           # body start in the cleaned text
    end: int
    heading_start: int = -1
    heading_end: int = -1

    def body(self, mt: MappedText) -> str:
        return mt.text[self.start:self.end].strip()


def is_flattened(text: str) -> bool:
    lines = [l for l in text.split("\n") if l.strip()]
    return bool(lines) and (len(lines) <= 3 or max(map(len, lines)) > 3000)


def split(mt: MappedText) -> list[SectionSpan]:
    text = mt.text
    heads = _inline_headings(text) if is_flattened(text) else _line_headings(text)
    sections: list[SectionSpan] = []
    pos = 0
    first_start = heads[0][0] if heads else len(text)
    sections.append(SectionSpan(None, "head", 0, first_start))
    for i, (hs, he, kind) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        heading = re.sub(r"\s+", " ", text[hs:he]).strip().rstrip(":").strip()
        sections.append(SectionSpan(heading, kind, he, end, hs, he))
        pos = end
    return sections


_LIST_MARK = re.compile(r"^(\d+[.)]|[-•–*])\s")


def _line_headings(text: str) -> list[tuple[int, int, str]]:
    lines = text.split("\n")
    out = []
    pos = 0
    for i, raw in enumerate(lines):
        s = pos
        pos += len(raw) + 1
        line = raw.strip()
        if not line or len(line) > 80:   # no heading, known or not (and not memoised)
            continue
        kind = heading_kind(line)
        # unknown headings only in the body: the head (letterhead, Till block, title) has none
        if kind is None and out and _heading_shaped(line) and _prose_follows(lines, i):
            kind = "other"
        if kind:
            lead = len(raw) - len(raw.lstrip())
            out.append((s + lead, s + lead + len(line), kind))
    return out


def _prose_follows(lines: list[str], i: int) -> bool:
    """Is the next non-blank line after line i prose: long, or ending a sentence, and no
    list item? (What makes a heading-shaped line a heading. The line before is not
    asked: the test was written on re.finditer(r"[^\n]*") spans, where the span before
    a line is always the empty match that ends the line before.)"""
    for raw in islice(lines, i + 1, None):
        nxt = raw.strip()
        if not nxt:
            continue
        if _LIST_MARK.match(nxt):
            return False
        return len(nxt) >= 60 or nxt.endswith(".")
    return False


@lru_cache(maxsize=1 << 14)
def _heading_shaped(line: str) -> bool:
    """A short capitalised line without closing punctuation, list marker, year or address."""
    words = line.split()
    if not (1 <= len(words) <= 7) or len(line) > 60:
        return False
    if not line[0].isupper() or line[-1] in ".,;:!?)–-" or _LIST_MARK.match(line):
        return False
    return not re.search(r"\d{4}|@|www\.|\d{2,}-\d", line)


def _inline_headings(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _INLINE_RX.finditer(text):
        before = text[max(0, m.start() - 40):m.start()].rstrip()
        # Known heading names, capitalised and followed by a capital, are headings wherever
        # they stand; a citation like "(Bilaga 1)" or "se Bilaga 2" is not, and "Beslut" only
        # after a sentence end, a number or a paragraph sign.
        name = m.group(1)
        if out and not text[out[-1][1]:m.start()].strip():
            continue  # "Bilagor Bilaga 1: …": a heading directly after a heading is content
        if name in _INLINE_STRICT and re.search(r"(?:\(|\b(?:se|i|enligt|och|samt|SE|I|OCH))$", before):
            continue
        if name in ("Beslut", "BESLUT") and before and not re.search(r"[.!?:)\d]$", before):
            continue
        kind = heading_kind(m.group(1)) or "other"
        out.append((m.start(), m.end(), kind))
    return out
