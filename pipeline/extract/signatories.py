"""Signatories: the people who sign the document, with title and (when attested) date.

Two places are read, anywhere in the text (the case officer under "Handläggare" is
skipped by that label):
- signature blocks: a line of names over a line of titles. Stacked ("Eva L" /
  "Stadsdelsdirektör"), side by side ("Eva L Per Olof E" / "tf stadsdelsdirektör tf
  avdelningschef": as many people as titles, the name run split before given names; a
  given name missing from the list is still split when each part looks like a person:
  a first word that is no known surname and a last word that is one, "Aukusti Koskinen"),
  or run together on one line as in flattened text ("Karin N Stadsdelsdirektör Lisbeth R
  Avdelningschef"); also "Name, title" as a line of its own and "Title, organisation";
- the digital attestation table ("Detta dokument har godkänts digitalt av följande
  personer: Namn Datum / Eva L, Stadsdelsdirektör 2023-09-06", or tab-separated
  "Namn<TAB>Titel<TAB>Datum" rows, also flattened onto one line), which gives the date.
A protocol's "Justerat 2015-11-19" line directly above a signature block dates the
signatures under it (the justerare and the chair, not the secretary signed above it).

A person found in both (names compared folded, fuzzily, so "Eva Lindkvist" in the block
and "Eva Lindqvist" in the table are one person) is one signatory with the evidence of
both. The name as written in the attestation table wins, since the table is generated
from the signer's own account; the title as written in the signature block wins (the
brief's convention), the table's title is used only for people absent from the blocks.
People named only in running text are never signatories: a name must stand directly
before a title, not after "och", "av", "Handläggare" …, and "Name, title," inside a line
is prose.

Given names come from models/names/given.txt (built by scripts/build_names.py from faker,
gender-guesser's name dictionary and names-dataset's Swedish ranks).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

from rapidfuzz import fuzz

from ..rxgate import gated
from ..segment import fold
from . import Context, Out, Span, line_spans
from .dates import SIGNED_LINE_RX, signing_regions

NAMES_DIR = Path(__file__).resolve().parents[2] / "models" / "names"

# folded title heads: one word, possibly a compound ("stadsdelsdirektör", "avdelningschef")
_HEADS = ("direktor", "chef", "ansvarig", "handlaggare", "samordnare", "strateg", "controller", "sekreterare",
          "utredare", "specialist", "ordforande", "kommunalrad", "jurist", "ekonom", "utvecklare", "planerare",
          "registrator", "ingenjor", "radgivare", "koordinator", "kanslist", "notarie", "revisor", "inspektor",
          "forestandare", "rektor", "sakkunnig", "analytiker", "projektledare", "verksamhetsledare", "borgarrad",
          "kommundirektor", "ombud", "justerare", "ledamot", "ersattare")
# title modifiers that precede the head ("tf", "t.f.", "biträdande", ...)
_TITLE_MOD = re.compile(r"(?:tf\.?|t\.f\.?|t\.|f\.|tillf\.?|tillforordnad|bitradande|bitr\.?|"
                        r"stallforetradande|stf\.?|vice|forste|forsta|"
                        # adjectives of two-word titles ("Administrativ chef")
                        r"administrativ|ekonomisk|juridisk|teknisk|medicinsk|strategisk|operativ|"
                        r"medicinskt|socialt|kommunal|regional|central|lokal)$")
_NAME_TOKEN = re.compile(r"[A-ZÅÄÖÉÜ][a-zåäöéüëA-ZÅÄÖ'’.-]*[a-zåäöéüë]$|[A-ZÅÄÖ]\.$")
# usual endings of Swedish surnames, for names beyond the list
_SURNAME_END = re.compile(r"(?:ss?on|berg|strom|qvist|kvist|lund|gren|dahl|holm|stedt|blad|borg|man|ling|der|rot|lof|ius|ell|and|fors|sten|hed|mark)$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NOT_NAMES = {"namn", "datum", "bilaga", "bilagor", "slut", "telefon", "till", "handlaggare",
              "sammanfattning", "bakgrund", "arendet", "attesterat", "av"}
_OFFICER_LABEL = re.compile(r"(?:handlaggare|kontaktperson|foredragande|telefon|e-post)\s*:?$")


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Folded (lower case, å/ä/ö -> a/o) given names, so OCR-damaged names still match."""
    words = (NAMES_DIR / "given.txt").read_text(encoding="utf-8").split()
    return frozenset(fold(w) for w in words if w.lower() not in _NOT_NAMES)


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    return frozenset(fold(w) for w in (NAMES_DIR / "surnames.txt").read_text(encoding="utf-8").split())


