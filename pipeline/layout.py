"""Stage 2, layout: raw page text -> clean running text, keeping the offset map.

Shared by text files, PDF text layers and OCR output (PDF/OCR pages arrive as lines,
with a tab between runs of text that stand far apart on one line). Steps, in order:
1. normalise line ends (pypdfium2's "\\r\\n"), odd spaces and trailing blanks;
2. drop running headers and footers: lines among the first/last few of a page that
   recur (digits ignored) on at least half of the pages, two at least, and such lines
   with a page-number cell beside other text (one-page documents have a header too);
3. drop page-number lines ("Sida 2 (4)", "2 (10)", "- 3 -");
4. split two-column blocks (runs of tabbed lines, with the short untabbed lines right
   below them: Handläggare | Till, signatures side by side) into one column after the
   other; tabbed blocks whose last column is mostly dates or numbers are tables and
   stay rows, and so do tabbed lines of text files (exported text keeps tabs for
   tables only); then drop page-number lines (for "Tjänsteutlåtande | Sida 2");
5. bullets ("•", "▪", Word's private-use bullet) become "- ";
6. set the letterhead aside: a paragraph of address lines (street, Box, postcode,
   Växel, Fax, e-mail, web), with the organisation lines just above it, is moved to
   the start of the text, into the head section, so that it never sits inside a body
   section (page-1 footers land mid-text otherwise);
7. join words split at a line end or by a stray space after a hyphen only when the
   joined form is a word or a compound of the lexicon ("samverkans-\\növerenskommelse"),
   keep "samverkans- och trygghetsarbete", keep real hyphens ("Hässelby-\\nVällingby");
8. reflow hard-wrapped prose lines into paragraphs when the document is hard-wrapped,
   keeping headings, list items, names and table rows as lines.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate

from .ingest import Document
from .segment import heading_kind
from .textmap import MappedText, TextBuilder

PAGE_NUMBER_RX = re.compile(
    r"^[ \t]*(?:Sida\s+\d+\s*(?:\(\s*\d+\s*\)|av\s+\d+)?|\d+\s*\(\s*\d+\s*\)|-\s*\d+\s*-|Page\s+\d+(?:\s+of\s+\d+)?)[ \t]*$",
    re.M | re.I)
# a hyphen that ends a word before a space or a line break; kept before these words
KEEP_HYPHEN_BEFORE = {"och", "eller", "samt", "respektive", "till", "som", "men", "resp", "&"}
LIST_ITEM_RX = re.compile(r"^\s*(?:[-•–*▪◦·]\s+|\d{1,2}[.)]\s+|\d{1,2}\s+(?=[A-ZÅÄÖ])|[a-z][.)]\s+)")
# bullets, and what OCR reads them as ("»", "«", "»«" followed by a space)
BULLET_CHARS = "•▪◦●■\uf0b7\uf0a7\uf076\uf0d8»«"
BULLET_RX = re.compile(r"^([ \t]*)(?:[•▪◦●■\uf0b7\uf0a7\uf076\uf0d8]\s*|[»«]{1,2}\s+)", re.M)

# One line of a letterhead address block.
ADDRESS_LINE_RX = re.compile(
    r"^\s*(?:(?:Besöksadress|Postadress|Adress|Besök|Post)\s*:?\s*.*"
    r"|Box\s+\d+.*"
    r"|(?:SE-?)?\d{3}\s?\d{2}\s+[A-ZÅÄÖ][\wåäöÅÄÖ -]+"
    r"|(?:Växel|Vx|Telefon|Tfn|Tel|Fax|Telefax|Org\.?\s*nr|Organisationsnummer)\.?:?\s*[\d +()-]{5,}.*"
    r"|(?:E-post:?\s*)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?:Webb?:?\s*)?(?:www\.|https?://)\S+|[\w-]+\.se(?:/\S*)?"
    r"|[A-ZÅÄÖ][\wåäöé.-]*(?:\s+[\wåäöé.-]+){0,3}\s+\d{1,4}(?:\s?[-–]\s?\d{1,4})?\s?[A-Z]?(?:,.*)?"
    r")\s*$")
# lines that mark a block as an address for sure (a street line alone could be anything)
STRONG_ADDRESS_RX = re.compile(r"Box\s+\d|\d{3}\s?\d{2}\s+[A-ZÅÄÖ]|Växel|Fax|@|www\.|https?://", re.I)
ORG_LINE_RX = re.compile(r"förvaltning|kontor|nämnd|avdelning|enhet|styrelse|bolag|\b(?:stad|kommun|region|AB)\b", re.I)
TABLE_CELL_RX = re.compile(r"^[\d\s.,:/%-]+$|^\d{4}-\d{2}-\d{2}$|^\d+\s*(?:kr|tkr|mnkr|%)$")


def clean(doc: Document, mt: MappedText) -> MappedText:
    mt = normalise_whitespace(mt)
    mt = drop_running_lines(mt)
    mt = mt.sub(r"\f", "\n\n")
    if doc.format != "txt":  # in text files a tab separates table cells, never columns
        mt = split_columns(mt)
    mt = drop_page_numbers(mt)  # after the split: "Tjänsteutlåtande<tab>Sida 2 (4)"
    mt = normalise_bullets(mt)
    mt = set_aside_letterhead(mt)
    mt = join_hyphenated(mt)
    mt = reflow(mt)
    return mt


# blanks before a line end, a page end or the end of the text (the same matches as
# r"[ \t]+(?=[\n\f])|[ \t]+$", tried once per position instead of twice)
TRAILING_BLANKS_RX = re.compile(r"[ \t]+(?=[\n\f]|\Z)")


def normalise_whitespace(mt: MappedText) -> MappedText:
    # each pattern runs only on a text holding what it needs (substring tests in C are
    # ~10x cheaper than the regex scans, and most texts need none of them)
    if "\r" in mt.text:
        mt = mt.sub(r"\r\n?", "\n")
    if _has_any(mt.text, "\u00a0\u2007\u202f\u2009"):
        mt = mt.sub(r"[\u00a0\u2007\u202f\u2009]", " ")
    if _has_any(mt.text, "\u00ad\u200b\u200c\u200d\ufeff"):
        mt = mt.sub(r"[\u00ad\u200b\u200c\u200d\ufeff]", "")
    if _has_any(mt.text, (" \n", "\t\n", " \f", "\t\f")) or mt.text.endswith((" ", "\t")):
        mt = mt.sub(TRAILING_BLANKS_RX, "")
    return mt


def _has_any(text: str, needles) -> bool:
    return any(n in text for n in needles)


def drop_page_numbers(mt: MappedText) -> MappedText:
    return mt.sub(PAGE_NUMBER_RX, "")


# ---- running headers and footers -------------------------------------------------------

RUNNING_ZONE = 4  # lines at the top and at the bottom of a page where headers/footers live


_KEY_WORD_RX = re.compile(r"[^\W\d_]{3,}")


@lru_cache(maxsize=1 << 14)
def _line_key(line: str) -> str:
    """The words of a line (three letters or more): numbers, page counts and the specks
    OCR reads in a logo ("5 5 Tjänsteutlåtande Sida 2 (4)") do not count."""
    return " ".join(_KEY_WORD_RX.findall(line.lower()))


PAGE_NUMBER_CELL_RX = re.compile(r"^\s*(?:Sida\s+\d+\s*(?:\(\s*\d+\s*\)|av\s+\d+)|\d+\s*\(\s*\d+\s*\))\s*$", re.I)


def _first_lines(lines: list[str], pos: int, step: int) -> list[tuple[int, int]]:
    """(start, end) of the first RUNNING_ZONE non-blank lines of a page (step 1: `pos` is
    the offset of its first line), or of the last ones, last first (step -1: `pos` is the
    offset of its end)."""
    out = []
    for line in lines[::step]:
        if step < 0:
            pos -= len(line)
        if line.strip():
            out.append((pos, pos + len(line)))
            if len(out) == RUNNING_ZONE:
                break
        pos += len(line) + 1 if step > 0 else -1
    return out


def drop_running_lines(mt: MappedText) -> MappedText:
    """Remove lines of the top or bottom zone of a page that recur there on at least half
    of the pages, and, on any page, zone lines with a page-number cell beside other text
    ("Tjänsteutlåtande<tab>Sida 1 (1)": a header band even on a one-page document)."""
    text = mt.text
    zones, pos = [], 0
    for chunk in text.split("\f"):
        lines = chunk.split("\n")
        zones.append(_first_lines(lines, pos, 1) + _first_lines(lines, pos + len(chunk), -1)[::-1])
        pos += len(chunk) + 1
    drop = {(s, e) for z in zones for s, e in z
            if "\t" in text[s:e] and any(PAGE_NUMBER_CELL_RX.match(c) for c in text[s:e].split("\t"))}
    if sum(1 for z in zones if z) >= 2:
        keyed = [[(s, e, _line_key(text[s:e])) for s, e in z] for z in zones]
        seen: dict[str, int] = {}
        for z in keyed:
            for key in {k for _, _, k in z}:
                seen[key] = seen.get(key, 0) + 1
        need = max(2, (sum(1 for z in zones if z) + 1) // 2)
        drop |= {(s, e) for z in keyed for s, e, k in z if seen[k] >= need and len(k) >= 3}
    if not drop:
        return mt
    b, pos = TextBuilder(mt), 0
    for s, e in sorted(drop):
        b.keep(pos, s)
        pos = e + 1 if e < len(text) and text[e] == "\n" else e
    b.keep(pos, len(text))
    return b.build()


# ---- two-column blocks -----------------------------------------------------------------

def split_columns(mt: MappedText) -> MappedText:
    """Runs of tabbed lines: columns one after the other, unless the run is a table."""
    text = mt.text
    if "\t" not in text:
        return mt
    lines = text.split("\n")
    starts = list(accumulate((len(line) + 1 for line in lines), initial=0))
    tabbed = [k for k, line in enumerate(lines) if "\t" in line]
    b, pos, j = TextBuilder(mt), 0, 0
    for i in tabbed:
        if i < j:   # in the block before
            continue
        j = i
        while j < len(lines) and "\t" in lines[j]:
            j += 1
        # short lines right below, without a tab, are the left column running on
        while j < len(lines) and 0 < len(lines[j].strip()) <= 50 \
                and "\t" not in lines[j] and not heading_kind(lines[j].strip()):
            j += 1
        block = [(starts[k], starts[k] + len(lines[k])) for k in range(i, j)]
        # cells without a letter or digit are specks (a stray ":" on a scan), not columns
        cells = [[c for c in _cells(text, s, e) if c[1] == c[0] or _WORD_CHAR.search(text, c[0], c[1])]
                 for s, e in block]
        if not _is_table(text, cells):
            b.keep(pos, block[0][0])
            ncol = max(len(c) for c in cells)
            first = True
            for col in range(ncol):
                parts = [c[col] for c in cells if col < len(c) and c[col][1] > c[col][0]]
                if not parts:
                    continue
                if not first:
                    b.insert(parts[0][0], "\n\n")
                first = False
                for k, (s, e) in enumerate(parts):
                    if k:
                        b.insert(s, "\n")
                    b.keep(s, e)
            pos = block[-1][1]
    b.keep(pos, len(text))
    return b.build()


_WORD_CHAR = re.compile(r"\w")


def _cells(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """[start, end) of each tab-separated cell of text[s:e], without its outer spaces (an
    empty cell: its end, twice)."""
    out, start = [], s
    for cell in text[s:e].split("\t"):
        end = start + len(cell)
        core = cell.strip(" ")
        if core:
            a = start + len(cell) - len(cell.lstrip(" "))
            out.append((a, a + len(core)))
        else:
            out.append((end, end))
        start = end + 1
    return out


def _is_table(text: str, cells: list[list[tuple[int, int]]]) -> bool:
    """Rows of records, not columns side by side: the last column is mostly dates or
    numbers, or every row has the same cells and the last ones are phrases (four words
    or more; side-by-side blocks hold names, titles and units) or the first column
    repeats a value. Short-celled tables without either read as columns (a known limit)."""
    last = [text[c[-1][0]:c[-1][1]] for c in cells if len(c) > 1 and c[-1][1] > c[-1][0]]
    if not last:
        return False
    if sum(1 for v in last if TABLE_CELL_RX.match(v.strip())) >= 0.5 * len(last):
        return True
    counts = {len(c) for c in cells}
    if len(cells) < 3 or len(counts) != 1 or counts.pop() < 2:
        return False
    body = last[1:]
    if sum(1 for v in body if len(v.split()) >= 4) >= 0.5 * len(body):
        return True
    # a first column that repeats a value groups rows: "Område<tab>Mål" tables
    first = [text[c[0][0]:c[0][1]].strip().lower() for c in cells[1:]]
    return len(set(first)) < len(first)


def normalise_bullets(mt: MappedText) -> MappedText:
    if not _has_any(mt.text, BULLET_CHARS):  # every match holds one of them
        return mt
    return mt.sub(BULLET_RX, lambda m: m.group(1) + "- ")


# ---- letterhead ------------------------------------------------------------------------

def _address_lines(lines: list[str]) -> list[str]:
    """The lines that are address lines, or fewer once too few can be for an address
    block (three, and 60% of the lines: a one-line paragraph costs no match at all)."""
    addr, misses = [], 0
    for l in lines:
        if len(lines) - misses < 3 or len(lines) - misses < 0.6 * len(lines):
            break
        if ADDRESS_LINE_RX.match(l):
            addr.append(l)
        else:
            misses += 1
    return addr


def letterhead_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of letterhead blocks: a paragraph of three or more address lines (one
    of them unmistakable: Box, postcode, Växel, Fax, e-mail, web), with the paragraph of
    organisation lines just above it when there is one."""
    paras, p = [], 0
    for m in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
        paras.append((m.start(), m.end()))
    out = []
    for k, (s, e) in enumerate(paras):
        if text.count("\n", s, e) < 2:   # two lines at most: too few for an address
            continue
        lines = [l for l in text[s:e].split("\n") if l.strip()]
        addr = _address_lines(lines)
        if len(addr) < 3 or len(addr) < 0.6 * len(lines) or not any(STRONG_ADDRESS_RX.search(l) for l in addr):
            continue
        if any(heading_kind(l.strip()) for l in lines):
            continue
        start = s
        if k > 0:
            ps, pe = paras[k - 1]
            prev = [l.strip() for l in text[ps:pe].split("\n") if l.strip()]
            if (len(prev) <= 4 and all(len(l) <= 60 and len(l.split()) <= 6 and not l.endswith((":", ";", ","))
                                       for l in prev)
                    and any(ORG_LINE_RX.search(l) for l in prev) and not any(heading_kind(l) for l in prev)
                    and not text[pe:s].count("\n") > 2):
                start = ps
        out.append((start, e))
    return out


