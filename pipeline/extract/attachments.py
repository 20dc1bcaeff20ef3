"""Attachments -> `attachments` [{number, title, diarienummer}].

Where: the "Bilaga" / "Bilagor" section (and lines the segmenter took for headings right
after it: "Bilaga 1 Förslag till yttrande", or a line glued to the list without a blank
line), up to the next section.

Items: numbered ("1. ", "1) ", "1 ", "Bilaga 1. ", "Bilaga 2 ", "Bil. 2: "), bulleted or one per
paragraph; in a flattened export the numbered items are found inline ("Bilagor 1. X 2. Y",
"Bilaga 1 X Bilaga 2 Y"), numbers taken only in sequence.
Numbered lists are read as one stream split on the numbers in sequence (wrapped titles,
several items on one line); the last item ends at a blank line. In unnumbered lists a line
that starts in lower case, or follows a line ending in "och", "mellan", "för", a dash…,
continues the item above it; a line that is only a web address (a page footer) is skipped.
`title` is whitespace-normalised, as written, without a trailing period and without the
case number it carries; `diarienummer` is that number ("KS 2023/740") when the item ends
with "(KS 2023/740)", ", dnr KS 2019/905" or ", KS 2023/740"; else None.
"""
from __future__ import annotations

import re

_DNR = r"(?:[A-ZÅÄÖ]{2,5}\s\d{4}/\d{1,6}|\d+(?:\.\d+)*-\d+/\d{4}|\d{4}[-:]\d{3,6})"
_DNR_TAIL = re.compile(rf"(?:\s*\(\s*(?:[Dd]nr\.?:?\s*)?(?P<a>{_DNR})\s*\)|,?\s+[Dd]nr\.?:?\s*(?P<b>{_DNR})|,\s*(?P<c>{_DNR}))\s*\.?$")
_ITEM_RX = re.compile(r"^(?:(?:Bilaga|Bil\.)\s+)?(\d{1,2})(?:[.):]\s*|\s+)(?=\S)|^[-•–*▪]\s+")
_HEADING_WORD = re.compile(r"\s*(?:Bilag(?:a|or|an)|Bifogade handlingar)\b[ \t]*:?[ \t]*", re.I)
_URL_LINE = re.compile(r"^(?:www\.)?[\w.-]+\.(?:se|nu|com|org)(?:/\S*)?$", re.I)
# a title line that ends with a function word or a dash is continued on the next line
_OPEN_END = re.compile(r"(?:\s(?:och|mellan|för|av|i|med|till|om|samt|inom|från|på)|[-–—,])\s*$", re.I)
_INLINE_NUM = re.compile(r"(?:(?<=\s)|^)(?:(?:Bilaga|Bil\.)\s+)?(\d{1,2})(?:[.):]\s*|\s+)(?=[A-ZÅÄÖ])")




def split_title(raw: str) -> tuple[str, str | None]:
    title = " ".join(raw.split())   # = re.sub(r"\s+", " ", raw).strip(), faster
    dnr = None
    m = _DNR_TAIL.search(title)
    if m and m.start() > 0:
        dnr = m.group("a") or m.group("b") or m.group("c")
        title = title[:m.start()].strip()
    return title.rstrip(" .,;"), dnr


def _region(ctx) -> tuple[int, int] | None:
    secs = ctx.sections
    for i, s in enumerate(secs):
        if s.kind != "attachments":
            continue
        start = s.heading_start if s.heading_start >= 0 else s.start
        end = s.end
        for t in secs[i + 1:]:
            if t.kind == "attachments" or (t.kind == "other" and _list_line(ctx.text, t)):
                end = t.end
            else:
                break
        return start, end
    return None


def _list_line(text: str, sec) -> bool:
    """A line the segmenter took for a heading but which belongs to the list: "Bilaga 2 …",
    or a line that directly follows the list without a blank line (a wrapped item)."""
    if (sec.heading or "").lower().startswith("bilaga"):
        return True
    before = text[:sec.heading_start].rstrip(" \t")
    return before.endswith("\n") and not before.endswith("\n\n") and bool(before.strip())


def parse(text: str, start: int, end: int) -> list[dict]:
    """Items of the attachment region text[start:end] (which begins with its heading)."""
    h = _HEADING_WORD.match(text, start)
    flat = "\n" not in text[start:end].strip()
    if h:
        rest_of_line = text[h.end():end].split("\n", 1)[0]
        # the heading word alone, "Bilagor: X", or a flattened export; but "Bilaga 1 Förslag…"
        # (a heading line that is itself an item) keeps its word for _ITEM_RX
        if not rest_of_line.strip() or ":" in text[h.start():h.end()] or flat:
            start = h.end()
    region = text[start:end]
    if flat or re.search(r"(?m)^[ \t]*(?:(?:Bilaga|Bil\.)\s+)?1(?:[.):]\s*|\s+)(?=[A-ZÅÄÖ])", region):
        # numbered: read the region as one stream, so that wrapped titles and items that
        # share a line ("Bilaga 1 X Bilaga 2 Y", OCR line merges) split on the numbers
        return _inline(text, start, end)
    items: list[dict] = []
    for m in re.finditer(r"[^\n]+", region):
        s, e = start + m.start(), start + m.end()
        line = text[s:e].strip()
        if not line:
            continue
        lead = len(text[s:e]) - len(text[s:e].lstrip())
        s += lead
        if _URL_LINE.match(line):
            continue  # a page footer ("stockholm.se"), not an attachment
        item = _ITEM_RX.match(line)
        if items and not item and (line[:1].islower() or _OPEN_END.search(items[-1]["raw"])):
            items[-1]["raw"] += " " + line
            items[-1]["end"] = e
            continue
        number = int(item.group(1)) if item and item.group(1) else None
        body_start = s + (item.end() if item else 0)
        items.append({"number": number, "raw": text[body_start:e], "start": body_start, "end": e})
    return _finish(items)


def _inline(text: str, start: int, end: int) -> list[dict]:
    region = text[start:end]
    marks, expected = [], 1
    for m in _INLINE_NUM.finditer(region):
        if int(m.group(1)) == expected:
            marks.append(m)
            expected += 1
    if not marks:
        body = region.strip()
        if not body:
            return []
        s = start + region.index(body)
        return _finish([{"number": None, "raw": body, "start": s, "end": s + len(body)}])
    items = []
    for i, m in enumerate(marks):
        if i + 1 < len(marks):
            e = marks[i + 1].start()
        else:  # the last item ends at a blank line (footers and page furniture follow)
            blank = re.search(r"\n[ \t]*\n", region[m.end():])
            e = m.end() + blank.start() if blank else len(region.rstrip())
        items.append({"number": int(m.group(1)), "raw": region[m.end():e], "start": start + m.end(), "end": start + e})
    return _finish(items)


def _finish(items: list[dict]) -> list[dict]:
    out = []
    for it in items:
        title, dnr = split_title(it["raw"])
        if title:
            out.append({"number": it["number"], "title": title, "diarienummer": dnr, "span": (it["start"], it["end"])})
    return out


def extract(ctx, out) -> None:
    region = _region(ctx)
    if region is None:
        return
    for it in parse(ctx.text, *region):
        span = it.pop("span")
        out.append("attachments", it, [span])