def preload() -> None:
    """Read the name lists (called by a worker's warm-up)."""
    given_names()
    surnames()


def is_surname(token: str) -> bool:
    return fold(token.strip(".,")) in surnames() or bool(_SURNAME_END.search(fold(token)))


def is_given(token: str) -> bool:
    """A given name of the list; a hyphenated one ("Anna-Karin") when all its parts are."""
    t = fold(token.strip(".,"))
    return t in given_names() or ("-" in t and all(p in given_names() for p in t.split("-") if p))


_NONSPACE = re.compile(r"\S+")


def _ws(s: str) -> str:
    return " ".join(s.split())   # = re.sub(r"\s+", " ", s).strip(), faster


@dataclass
class Tok:
    text: str
    start: int
    end: int

    @property
    def bare(self) -> str:
        return self.text.rstrip(",;:")


@dataclass
class Person:
    name: str
    name_span: Span
    title: Optional[str] = None
    title_span: Optional[Span] = None
    date: Optional[str] = None
    spans: list[Span] = field(default_factory=list)
    from_table: bool = False


def _tokens(text: str, start: int, end: int) -> list[Tok]:
    return [Tok(m.group(), start + m.start(), start + m.end()) for m in _NONSPACE.finditer(text[start:end])]


@lru_cache(maxsize=1 << 15)
def _is_title_mod(bare: str) -> bool:
    return bool(_TITLE_MOD.match(fold(bare)))


@lru_cache(maxsize=1 << 15)
def _is_title_head(bare: str) -> bool:
    # = re.match(r"\w*(?:direktor|chef|…)$", f): f is word characters (\w: alphanumeric
    # or "_") ending in a head, tested without a pattern that tries the heads at every letter
    f = fold(bare)
    return f.endswith(_HEADS) and (f.isalnum() or f.replace("_", "a").isalnum())


def _title_at(toks: list[Tok], i: int) -> int:
    """Length in tokens of a title phrase starting at toks[i] (0 if none)."""
    j = i
    # memoised per word: called for every token of every line of the document
    while j < len(toks) and j - i < 3 and _is_title_mod(toks[j].bare):
        j += 1
    if j < len(toks) and _is_title_head(toks[j].bare):
        return j - i + 1
    return 0


def _titles(toks: list[Tok], i: int) -> list[tuple[int, int]]:
    """Consecutive title phrases from toks[i]: list of (start, end) token indices."""
    out = []
    while i < len(toks):
        n = _title_at(toks, i)
        if not n:
            break
        out.append((i, i + n))
        if toks[i + n - 1].text != toks[i + n - 1].bare:  # "Stadsdelsdirektör," ends the run
            break
        i += n
    return out


def _is_name_token(t: Tok) -> bool:
    return _is_name_word(t.text)


@lru_cache(maxsize=1 << 15)
def _is_name_word(w: str) -> bool:
    return bool(_NAME_TOKEN.match(w)) and fold(w) not in _NOT_NAMES and not _title_at([Tok(w, 0, 0)], 0)


