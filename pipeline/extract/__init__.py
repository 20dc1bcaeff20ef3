"""Stage 5, extract: sections of cleaned text -> record fields with provenance.

Each extractor module exposes `extract(ctx: Context, out: Out) -> None` and fills its
fields through `out`, passing the spans (offsets in the cleaned text) that support each
value; `Out` turns spans into `Evidence` (page, raw offsets, OCR and repair flags).
Modules run in the order of EXTRACTORS; later ones may read what earlier ones set
(`out.values`).
"""
from __future__ import annotations

import importlib
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Optional

from ..ingest import Document, Page
from ..record import Evidence
from ..segment import SectionSpan
from ..textmap import REPAIRED, MappedText

Span = tuple[int, int]

# module names under pipeline.extract, run in this order
EXTRACTORS = ["header", "dates", "decisions", "focus", "signatories", "attachments", "stance", "parties"]


# Evidence is validated by its schema from a dict, without BaseModel.__init__'s
# keyword-argument round trip in Python (a third of the cost)
_validate_evidence = Evidence.__pydantic_validator__.validate_python


@dataclass
class Context:
    doc: Document
    mt: MappedText
    sections: list[SectionSpan]
    # per-document lookups for `evidence`, made on first use (the text is read-only by then)
    _page_ends: Optional[list] = field(default=None, init=False, repr=False, compare=False)
    _columns: list = field(default_factory=list, init=False, repr=False, compare=False)  # page index -> _box_columns
    _flagged: Optional[bool] = field(default=None, init=False, repr=False, compare=False)

    @property
    def text(self) -> str:
        return self.mt.text

    def sections_of(self, *kinds: str) -> list[SectionSpan]:
        return [s for s in self.sections if s.kind in kinds]

    def evidence(self, start: int, end: int) -> Evidence:
        return _validate_evidence(self.evidence_data(start, end))

    def evidence_data(self, start: int, end: int) -> dict:
        """The fields of `evidence(start, end)`, not yet validated (the record validates them)."""
        return self.evidence_many([(start, end)])[0]

    def evidence_many(self, spans: Iterable[Span]) -> list[dict]:
        """[self.evidence_data(s, e) for s, e in spans], in one loop over the document's
        lookups (a record cites ~45 spans)."""
        mt = self.mt
        offsets, text = mt.offsets, mt.text
        if self._flagged is None:
            # most documents have no flag byte at all (nothing repaired): counted in C once
            self._flagged = mt.flags.count(0) != len(mt.flags)
        flagged = self._flagged
        page_ends = self._page_ends
        if page_ends is None:
            page_ends = self._page_lookup()
        last = len(page_ends) - 1
        columns = self._columns
        out = []
        for start, end in spans:
            s = offsets[start]   # = mt.source_span(start, end)
            e = max(offsets[end - 1] + 1, s) if end > start else s
            if last > 0:   # = doc.page_at(s): the first page ending after s, else the last
                k = bisect_right(page_ends, s)
                if k > last:
                    k = last
            else:
                k = 0 if last == 0 else self._page_index(s)
            cols = columns[k]
            if cols is None:
                cols = columns[k] = _box_columns(self.doc.pages[k])
            # = _union(cols, s, e), inlined for sorted boxes (all that ingest makes)
            number, ocr, starts, ends, x0, y0, x1, y1, ordered = cols
            i = bisect_right(ends, s)  # the first box ending after s
            j = bisect_left(starts, e, i) if ordered else _past(starts, i, e)  # the first at or past e
            if j == i:
                box = None
            elif j == i + 1:
                box = [x0[i], y0[i], x1[i], y1[i]]
            else:
                box = [min(x0[i:j]), min(y0[i:j]), max(x1[i:j]), max(y1[i:j])]
            out.append({"page": number, "start": s, "end": e, "text": text[start:end], "ocr": ocr,
                        "repaired": flagged and _repaired(mt, start, end), "box": box})
        return out

    def _page_lookup(self) -> list:
        """The pages' ends, for bisection (empty when pages are out of order, never made
        by ingest: `_page_index` scans then); sets the per-page box columns' slots."""
        pages = self.doc.pages
        ends = [p.end for p in pages]
        if ends != sorted(ends):
            ends = []
        self._page_ends = ends
        self._columns = [None] * len(pages)
        return ends

    def _page_index(self, offset: int) -> int:
        page = self.doc.page_at(offset)
        return next(i for i, p in enumerate(self.doc.pages) if p is page)


