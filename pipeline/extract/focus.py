"""Focus / priority areas and their goals (`focus_areas`: text, goals).

The genre names its areas in many ways; each finder below reads one of them:
- lists: bullets ("- ", "•", "–"), numbers ("1.", "1)") or letters ("a)") introduced by a
  line that speaks of areas ("De föreslagna prioriterade samverkansområdena är:", a heading
  "Prioriterade samverkansområden" + paragraph), including numbered areas each followed
  by a description paragraph, and numbered areas each with bulleted sub-items (indented,
  or between two numbers): the sub-items are the area's goals when the introduction
  speaks of goals or they are sentences;
- numbered area headings ("Fokusområde 1: Otrygga platser"), each followed by a
  description and its goals (bullets or numbers, after a "Mål:" line or as sentences);
- area headings each followed by numbered or bulleted goals, after an introduction that
  speaks of goals or areas ("Under varje prioriterat samverkansområde finns det mätbara
  mål …:");
- an enumeration in running prose after an area word: "… fokusområden: 1) A, 2) B …
  och 5) E.", "… samverkansområden ut. Dessa är a, b samt c.", "… fokusområden. De är
  a, b, … samt c.", "… samverkansområdena i …: a samt b.", a label line "Prioriterade
  områden: a; b; c." (semicolons separate the items), and an enumeration set off by dashes
  or brackets inside the sentence ("De fem samverkansområdena – a, b … samt e – motsvarar
  …");
- quoted categories: "kategorierna ”ungdomar”, ”brottsoffer” och ”organiserad
  brottslighet”";
- a tab-separated table whose header's first column names areas ("Fokusområde<TAB>Mål"),
  one row per goal, kept as rows or laid out column after column by the layout stage;
- flattened text (one line): inline bullets, numbered areas and area headings with
  numbered goals, where an item ends at the first capitalised common word after it
  (wordfreq tells common words from names).

The same area found twice (summary and body) is one area with both evidence spans; its
goals are the union. Area text is as written, whitespace-normalised, first letter upper
case, without trailing punctuation; goals are as written, without their numbers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from rapidfuzz import fuzz

from ..rxgate import gated, may_match_spans
from ..segment import fold, heading_kind, is_flattened
from . import Context, Out, Span, line_spans

# one-to-one folding (keeps offsets): lower case, å/ä/ö and OCR look-alikes -> a/o
_FOLD1 = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "Å": "a", "Ä": "a", "Ö": "o"})


def _f1(s: str) -> str:
    # = s.lower().translate(_FOLD1) (upper-case keys are gone after lower()); replace()
    # runs in C at memchr speed, translate() with a dict table looks up every character
    return s.lower().replace("å", "a").replace("ä", "a").replace("ö", "o").replace("é", "e")


# the finders fold the same lines again and again: short strings are memoised
_f1_short = lru_cache(maxsize=1 << 14)(_f1)


# and a document's whole text by several finders
_f1_long = lru_cache(maxsize=4)(_f1)


def f1(s: str) -> str:
    return _f1_short(s) if len(s) <= 300 else _f1_long(s)


# words that say "areas" (folded); "stadsdelsområde", "ansvarsområde" are not among them.
# The leading look-ahead holds the first letter of every alternative: re then skips the
# positions of other characters instead of trying each alternative there (keep in step)
KW = gated(re.compile(r"(?=[adfikmpstu])(?:"
                      r"(?:fokus|samverkans|insats|mal|prioriterade |prioriterat |utvecklings)omrad\w*|"
                      r"prioriterade (?:utmaningar|fragor)|prioriteringar\w*|kategori\w*|"
                      r"foljande (?:\w+ )?inriktning\w*|inriktning\w*\s*:|"
                      r"\b(?:foljande|dessa|tva|tre|fyra|fem|sex|sju|atta) (?:\w+ )?omrad(?:e|en|ena)\b)"))
GOAL_KW = gated(re.compile(r"\bmal(?:en|et)?\b|matbara|delmal"))
BULLET = re.compile(r"^[ \t]*(?:[-•–*▪◦·]|o(?=[ \t]+[A-ZÅÄÖ]))[ \t]+")   # "o " is Word's bullet exported as text
# "1." "1)" "1 Text" and decimal sub-numbers "2.1 Text" (numbered by their last part)
NUMBER = re.compile(r"^[ \t]*(?:\d{1,2}\.(?=\d))?(\d{1,2})(?:[.)]|(?=[ \t]+[A-ZÅÄÖ]))[ \t]+")
LETTER = re.compile(r"^[ \t]*([a-h])\)[ \t]+")      # "a) …", numbered a=1, b=2 …
# a numbered area heading: "Fokusområde 1: Otrygga och brottsutsatta platser"
AREA_HEADING = re.compile(r"^(?:fokus|samverkans|insats|prioriterat |mal)?omrade\s+(?:\d{1,2}|[ivx]{1,4})\s*[:.–-]\s*"
                          r"(?=\S)", re.I)
# = (?<!\bt\.ex)(?<!\bbl\.a)(?<!\bm\.m)(?<!\bs\.k)(?<![A-ZÅÄÖ])[.!?](?=…): the mark first and the
# look-behinds after it, one character longer, so the scan jumps from mark to mark
SENTENCE_END = re.compile(r"[.!?](?<!\bt\.ex.)(?<!\bbl\.a.)(?<!\bm\.m.)(?<!\bs\.k.)(?<![A-ZÅÄÖ].)(?=\s+[A-ZÅÄÖ0-9”\"]|\s*$)")


@dataclass
class Area:
    text: str
    spans: list[Span] = field(default_factory=list)
    goals: list[tuple[str, Span]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return fold(self.text)


_SENTENCE_MARK_END = re.compile(r"[.!?;]$")


def clean_area(s: str) -> str:
    s = " ".join(s.split()).strip("”“\"'*").strip()   # (= re.sub(r"\s+", " ", s).strip(), faster)
    s = s.rstrip(".,;:").strip()
    return s[:1].upper() + s[1:]


def clean_goal(s: str) -> str:
    return " ".join(s.split())   # = re.sub(r"\s+", " ", s).strip(), faster


def _looks_like_area(s: str) -> bool:
    words = s.split()
    return 1 <= len(words) <= 14 and not _SENTENCE_MARK_END.search(s.strip())


# ---------------------------------------------------------------- line-based lists

@dataclass
class Line:
    start: int
    end: int
    text: str
    indent: int = 0


@dataclass
class Item:
    line: Line
    body_start: int   # offset of the text after the marker
    number: Optional[int]
    children: list["Item"] = field(default_factory=list)   # bulleted sub-items of a numbered item

    @property
    def body(self) -> str:
        return self.line.text[self.body_start - self.line.start:]


def _lines(text: str) -> list[Line]:
    out = []
    for s, e in line_spans(text):
        indent = 0
        if s and text[s - 1] != "\n":   # indented: the width of its leading white space
            indent = len(text[text.rfind("\n", 0, s) + 1:s].expandtabs(4))
        out.append(Line(s, e, text[s:e], indent))
    return out


def _item(line: Line) -> Optional[Item]:
    marker = _marker(line.text)
    return Item(line, line.start + marker[0], marker[1]) if marker else None


# the finders ask about the same lines again and again (and lines recur across documents);
# the Item is built anew each time, since a list's items get their children set
@lru_cache(maxsize=1 << 14)
def _marker(text: str) -> Optional[tuple[int, Optional[int]]]:
    """(length of a line's list marker, its number) or None."""
    m = BULLET.match(text)
    if m:
        return m.end(), None
    m = NUMBER.match(text)
    if m:
        return m.end(), int(m.group(1))
    m = LETTER.match(text)
    if m:
        return m.end(), ord(m.group(1)) - ord("a") + 1
    return None


def _lists(lines: list[Line]) -> list[tuple[int, list[Item]]]:
    """Group list items: (index of the first item's line, items). Numbered items stay in
    one list while numbering goes on (1, 2, 3 …), even with paragraphs between them."""
    out: list[tuple[int, list[Item]]] = []
    i = 0
    while i < len(lines):
        it = _item(lines[i])
        if it is None:
            i += 1
            continue
        items, first, j = [it], i, i + 1
        while j < len(lines):
            nxt = _item(lines[j])
            if nxt is not None and nxt.number is None and it.number is not None:
                # bullets under a numbered item: its sub-items when indented deeper, when the
                # next number follows them, or when an earlier item of the list had some
                k = j
                while k < len(lines) and (b := _item(lines[k])) is not None and b.number is None:
                    k += 1
                follows = k < len(lines) and (n := _item(lines[k])) is not None and n.number == items[-1].number + 1
                if lines[j].indent > items[-1].line.indent or follows or any(x.children for x in items):
                    items[-1].children = [_item(lines[x]) for x in range(j, k)]
                    j = k
                    continue
                break
            if nxt is not None and (nxt.number is None) == (it.number is None):
                if it.number is None or nxt.number == items[-1].number + 1:
                    items.append(nxt)
                    j += 1
                    continue
                break
            if (nxt is None and it.number is None and lines[j].start - lines[j - 1].end <= 1 + lines[j].indent
                    and _looks_like_area(lines[j].text) and lines[j].text[:1].isupper()
                    and not lines[j].text.endswith((".", ":"))):
                # the next line of the same block, shaped like an item: OCR lost its bullet
                items.append(Item(lines[j], lines[j].start, None))
                j += 1
                continue
            if nxt is None and it.number is not None:
                # a description paragraph between numbered areas: look ahead for the next number
                k = j
                while k < len(lines) and _item(lines[k]) is None and k - j < 3:
                    k += 1
                if (k < len(lines) and k > j and (n := _item(lines[k])) is not None and n.number == items[-1].number + 1
                        and all(not _looks_like_area(lines[x].text) for x in range(j, k))):
                    items.append(n)
                    j = k + 1
                    continue
            break
        out.append((first, items))
        i = j
    return out


def _is_heading_like(s: str) -> bool:
    return _looks_like_area(s) and s[:1].isupper() and not s.endswith(":") and heading_kind(s) is None


def find_in_lists(text: str, lines: Optional[list[Line]] = None) -> list[Area]:
    lines = _lines(text) if lines is None else lines
    areas: list[Area] = []
    goal_chain = False    # the previous list was an area heading's goals
    goal_intro = False    # an introduction speaking of goals/areas preceded
    prev_end = -1
    for first, items in _lists(lines):
        p = lines[first - 1] if first > 0 else None
        pp = lines[first - 2] if first > 1 else None
        bodies = [it.body for it in items]
        sentences = sum(b.rstrip().endswith(".") for b in bodies)
        # area heading followed by its goals
        if p is not None and _is_heading_like(p.text) and sentences >= max(1, len(items) // 2 + 1):
            intro = pp is not None and _item(pp) is None and bool(KW.search(f1(pp.text)) or GOAL_KW.search(f1(pp.text)))
            chained = goal_chain and pp is not None and prev_end == first - 2
            if intro or chained:
                a = Area(clean_area(p.text), [(p.start, p.end)])
                a.goals = [(clean_goal(it.body), (it.body_start, it.line.end)) for it in items]
                areas.append(a)
                goal_chain, prev_end = True, first + _span_lines(lines, first, items) - 1
                continue
        goal_chain = False
        # a list of areas after an introduction (line or heading + paragraph) that names them
        context = [x.text for x in (p, pp) if x is not None and _item(x) is None]
        if p is not None and (p.text.endswith(":") or _is_heading_like(p.text)) and not KW.search(f1(p.text)):
            continue  # the introduction or heading says the list is about something else
        if not any(KW.search(f1(c)) for c in context[:2]):
            continue
        if p is not None and heading_kind(p.text) in ("decision", "attachments"):
            continue
        # list punctuation ("a;", "b;", "c.") is allowed; a list of sentences is not a list of areas
        if sentences > 1 or not all(_looks_like_area(b.rstrip(".;,")) for b in bodies) or len(items) < 2:
            continue
        kids = [c for it in items for c in it.children]
        goals = bool(kids) and (any(GOAL_KW.search(f1(c)) for c in context[:2])
                                or all(c.body.rstrip().endswith(".") for c in kids))
        for it in items:
            a = Area(clean_area(it.body), [(it.body_start, it.line.end)])
            if goals:
                a.goals = [(clean_goal(c.body), (c.body_start, c.line.end)) for c in it.children]
            areas.append(a)
    return areas


# what every AREA_HEADING match holds, in the folded text (case-sensitive, so re scans for
# "omrade" at memchr speed): after lower(), what IGNORECASE lets [ivx] match is i, v, x or
# a dotless ı
_AREA_NUMBER = re.compile(r"omrade\s+[\divxı]")


def find_area_headings(text: str, lines: Optional[list[Line]] = None) -> list[Area]:
    """Numbered area headings ("Fokusområde 1: X"), each with the goals listed under it."""
    if not _AREA_NUMBER.search(f1(text)):
        return []   # most documents: no line can be such a heading
    lines = _lines(text) if lines is None else lines
    areas: list[Area] = []
    i = 0
    while i < len(lines):
        m = AREA_HEADING.match(f1(lines[i].text))
        name = lines[i].text[m.end():] if m else ""
        if not m or not _looks_like_area(name):
            i += 1
            continue
        a = Area(clean_area(name), [(lines[i].start + m.end(), lines[i].end)])
        j, after_intro, items = i + 1, False, []
        while j < len(lines) and not AREA_HEADING.match(f1(lines[j].text)) and heading_kind(lines[j].text) is None:
            it = _item(lines[j])
            if it is None:
                if items:
                    break            # the goal list has ended
                after_intro = after_intro or (bool(GOAL_KW.search(f1(lines[j].text))) and lines[j].text.endswith(":"))
            else:
                items.append(it)
            j += 1
        if items and (after_intro or all(it.body.rstrip().endswith(".") for it in items)):
            a.goals = [(clean_goal(it.body), (it.body_start, it.line.end)) for it in items]
        areas.append(a)
        i = j
    return areas if len(areas) >= 2 else []


def _span_lines(lines: list[Line], first: int, items: list[Item]) -> int:
    last = items[-1].line
    return next(i for i, l in enumerate(lines) if l is last) - first + 1


# ---------------------------------------------------------------- tables

_AREA_HEADER_RX = re.compile(r"omraden?|prioritering")
_AREA_WORD_RX = re.compile(r"omraden?")


def find_in_tables(text: str, lines: Optional[list[Line]] = None) -> list[Area]:
    areas: list[Area] = []
    if "\t" not in text:
        return areas   # a table row is a line holding a tab
    lines = _lines(text) if lines is None else lines
    i = 0
    while i < len(lines):
        cols = lines[i].text.split("\t")
        if len(cols) >= 2 and KW.search(f1(cols[0])) or (len(cols) >= 2 and _AREA_HEADER_RX.fullmatch(f1(cols[0]).strip())):
            goal_col = next((c for c, h in enumerate(cols) if c > 0 and GOAL_KW.search(f1(h))), None)
            j, current = i + 1, None
            while j < len(lines) and "\t" in lines[j].text:
                row = lines[j]
                cells, pos = [], row.start
                for cell in row.text.split("\t"):
                    cells.append((cell, pos))
                    pos += len(cell) + 1
                name, at = cells[0]
                if name.strip():
                    key = fold(name)
                    current = next((a for a in areas if a.key == key), None)
                    if current is None:
                        current = Area(clean_area(name), [])
                        areas.append(current)
                    current.spans.append((at, at + len(name)))
                if current is not None and goal_col is not None and goal_col < len(cells):
                    g, gat = cells[goal_col]
                    if g.strip():
                        current.goals.append((clean_goal(g), (gat, gat + len(g))))
                j += 1
            i = j
            continue
        i += 1
    return areas


def find_in_columns(text: str, lines: Optional[list[Line]] = None) -> list[Area]:
    """A table that layout laid out column after column: a header line naming areas
    ("Fokusområde") over its cells, then a header naming goals ("Mål") over as many."""
    lines = _lines(text) if lines is None else lines
    areas: list[Area] = []
    # blocks: runs of non-blank lines (a blank line between two lines puts a second line
    # break between them)
    blocks: list[list[Line]] = []
    prev_end = None
    for line in lines:
        if prev_end is None or text.count("\n", prev_end, line.start) > 1:
            blocks.append([])
        blocks[-1].append(line)
        prev_end = line.end
    for bi, block in enumerate(blocks):
        first = block[0].text
        if "\t" in first:
            continue  # a table kept as rows: find_in_tables reads it
        # (folding keeps the words: they are counted before it, and at most four split off)
        if len(block) < 3 or len(first.split(None, 3)) > 3:
            continue
        head = f1(first)
        if not (KW.search(head) or _AREA_WORD_RX.fullmatch(head)):
            continue
        cells = block[1:]
        if not all(_looks_like_area(c.text) for c in cells):
            continue
        goals = None
        if bi + 1 < len(blocks):
            nxt = blocks[bi + 1]
            if len(nxt) == len(block) and len(nxt[0].text.split()) <= 3 and GOAL_KW.search(f1(nxt[0].text)):
                goals = nxt[1:]
        for k, c in enumerate(cells):
            key = fold(c.text)
            a = next((x for x in areas if x.key == key), None)
            if a is None:
                a = Area(clean_area(c.text), [])
                areas.append(a)
            a.spans.append((_line_start(text, c), c.end))
            if goals is not None:
                g = goals[k]
                a.goals.append((clean_goal(g.text), (_line_start(text, g), g.end)))
    return areas


def _line_start(text: str, line: Line) -> int:
    """Where the line holding `line` starts (its leading white space included)."""
    return text.rfind("\n", 0, line.start) + 1


# ---------------------------------------------------------------- prose

QUOTED = re.compile(r"[”“\"]([^”“\"\n]{2,60})[”“\"]")
_NEXT_SENTENCE = re.compile(r"^\s*(?:De|Dessa|Det)\s+(?:är|utgörs av|gäller)\s+", re.I)


# SENTENCE_END over a whole text, as over each of its lines alone: what follows the mark
# stays on the line (a look-behind sees only the mark's own line's characters anyway)
_SENTENCE_END_IN_TEXT = re.compile(SENTENCE_END.pattern.replace(r"(?=\s+[A-ZÅÄÖ0-9”\"]|\s*$)",
                                                                r"(?=[^\S\n]+[A-ZÅÄÖ0-9”\"]|[^\S\n]*(?:\n|\Z))"))
assert _SENTENCE_END_IN_TEXT.pattern != SENTENCE_END.pattern
_LINE = re.compile(r"[^\n]+")


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentences of each line: split after each SENTENCE_END (the spaces after it skipped)."""
    out = []
    ends = [m.end() for m in _SENTENCE_END_IN_TEXT.finditer(text)]
    k, n = 0, len(ends)
    for para in _LINE.finditer(text):
        s, pe = para.span()
        while k < n and ends[k] <= pe:
            out.append((s, ends[k]))
            s = ends[k]
            while s < pe and text[s] == " ":
                s += 1
            k += 1
        if s < pe:
            out.append((s, pe))
    return out


def _adjectival(word: str) -> bool:
    return bool(re.search(r"(?:a|e|iga|ade|ta|da)$", word)) and len(word) > 2


def _split_last(chunk: str, base: int) -> list[tuple[str, int]]:
    """Split the last chunk of an enumeration at "samt", else at the first "och" that
    does not join two adjectives ("otrygga och brottsutsatta platser" stays whole)."""
    m = list(re.finditer(r"\s+samt\s+", chunk))
    if m:
        k = m[-1]
        return [(chunk[:k.start()], base), (chunk[k.end():], base + k.end())]
    for k in re.finditer(r"\s+och\s+", chunk):
        before = chunk[:k.start()].split()
        after = chunk[k.end():].split()
        if before and after and _adjectival(before[-1]) and _adjectival(after[0]):
            continue
        return [(chunk[:k.start()], base), (chunk[k.end():], base + k.end())]
    return [(chunk, base)]


def enumeration(text: str, start: int, end: int) -> list[tuple[str, Span]]:
    """Items of an enumeration text[start:end] ("a, b och c", "1) a, 2) b och 3) c")."""
    seg = text[start:end]
    seg = re.sub(r"[.;]\s*$", "", seg)
    items: list[tuple[str, int]] = []
    marks = list(re.finditer(r"(?:(?<=\s)|^)\d{1,2}\)\s*", seg))
    if len(marks) >= 2:
        for a, b in zip(marks, marks[1:] + [None]):
            s, e = a.end(), (b.start() if b else len(seg))
            piece = re.sub(r"(?:,|\s+och|\s+samt)\s*$", "", seg[s:e].rstrip())
            items.append((piece, s))
    elif ";" in seg:
        # "a; b; c och d" / "a; b; samt c": semicolons separate, commas and "och" stay inside items
        pos = 0
        for m in list(re.finditer(r";\s*", seg)) + [None]:
            e = m.start() if m else len(seg)
            piece = seg[pos:e]
            lead = re.match(r"\s*(?:och|samt)\s+", piece)
            items.append((piece[lead.end():] if lead else piece, pos + (lead.end() if lead else 0)))
            pos = m.end() if m else len(seg)
    else:
        parts, pos = [], 0
        for m in re.finditer(r",\s+", seg):
            parts.append((seg[pos:m.start()], pos))
            pos = m.end()
        last, at = seg[pos:], pos
        parts.extend(_split_last(last, at))
        items = parts
    out = []
    for piece, at in items:
        lead = len(piece) - len(piece.lstrip())
        body = piece.strip()
        if not body:
            continue
        out.append((clean_area(body), (start + at + lead, start + at + lead + len(body))))
    return out


def _ok_items(items: list[tuple[str, Span]], minimum: int) -> bool:
    return len(items) >= minimum and all(1 <= len(t.split()) <= 12 and not re.search(r"[:;]|\d{4}", t)
                                         for t, _ in items)


_AREA_STEM_RX = re.compile(r"priorit|kategori|omrad")
_DASH_OR_BRACKET_AFTER_RX = re.compile(r"(?:\s+\w+){0,3}?\s*(?:\s([–—-])\s|\()")
_AR_AFTER_RX = re.compile(r"(?:\s+\w+){0,3}?\s+är\s+")


def find_in_prose(text: str) -> list[Area]:
    areas: list[Area] = []
    sents = _sentences(text)
    quoted_before = -2   # index of the last sentence that gave quoted categories
    # fold the text once and slice it, when folding keeps every character in place (it
    # does unless a character lower-cases to two, or a capital sigma depends on context)
    low_text = f1(text)
    sliceable = len(low_text) == len(text) and "\u03a3" not in text
    # which sentences may hold an area word, from one scan of the folded text
    maybe = may_match_spans(KW, low_text, sents, disjoint=True) if sliceable else [True] * len(sents)
    search = getattr(KW, "rx", KW).search if sliceable else KW.search   # the gate was asked already
    for si, (s, e) in enumerate(sents):
        if not maybe[si] and quoted_before != si - 1:
            continue   # neither an area sentence nor one right after quoted categories
        sent = text[s:e]
        low = low_text[s:e] if sliceable else f1(sent)
        kw = search(low) if maybe[si] else None
        if not kw and quoted_before != si - 1:
            continue
        quoted = list(QUOTED.finditer(sent))
        # quoted categories: two or more in an area sentence, or more of them right after
        if quoted and (kw and len(quoted) >= 2 or quoted_before == si - 1 and _AREA_STEM_RX.search(low)):
            for q in quoted:
                areas.append(Area(clean_area(q.group(1)), [(s + q.start(1), s + q.end(1))]))
            quoted_before = si
            continue
        if not kw:
            continue
        if AREA_HEADING.match(low.lstrip()):
            continue  # "Fokusområde 3: A och B" is one area: find_area_headings reads it
        found: list[tuple[str, Span]] = []
        # set off by dashes or brackets right after the area word: "områdena – a, b samt c – motsvarar"
        m = _DASH_OR_BRACKET_AFTER_RX.match(sent[kw.end():])
        if m:
            close = sent.find(f" {m.group(1)} " if m.group(1) else ")", kw.end() + m.end())
            if close != -1:
                found = enumeration(text, s + kw.end() + m.end(), s + close)
                if not _ok_items(found, 2):
                    found = []
        colon = sent.find(":", kw.end(), kw.end() + 80)
        if not found and colon != -1 and sent[colon + 1:].strip():
            found = enumeration(text, s + colon + 1, e)
            if not _ok_items(found, 2):
                found = []
        if not found:
            m = _AR_AFTER_RX.match(sent[kw.end():])
            if m:
                found = enumeration(text, s + kw.end() + m.end(), e)
                if not _ok_items(found, 3):
                    found = []
        if not found and si + 1 < len(sents):
            ns, ne = sents[si + 1]
            m = _NEXT_SENTENCE.match(text[ns:ne])
            if m:
                found = enumeration(text, ns + m.end(), ne)
                if not _ok_items(found, 2):
                    found = []
        for t, sp in found:
            areas.append(Area(t, [sp]))
    return areas


# ---------------------------------------------------------------- flattened text

_FUNCTION_WORDS = {"i", "på", "av", "för", "mot", "med", "till", "om", "vid", "och", "samt", "inom", "kring",
                   "från", "under", "över", "efter", "utan", "mellan", "hos", "en", "ett", "den", "det", "de"}


@lru_cache(maxsize=4096)
def _common(word: str) -> bool:
    from wordfreq import zipf_frequency
    return zipf_frequency(word.lower(), "sv") >= 3.3


def preload() -> None:
    """Load wordfreq's Swedish frequencies (~70 ms) for `_common` (called by a worker's warm-up)."""
    from wordfreq import zipf_frequency
    zipf_frequency("och", "sv")


def _item_end(text: str, start: int, limit: int, known: tuple[str, ...] = ()) -> int:
    """End of a list item in flattened text: after an area already named elsewhere in the
    document when the item starts with one, else before the first capitalised common
    word after the item's first word (the start of the next sentence or heading)."""
    for k in sorted(known, key=len, reverse=True):
        if f1(text[start:start + len(k)]) == f1(k) and re.match(r"\s+[A-ZÅÄÖ]", text[start + len(k):start + len(k) + 3]):
            return start + len(k)
    words = list(re.finditer(r"\S+", text[start:limit]))
    for k, w in enumerate(words[1:], 1):
        tok = w.group()
        if words[k - 1].group().lower() in _FUNCTION_WORDS:
            continue  # an area does not end with "i", "mot", "och" …: the word is part of it
        if tok[:1].isupper() and tok.isalpha() and _common(tok):
            return start + w.start() - 1
    return limit


def find_flattened(text: str, known: tuple[str, ...] = (), stops: tuple[int, ...] = ()) -> list[Area]:
    """`known`: areas found in prose; `stops`: where headings start (items end there)."""
    areas: list[Area] = []
    for m in re.finditer(r":\s+(?=[-•–]\s)", text):
        head = text[max(0, m.start() - 200):m.start()]
        if not KW.search(f1(head.split(".")[-1])):
            continue
        marks = list(re.finditer(r"(?:^|\s)[-•–]\s+", text[m.end() - 1:m.end() + 2000]))
        base = m.end() - 1
        for a, b in zip(marks, marks[1:] + [None]):
            s = base + a.end()
            e = base + b.start() if b else _item_end(text, s, _limit(s, s + 200, stops, len(text)), known)
            body = text[s:e].strip()
            if _looks_like_area(body):
                areas.append(Area(clean_area(body), [(s, s + len(body))]))
    # numbered runs "1. … 2. …": area headings with goals, or numbered areas
    last_goal_end = -10
    for m in re.finditer(r"(?<=[.:])\s+(?=1[.)]\s)|(?<=[a-zåäö])\s+(?=1[.)]\s+[A-ZÅÄÖ])", text):
        found = _flat_numbered(text, m.end(), known, stops, last_goal_end)
        areas.extend(found)
        if found and found[-1].goals:
            last_goal_end = found[-1].goals[-1][1][1]
    return areas


def _limit(start: int, limit: int, stops: tuple[int, ...], n: int) -> int:
    return min([limit, n] + [x for x in stops if x > start])


def _numbered_run(text: str, at: int) -> list[tuple[int, int, int]]:
    """(number, marker start, body start) of "1. … 2. … 3. …" from `at`."""
    out, n, pos = [], 1, at
    while True:
        m = re.compile(rf"(?:^|(?<=\s)){n}[.)]\s+").search(text, pos, min(len(text), pos + 1500))
        if not m or (out and m.start() != pos and n == 1):
            break
        restart = re.compile(r"(?<=\s)1[.)]\s+").search(text, pos, m.start())
        if n > 1 and restart:
            break  # a new list starts before this number: it belongs to that list
        if n == 1 and m.start() != at:
            break
        out.append((n, m.start(), m.end()))
        n, pos = n + 1, m.end()
    return out


def _flat_numbered(text: str, at: int, known: tuple[str, ...] = (), stops: tuple[int, ...] = (),
                   last_goal_end: int = -10) -> list[Area]:
    run = _numbered_run(text, at)
    if not run:
        return []
    before = text[max(0, at - 300):at].rstrip()
    intro_sent = re.split(r"(?<=[.!?])\s+", before)[-1]
    bodies = []
    for i, (n, ms, bs) in enumerate(run):
        end = run[i + 1][1] if i + 1 < len(run) else _limit(bs, bs + 400, stops, len(text))
        bodies.append((bs, end))
    if re.search(r"[.:]$", before) and KW.search(f1(intro_sent)):
        if len(run) < 2:
            return []
        # numbered areas, each maybe followed by a description
        out = []
        for bs, end in bodies:
            e = _item_end(text, bs, end, known)
            body = re.sub(r"(?:,|\s+och|\s+samt)$", "", text[bs:e].strip())  # "… 4) a och 5) b"
            if _looks_like_area(body):
                out.append(Area(clean_area(body), [(bs, bs + len(body))]))
        return out
    # an area heading before "1." and sentence goals after each number
    heading_start = max(before.rfind(". "), before.rfind(": ")) + 2
    heading_start = max(0, at - 300) + heading_start if heading_start >= 2 else None
    if heading_start is None:
        return []
    heading = text[heading_start:at].strip()
    intro = text[max(0, heading_start - 300):heading_start]
    chained = 0 <= heading_start - last_goal_end <= 2   # right after the previous area's goals
    if not _is_heading_like(heading) or not (KW.search(f1(intro)) or GOAL_KW.search(f1(intro)) or chained):
        return []
    goals = []
    for bs, end in bodies:
        m = re.search(r"[.!?](?=\s|$)", text[bs:end])
        if not m:
            return []
        goals.append((clean_goal(text[bs:bs + m.end()]), (bs, bs + m.end())))
    a = Area(clean_area(heading), [(heading_start, heading_start + len(heading))])
    a.goals = goals
    return [a]


# ---------------------------------------------------------------- merge and emit

def _merge(found: list[Area]) -> list[Area]:
    merged: list[Area] = []
    keys: list[str] = []   # merged[i].key (its text never changes)
    for a in sorted(found, key=lambda a: a.spans[0][0] if a.spans else 0):
        key = a.key
        # (score_cutoff: rapidfuzz gives up early, with 0, on pairs that cannot reach it)
        twin = next((m for m, k in zip(merged, keys) if k == key or fuzz.ratio(k, key, score_cutoff=92) >= 92), None)
        if twin is None:
            merged.append(Area(a.text, list(a.spans), list(a.goals)))
            keys.append(key)
            continue
        twin.spans.extend(sp for sp in a.spans if sp not in twin.spans)
        for g, sp in a.goals:
            if all(fold(g) != fold(h) for h, _ in twin.goals):
                twin.goals.append((g, sp))
    return merged


def find(ctx: Context) -> list[Area]:
    text = ctx.text
    if is_flattened(text):
        prose = find_in_prose(text)
        stops = tuple(s.heading_start for s in ctx.sections if s.heading_start >= 0)
        found = find_flattened(text, tuple(a.text for a in prose), stops) + prose
    else:
        lines = _lines(text)   # read, never changed, by the three line finders
        found = (find_in_lists(text, lines) + find_area_headings(text, lines) + find_in_tables(text, lines)
                 + find_in_columns(text, lines) + find_in_prose(text))
    return _merge(found)


def extract(ctx: Context, out: Out) -> None:
    for a in find(ctx):
        i = out.append("focus_areas", {"text": a.text, "goals": [g for g, _ in a.goals]}, a.spans)
        for j, (_, sp) in enumerate(a.goals):
            out.cite(f"focus_areas[{i}].goals[{j}]", [sp])