def _split_names(toks: list[Tok], k: int) -> Optional[list[list[Tok]]]:
    """Split a run of name tokens into k people, each starting at a given name and at least
    two tokens long; leading tokens before the first person are dropped. Among the
    possible splits prefer ones whose people start with known given names and keep
    the fewest tokens dropped."""
    n = len(toks)
    if n < 2 * k:
        return None
    best, best_score = None, None
    for starts in itertools.combinations(range(n - 1), k):
        bounds = list(starts) + [n]
        if any(bounds[x + 1] - bounds[x] < 2 for x in range(k)):
            continue
        if any(bounds[x + 1] - bounds[x] > 4 for x in range(k)):
            continue
        known = sum(is_given(toks[s].text) for s in starts)
        # a person's last token is a surname: penalise splits that end a person on a given name
        given_ends = sum(is_given(toks[bounds[x + 1] - 1].text) and not is_surname(toks[bounds[x + 1] - 1].text)
                         for x in range(k))
        plausible = sum(_plausible(toks[bounds[x]:bounds[x + 1]]) for x in range(k))
        score = (known - given_ends >= k, plausible, known - given_ends, -starts[0])
        if best_score is None or score > best_score:
            best, best_score = [toks[bounds[x]:bounds[x + 1]] for x in range(k)], score
    if best is None:
        return None
    if k > 1 and not best_score[0] and best_score[1] < k:
        # several people in one run: every one must start with a known given name, or (a
        # given name missing from the list) look like a person: see _plausible
        return None
    if k == 1 and len(best[0]) > 4:
        return None
    if best[0] and best[0][0] is not toks[0] and not is_given(best[0][0].text):
        return None  # junk before an unknown name: not a signature
    return best


def _plausible(part: list[Tok]) -> bool:
    """A person of a split whose given name may be unknown: it starts with a known given
    name, or starts with a word that is not a known surname and ends with a surname (of
    the list or by its ending), so "Aino Koskinen Bo Ek" still splits after "Koskinen"."""
    first, last = part[0].text, part[-1].text
    return is_given(first) or (not is_surname(first) and is_surname(last))


def _name_run_before(toks: list[Tok], i: int) -> list[Tok]:
    """Name tokens directly before toks[i] (stopping at punctuation, lower case, a title)."""
    j = i
    if j > 0 and toks[j - 1].text.endswith(","):   # "Anna Svensson, stadsdelsdirektör"
        if not _is_name_token(Tok(toks[j - 1].bare, 0, 0)):
            return []
        j -= 1
    while j > 0 and _is_name_token(toks[j - 1]) and i - j < 12:
        j -= 1
    return toks[j:i]


_PROSE_BEFORE = {"och", "samt", "av", "med", "till", "att", "som", "från", "för", "enligt", "där", "när", "eller",
                 "hos", "vår", "vår", "er", "om", "mellan", "via", "kontakta", "tillsammans"}


def _in_prose(toks: list[Tok], first: int, end: int) -> bool:
    """A name + title inside running text ("… och Lars Holm, avdelningschef, har …") or
    the case officer under "Handläggare": not a signature."""
    prev = toks[first - 1].bare.lower() if first > 0 else ""
    if prev in _PROSE_BEFORE or _OFFICER_LABEL.match(fold(prev)):
        return True
    # "Name, title" is a signature only as a line of its own (start and end of the line)
    if toks[end - 1].text.endswith(",") or any(t.text.endswith(",") for t in toks[first:end - 1]):
        return first > 0 or end < len(toks)
    return False


def _people(ctx: Context, names: list[Tok], titles: list[list[Tok]]) -> list[Person]:
    parts = _split_names(names, len(titles))
    if not parts:
        return []
    out = []
    for part, title in zip(parts, titles):
        text = ctx.text
        name = _ws(" ".join(t.bare for t in part))
        tspan = (title[0].start, title[-1].end)
        out.append(Person(name, (part[0].start, part[-1].end), _ws(text[tspan[0]:tspan[1]]).rstrip(",;:"), tspan))
    return out


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if start == 0 and end == len(text):
        return list(line_spans(text))
    out, pos = [], start
    for line in text[start:end].split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            out.append((pos + lead, pos + len(line.rstrip())))
        pos += len(line) + 1
    return out