def _box_columns(page) -> tuple:
    """(page number, ocr, starts, ends, x0s, y0s, x1s, y1s, sorted) of a page's
    boxes, transposed once in C: a span's box is then two bisections and min/max over
    column slices."""
    boxes = page.boxes
    cols = tuple(zip(*boxes)) if boxes else ((),) * 6
    starts = cols[0]
    return (page.number, page.ocr, *cols[:6], list(starts) == sorted(starts))


def _union(cols: tuple, start: int, end: int) -> Optional[list]:
    """Union of the boxes that overlap the raw span [start, end) (see span_box)."""
    _, _, starts, ends, x0, y0, x1, y1, ordered = cols
    i = bisect_right(ends, start)  # the first box ending after start
    # the first box from i on starting at or after end
    j = bisect_left(starts, end, i) if ordered else _past(starts, i, end)
    if j == i:
        return None
    if j == i + 1:
        return [x0[i], y0[i], x1[i], y1[i]]
    return [min(x0[i:j]), min(y0[i:j]), max(x1[i:j]), max(y1[i:j])]


def _past(starts, i: int, end: int) -> int:
    """The first index from i on whose start is at or past end, by a scan (unsorted boxes)."""
    n = len(starts)
    while i < n and starts[i] < end:
        i += 1
    return i


def _repaired(mt: MappedText, start: int, end: int) -> bool:
    # most spans (whole sections among them) have no flag at all: counted in C first
    flags = mt.flags[start:end]
    return flags.count(0) != len(flags) and mt.any_flag(start, end, REPAIRED)


def span_box(boxes: list, start: int, end: int) -> Optional[list[float]]:
    """Union of the page boxes (sorted, disjoint (raw_start, raw_end, x0, y0, x1, y1))
    that overlap the raw span [start, end); None when none does. (A Context keeps each
    page's `_box_columns` and calls `_union` itself.)"""
    return _union(_box_columns(Page(0, 0, 0, boxes=boxes)), start, end)


@dataclass
class Out:
    ctx: Context
    values: dict[str, Any] = field(default_factory=dict)
    # path -> the cleaned-text spans cited for it (non-empty), in citing order; turned into
    # Evidence fields all at once (`cited`), validated with the whole record
    spans: dict[str, list[Span]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def cited(self) -> dict[str, list[dict]]:
        """path -> the fields of its Evidence, not yet validated (a new dict at each access)."""
        # one evidence_many call for all paths (~30 a record, most citing one span), cut back
        cited = self.spans
        evs = self.ctx.evidence_many([span for spans in cited.values() for span in spans])
        out, k = {}, 0
        for path, spans in cited.items():
            out[path] = evs[k:k + len(spans)]
            k += len(spans)
        return out

    @property
    def provenance(self) -> dict[str, list[Evidence]]:
        """The evidence cited so far, validated (a new dict at each access)."""
        return {path: [_validate_evidence(d) for d in evs] for path, evs in self.cited.items()}

    def set(self, path: str, value: Any, spans: Iterable[Span] = ()) -> None:
        """Set a top-level or dotted field ("case_officer.name") and its evidence."""
        head, _, rest = path.partition(".")
        if rest:
            self.values.setdefault(head, {})[rest] = value
        else:
            self.values[head] = value
        self.cite(path, spans)

    def append(self, field_name: str, item: Any, spans: Iterable[Span] = ()) -> int:
        """Append to a list field; returns the index (for "field[i]" evidence paths)."""
        items = self.values.setdefault(field_name, [])
        items.append(item)
        i = len(items) - 1
        self.cite(f"{field_name}[{i}]", spans)
        return i

    def cite(self, path: str, spans: Iterable[Span]) -> None:
        kept = [(s, e) for s, e in spans if e > s]
        if kept:
            self.spans.setdefault(path, []).extend(kept)


# a non-blank line without its leading and trailing white space (\s is str.isspace(), as
# strip() uses): from a first non-space character to the last one before a line break
_LINE_RX = re.compile(r"\S(?:[^\n]*\S)?")


@lru_cache(maxsize=4)
def line_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every non-blank line of `text`, stripped: the lines several
    extractors walk (kept for the last few texts, each asked by more than one)."""
    return tuple(m.span() for m in _LINE_RX.finditer(text))


def run_extractors(ctx: Context, names: Optional[list[str]] = None) -> Out:
    out = Out(ctx)
    for name in names or EXTRACTORS:
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"{__name__}.{name}":
                continue  # extractor not written yet
            raise
        mod.extract(ctx, out)
    return out
