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
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Optional

from ..ingest import Document
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
    _box_ends: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # page -> its boxes' ends
    _page_ends: Optional[list] = field(default=None, init=False, repr=False, compare=False)
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
        offsets, text, box_ends = mt.offsets, mt.text, self._box_ends
        if self._flagged is None:
            # most documents have no flag byte at all (nothing repaired): counted in C once
            self._flagged = mt.flags.count(0) != len(mt.flags)
        flagged = self._flagged
        out = []
        for start, end in spans:
            s = offsets[start]   # = mt.source_span(start, end)
            e = max(offsets[end - 1] + 1, s) if end > start else s
            page = self._page_at(s)
            boxes = page.boxes
            ends = box_ends.get(page.number)
            if ends is None or len(ends) != len(boxes):
                ends = box_ends[page.number] = [b[1] for b in boxes]
            out.append({"page": page.number, "start": s, "end": e, "text": text[start:end], "ocr": page.ocr,
                        "repaired": flagged and _repaired(mt, start, end), "box": span_box(boxes, s, e, ends)})
        return out

    def _page_at(self, offset: int):
        """= doc.page_at(offset) (the first page ending after it, else the last), by bisection."""
        pages = self.doc.pages
        ends = self._page_ends
        if ends is None:
            ends = [p.end for p in pages]
            # pages out of order (never made by ingest): the scan itself
            self._page_ends = ends = ends if all(a <= b for a, b in zip(ends, ends[1:])) else []
        if not ends:
            return self.doc.page_at(offset)
        return pages[min(bisect_right(ends, offset), len(pages) - 1)]


def _repaired(mt: MappedText, start: int, end: int) -> bool:
    # most spans (whole sections among them) have no flag at all: counted in C first
    flags = mt.flags[start:end]
    return flags.count(0) != len(flags) and mt.any_flag(start, end, REPAIRED)


def span_box(boxes: list, start: int, end: int, ends: Optional[list] = None) -> Optional[list[float]]:
    """Union of the page boxes (sorted, disjoint (raw_start, raw_end, x0, y0, x1, y1))
    that overlap the raw span [start, end); None when none does. `ends`: the boxes'
    raw_end values, when the caller keeps them (a Context does, per page)."""
    if ends is None:
        ends = [b[1] for b in boxes]
    i = j = bisect_right(ends, start)  # the first box ending after start
    n = len(boxes)
    while j < n and boxes[j][0] < end:
        j += 1
    if j == i:
        return None
    if j == i + 1:
        b = boxes[i]
        return [b[2], b[3], b[4], b[5]]
    _, _, x0, y0, x1, y1 = zip(*boxes[i:j])
    return [min(x0), min(y0), max(x1), max(y1)]


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
        many = self.ctx.evidence_many
        return {path: many(spans) for path, spans in self.spans.items()}

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