# the first and last characters of a _NAME_TOKEN word
_NAME_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉÜ")
_NAME_LAST = frozenset("abcdefghijklmnopqrstuvwxyzåäöéüë.")
# what a word's last character lower-cases to when its fold() ends in a head (fold maps
# "é" and "è" to "e"): most words end otherwise, and are told from heads without a fold
_HEAD_ENDS = frozenset(h[-1] for h in _HEADS) | {"é", "è"}
# words (as split from a line, trailing ",;:" kept) known to be no title head: a new line's
# words are looked up all at once (a set operation, in C), only the others one by one
_PLAIN_WORDS: set[str] = set()
_PLAIN_KEPT = 1 << 17


@lru_cache(maxsize=1 << 14)
def _line_shape(line: str) -> tuple[bool, bool]:
    """(all its words are name words, a word is a title head) for a line; (False, False)
    for a blank one. Memoised: letterheads and signature blocks recur across documents;
    most new lines are prose, whose first or last word is no name and whose words are
    known to be no title."""
    words = line.split()
    if not words:
        return False, False
    names = words[0][0] in _NAME_FIRST and words[-1][-1] in _NAME_LAST and all(_is_name_word(w) for w in words)
    return names, _any_title(words)


def _any_title(words: list[str]) -> bool:
    """any(_is_title_head(w.rstrip(",;:")) for w in words)."""
    new = set(words).difference(_PLAIN_WORDS)
    if len(_PLAIN_WORDS) + len(new) > _PLAIN_KEPT:
        _PLAIN_WORDS.clear()
    for w in new:
        bare = w.rstrip(",;:")
        if bare[-1:].lower() in _HEAD_ENDS and _is_title_head(bare):
            return True
        _PLAIN_WORDS.add(w)
    return False


@lru_cache(maxsize=1 << 14)
def _is_officer_label(line: str) -> bool:
    return bool(_OFFICER_LABEL.match(fold(line)))


def _block_people(ctx: Context, start: int, end: int) -> list[Person]:
    text = ctx.text
    lines = _lines(text, start, end)
    found: list[Person] = []
    used: set[int] = set()
    for li, (s, e) in enumerate(lines):
        # the words first (the text of the tokens): most lines hold neither a name run
        # nor a title word, and are left before any token is built
        names_only, titled = _line_shape(text[s:e])
        if not names_only and (li in used or not titled):
            continue  # every title ends in a title word: none on this line
        if li and _is_officer_label(text[lines[li - 1][0]:lines[li - 1][1]]):
            continue  # the case officer under "Handläggare"
        toks = _tokens(text, s, e)
        # a line of names over a line of titles (which holds a title word: the next line
        # is tokenized only then, most often it is a heading's paragraph)
        if li + 1 < len(lines) and names_only and li not in used \
                and _line_shape(text[lines[li + 1][0]:lines[li + 1][1]])[1]:
            ntoks = _tokens(text, *lines[li + 1])
            ts = _titles(ntoks, 0)
            # the title line holds titles only, or one title then ", organisation"
            if ts and (ts[-1][1] == len(ntoks) or ntoks[ts[-1][1] - 1].text.endswith(",")):
                people = _people(ctx, toks, [ntoks[a:b] for a, b in ts])
                if people:
                    found.extend(people)
                    used.add(li + 1)
                    continue
        if li in used or not titled:
            continue   # (no word of the line is a title head: `heads` would be empty)
        heads = [j for j, t in enumerate(toks) if _is_title_head(t.bare)]
        if not heads:
            continue
        # names and titles run together on one line; a title ends in a head word at most
        # three words on (see _title_at), so only the words that close to one are tried
        i, h = heads[0] - 3, 0
        while i < len(toks):
            while h < len(heads) and heads[h] < i:
                h += 1
            if h == len(heads):
                break
            i = max(i, heads[h] - 3, 0)
            ts = _titles(toks, i)
            if not ts:
                i += 1
                continue
            names = _name_run_before(toks, i)
            if names and not _in_prose(toks, i - len(names), ts[-1][1]):
                found.extend(_people(ctx, names, [toks[a:b] for a, b in ts]))
            i = ts[-1][1]
    return found


