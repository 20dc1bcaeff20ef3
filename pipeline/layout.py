"""Stage 2, layout: raw page text -> clean running text, keeping the offset map.

Shared by text files, PDF text layers and OCR output. Steps, in order:
1. normalise line ends, odd spaces and trailing blanks;
2. drop page-number lines ("Sida 2 (4)", "2 (10)", "- 3 -");
3. join words split at a line-end or by a stray space after a hyphen
   ("samverkans- överenskommelse"), but keep "samverkans- och trygghetsarbete";
4. reflow hard-wrapped prose lines into paragraphs when the document is hard-wrapped,
   keeping headings, list items, names and table rows as lines.
"""
from __future__ import annotations

import re
from statistics import median

from .ingest import Document
from .segment import heading_kind
from .textmap import MappedText, TextBuilder

PAGE_NUMBER_RX = re.compile(
    r"^[ \t]*(?:Sida\s+\d+\s*(?:\(\s*\d+\s*\)|av\s+\d+)?|\d+\s*\(\s*\d+\s*\)|-\s*\d+\s*-|Page\s+\d+(?:\s+of\s+\d+)?)[ \t]*$",
    re.M | re.I)
# a hyphen that ends a word before a space or a line break; kept before these words
KEEP_HYPHEN_BEFORE = {"och", "eller", "samt", "respektive", "till", "som", "men", "resp", "&"}
LIST_ITEM_RX = re.compile(r"^\s*(?:[-•–*▪◦·]\s+|\d{1,2}[.)]\s+|\d{1,2}\s+(?=[A-ZÅÄÖ])|[a-z][.)]\s+)")


def clean(doc: Document, mt: MappedText) -> MappedText:
    mt = normalise_whitespace(mt)
    mt = drop_page_numbers(mt)
    mt = join_hyphenated(mt)
    mt = reflow(mt)
    return mt


def normalise_whitespace(mt: MappedText) -> MappedText:
    mt = mt.sub(r"\r\n?", "\n")
    mt = mt.sub(r"[\u00a0\u2007\u202f\u2009]", " ")
    mt = mt.sub(r"[\u00ad\u200b\u200c\u200d\ufeff]", "")
    mt = mt.sub(r"\f", "\n\n")
    mt = mt.sub(r"[ \t]+(?=\n)|[ \t]+$", "")
    return mt


def drop_page_numbers(mt: MappedText) -> MappedText:
    return mt.sub(PAGE_NUMBER_RX, "")


def join_hyphenated(mt: MappedText) -> MappedText:
    def repl(m: re.Match) -> str:
        nxt = m.group(2)
        if nxt.lower() in KEEP_HYPHEN_BEFORE:
            return m.group(0)
        return m.group(1)
    # "samverkans- överenskommelse" / "samverkans-\növerenskommelse" (next word lower case)
    return mt.sub(r"(\w{2,})-(?:[ \t]*\n[ \t]*|[ \t]+)(?=([a-zåäö]\w*))", repl)


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