def set_aside_letterhead(mt: MappedText) -> MappedText:
    """Move letterhead blocks found after the start of the text to its start."""
    text = mt.text
    spans = [sp for sp in letterhead_spans(text) if text[:sp[0]].strip()]
    if not spans:
        return mt
    b = TextBuilder(mt)
    for s, e in spans:
        b.keep(s, e)
        if text[e - 1] != "\n":
            b.insert(s, "\n")
    b.insert(spans[0][0], "\n")  # a blank line after the letterhead
    pos = 0
    for s, e in spans:
        b.keep(pos, s)
        pos = e
    b.keep(pos, len(text))
    return b.build().sub(r"\n{3,}", "\n\n")


# ---- hyphenation -----------------------------------------------------------------------

@lru_cache(maxsize=1)
def _lexicon():
    try:
        from .lexicon import lexicon
        return lexicon()
    except Exception:  # model not built (yet): fall back to wordfreq
        return None


@lru_cache(maxsize=1)
def _wordfreq_words() -> frozenset:
    from wordfreq import top_n_list
    return frozenset(top_n_list("sv", 200_000))


def is_word(w: str) -> bool:
    """A Swedish word or a compound of lexicon parts ("samverkansöverenskommelse").
    Without the lexicon model: wordfreq's Swedish list, compounds of two of its words."""
    w = w.lower()
    lex = _lexicon()
    if lex is None:
        words = _wordfreq_words()
        return w in words or any(w[:i] in words and w[i:] in words for i in range(3, len(w) - 2))
    if lex.roles.get(w, 0) or lex.freq(w) >= 2.0:
        return True
    from .lexicon import BEGIN, END, MIDDLE, WORD

    def tail(rest: str, depth: int) -> bool:
        if len(rest) >= 2 and lex.roles.get(rest, 0) & (END | WORD):
            return True
        if depth >= 2:
            return False
        return any(lex.roles.get(rest[:i], 0) & MIDDLE and tail(rest[i:], depth + 1)
                   for i in range(2, len(rest) - 1))
    return any(lex.roles.get(w[:i], 0) & (BEGIN | WORD) and tail(w[i:], 0) for i in range(2, len(w) - 1))