_TABLE_START = gated(re.compile(r"godk[aä]nts digitalt|attesterat av", re.I))
# "Name, title date" or a tab-separated "Name<TAB>title<TAB>date" row
_TABLE_ROW = re.compile(r"(?P<name>[A-ZÅÄÖÉ][^\n,\t]{2,80}?)(?:,[ \t]*|\t+)(?P<title>[^\n\t,]{2,60}?)[ \t]+"
                        r"(?P<date>\d{4}-\d{2}-\d{2})")


def _table_people(ctx: Context) -> tuple[list[Person], list[Span]]:
    text = ctx.text
    m = _TABLE_START.search(text)
    if not m:
        return [], []
    people, spans = [], []
    for r in _TABLE_ROW.finditer(text, m.end()):
        toks = [t for t in _tokens(text, r.start("name"), r.end("name"))]
        # drop table headings / leading words before the first given name ("Namn Datum Eva L")
        while len(toks) > 2 and not is_given(toks[0].text):
            toks = toks[1:]
        if not toks or not all(_is_name_token(t) for t in toks):
            continue
        name = _ws(" ".join(t.text for t in toks))
        p = Person(name, (toks[0].start, toks[-1].end), _ws(r.group("title")), (r.start("title"), r.end("title")),
                   r.group("date"), from_table=True)
        people.append(p)
        spans.append((r.start(), r.end()))
    return people, spans


def _same(a: str, b: str) -> bool:
    fa, fb = fold(a), fold(b)
    return fa == fb or fuzz.ratio(fa, fb) >= 85


def _signing_line_date(text: str, pos: int) -> Optional[str]:
    """The date of a "Justerat 2015-11-19" line directly above the line at `pos` (blank
    lines between allowed): the date a protocol's signatories signed it."""
    above = text[:text.rfind("\n", 0, pos) + 1].rstrip()
    last = above[above.rfind("\n") + 1:]
    m = SIGNED_LINE_RX.fullmatch(last) if last else None
    return _DATE.search(last).group() if m else None


def find(ctx: Context) -> list[Person]:
    table, table_spans = _table_people(ctx)
    blocks = [p for p in _block_people(ctx, 0, len(ctx.text))
              if not any(a <= p.name_span[0] < b for a, b in table_spans)]
    attest = signing_regions(ctx.text)
    for p in blocks:
        p.date = p.date or _signing_line_date(ctx.text, p.name_span[0])
        if p.date is None and p.title_span and any(a <= p.name_span[0] < b for a, b in attest):
            # a flattened attestation row: "Name title 2025-02-06"
            d = re.match(r"\s*(\d{4}-\d{2}-\d{2})", ctx.text[p.title_span[1]:])
            p.date = d.group(1) if d else None
    merged: list[Person] = []
    for p in blocks + table:
        p.spans = [p.name_span] + ([p.title_span] if p.title_span else [])
        twin = next((q for q in merged if _same(q.name, p.name)), None)
        if twin is None:
            merged.append(p)
            continue
        twin.spans.extend(p.spans)
        if p.from_table:
            twin.name = p.name          # the table's spelling wins
            twin.date = twin.date or p.date
            twin.title = twin.title or p.title
    return merged


def extract(ctx: Context, out: Out) -> None:
    for p in find(ctx):
        out.append("signatories", {"name": p.name, "title": p.title, "signed_date": p.date}, p.spans)