# a word, a hyphen, a line break or blanks, a word
HYPHEN_BREAK_RX = re.compile(r"(\w{2,})-([ \t]*\n[ \t]*|[ \t]+)(\w+)")
_HYPHEN_GAP_RX = re.compile(r"-(?=[ \t]*\n|[ \t]+)")


def hyphen_breaks(text: str):
    r"""HYPHEN_BREAK_RX.finditer(text), found from the hyphens: tried at every position,
    the pattern runs \w{2,} to the end of every word from each of its letters (~70 us a
    page). A match ends its word at the hyphen, so it can only start where the run of
    word characters before a hyphen (that a gap follows) starts, and not inside the
    previous match, which ends at the end of a word."""
    end = 0
    for g in _HYPHEN_GAP_RX.finditer(text):
        start = g.start()
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):  # \w
            start -= 1
        if g.start() - start < 2 or start < end:
            continue
        m = HYPHEN_BREAK_RX.match(text, start)
        if m:
            end = m.end()
            yield m


def join_hyphenated(mt: MappedText) -> MappedText:
    def repl(m: re.Match) -> str:
        left, gap, right = m.group(1), m.group(2), m.group(3)
        if right.lower() in KEEP_HYPHEN_BEFORE:
            return left + "-" + (" " if "\n" in gap else gap) + right
        upper_mix = right[0].isupper() and not (left.isupper() and right.isupper())
        if not upper_mix and is_word(left + right):
            return left + right
        if "\n" in gap:  # a real hyphen at a line end: keep it, drop the break
            return left + "-" + right
        return m.group(0)
    # "samverkans- överenskommelse" / "SAMVERKANSÖVERENS-\nKOMMELSE": what
    # mt.sub(HYPHEN_BREAK_RX, repl) does, over hyphen_breaks' matches
    text = mt.text
    b, pos = TextBuilder(mt), 0
    for m in hyphen_breaks(text):
        new = repl(m)
        if new != m.group(0):
            b.keep(pos, m.start())
            b.replace(m.start(), m.end(), new)
            pos = m.end()
    if pos == 0:
        return mt
    b.keep(pos, len(text))
    return b.build()


def reflow(mt: MappedText) -> MappedText:
    """Join the lines of hard-wrapped paragraphs with a space."""
    text = mt.text
    lines = text.split("\n")
    width = wrap_width(lines)
    if width is None:
        return mt
    b = TextBuilder(mt)
    pos = 0
    for i, line in enumerate(lines[:-1]):
        end = pos + len(line)
        nxt = lines[i + 1]
        b.keep(pos, end)
        if _continues(line, nxt, width):
            b.replace(end, end + 1, " ")
        else:
            b.keep(end, end + 1)
        pos = end + 1
    b.keep(pos, len(text))
    out = b.build()
    return out.sub(r"(?<=\S)  +", " ")


def wrap_width(lines: list[str]):
    """The width a hard-wrapped document was wrapped at, or None if it is not wrapped:
    many non-blank lines end close to one common right margin."""
    lens = [len(l.rstrip()) for l in lines if l.strip()]
    if len(lens) < 15:
        return None
    lens_sorted = sorted(lens)
    width = lens_sorted[int(0.9 * (len(lens_sorted) - 1))]
    if width > 120 or width < 30:
        return None
    near = sum(1 for n in lens if 0.75 * width <= n <= width * 1.05)
    return width if near >= 0.4 * len(lens) else None


def _continues(line: str, nxt: str, width: int) -> bool:
    a, b = line.strip(), nxt.strip()
    if not a or not b:
        return False
    if len(a) < 0.6 * width or heading_kind(a) or heading_kind(b):
        return False
    if LIST_ITEM_RX.match(nxt) or "\t" in line or "\t" in nxt:
        return False
    words = a.split()
    # a line of capitalised words only (names, organisation lines) is not wrapped prose
    if len(words) <= 6 and all(w[:1].isupper() for w in words):
        return False
    return True
