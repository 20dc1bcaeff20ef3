"""Context.evidence: the page, raw span, repaired flag and box of a cleaned-text span."""
from pathlib import Path

from pipeline.extract import Context, span_box
from pipeline.ingest import Document, Page, pages_from_text
from pipeline.textmap import REPAIRED, MappedText


def _ctx(raw: str, pages=None) -> Context:
    doc = Document(Path("x.txt"), "0" * 64, "txt", raw, pages or pages_from_text(raw))
    return Context(doc, MappedText.identity(raw), [])


def test_evidence_page_is_the_page_holding_the_span_start():
    raw = "första sidan\fandra sidan\ftredje"
    ctx = _ctx(raw)
    for start in range(len(raw)):
        if raw[start] == "\f":
            continue
        ev = ctx.evidence(start, start + 1)
        assert ev.page == ctx.doc.page_at(start).number
        assert (ev.start, ev.end, ev.text) == (start, start + 1, raw[start])
    assert [ctx.evidence(0, 6).page, ctx.evidence(13, 18).page, ctx.evidence(25, 31).page] == [1, 2, 3]


def test_evidence_page_with_pages_out_of_order_falls_back_to_the_scan():
    raw = "aaaa bbbb"
    pages = [Page(1, 5, 9), Page(2, 0, 4)]
    ctx = _ctx(raw, pages)
    assert [ctx.evidence(i, i + 1).page for i in (0, 6)] == [ctx.doc.page_at(i).number for i in (0, 6)]


def test_evidence_repaired_only_where_a_flag_is_set():
    raw = "abc def ghi"
    ctx = _ctx(raw)
    assert not ctx.evidence(0, len(raw)).repaired
    flagged = _ctx(raw)
    flagged.mt.flags[5] = REPAIRED
    assert flagged.evidence(4, 7).repaired and not flagged.evidence(0, 3).repaired


def test_evidence_box_is_the_union_of_the_page_boxes():
    raw = "one two"
    ctx = _ctx(raw, [Page(1, 0, 7, boxes=[(0, 3, 10, 20, 30, 30), (4, 7, 40, 20, 60, 32)])])
    assert ctx.evidence(0, 7).box == [10, 20, 60, 32] == span_box(ctx.doc.pages[0].boxes, 0, 7)
    assert ctx.evidence(4, 7).box == [40, 20, 60, 32]


def test_line_spans_are_the_stripped_non_blank_lines():
    from pipeline.extract import line_spans
    text = "  Rubrik \n\n\t- punkt\r\n \u2028 \nsista"
    want = []
    pos = 0
    for raw in text.split("\n"):
        if raw.strip():
            lead = len(raw) - len(raw.lstrip())
            want.append((pos + lead, pos + lead + len(raw.strip())))
        pos += len(raw) + 1
    assert list(line_spans(text)) == want == [(2, 8), (12, 19), (25, 30)]


def test_cited_evidence_is_validated_with_the_record():
    """Out keeps the fields of each cited span; Out.provenance and the record validate
    them: a malformed one is refused, a record read back from JSON is validated again."""
    import pytest
    from pydantic import ValidationError

    from pipeline.extract import Out
    from pipeline.record import Evidence, Record, Source
    ctx = _ctx("Till Kommunstyrelsen")
    out = Out(ctx)
    out.set("recipient_body", "Kommunstyrelsen", [(5, 20)])
    [ev] = out.provenance["recipient_body"]
    assert isinstance(ev, Evidence) and (ev.page, ev.start, ev.end, ev.text) == (1, 5, 20, "Kommunstyrelsen")
    src = Source(path="x.txt", sha256="0" * 64, format="txt")
    rec = Record(doc_id="0" * 64, source=src, provenance=out.cited, **out.values)
    assert rec.provenance["recipient_body"] == [ev]
    assert Record.model_validate_json(rec.to_json()) == rec
    bad = {"recipient_body": [dict(out.cited["recipient_body"][0], page="första")]}
    with pytest.raises(ValidationError):
        Record(doc_id="0" * 64, source=src, provenance=bad)
    with pytest.raises(ValidationError):
        Record.model_validate_json(rec.to_json().replace('"page":1', '"page":"första"'))


def test_evidence_many_is_evidence_data_of_each_span():
    raw = "one two\fthree four\ffive"
    pages = pages_from_text(raw)
    pages[0].boxes = [(0, 3, 10, 20, 30, 30), (4, 7, 40, 20, 60, 32)]
    pages[1].boxes = [(8, 13, 5, 5, 25, 15)]
    ctx = _ctx(raw, pages)
    ctx.mt.flags[9] = REPAIRED
    spans = [(0, 3), (2, 6), (4, 7), (8, 13), (8, 18), (9, 10), (19, 23), (0, 23)]
    assert ctx.evidence_many(spans) == [ctx.evidence_data(s, e) for s, e in spans]
    assert [d["page"] for d in ctx.evidence_many(spans)] == [1, 1, 1, 2, 2, 2, 3, 1]


def _plain_box(boxes, start, end):
    """The definition: the corners' min/max over every box overlapping [start, end)."""
    hit = [b for b in boxes if b[0] < end and b[1] > start]
    if not hit:
        return None
    return [min(b[2] for b in hit), min(b[3] for b in hit), max(b[4] for b in hit), max(b[5] for b in hit)]


def _scan_box(boxes, start, end):
    """The first box ending after start (bisected), then a scan while boxes start before
    end: what boxes out of order (never made by ingest) have always been given."""
    from bisect import bisect_right
    i = j = bisect_right([b[1] for b in boxes], start)
    while j < len(boxes) and boxes[j][0] < end:
        j += 1
    return _plain_box(boxes[i:j], min(b[0] for b in boxes), max(b[1] for b in boxes)) if j > i else None


def test_evidence_box_and_page_agree_with_plain_scans_on_random_pages():
    """Context keeps each page's box columns and bisects them: the same box as a plain
    scan for random spans over random sorted, disjoint boxes on several pages (some
    empty); boxes out of order get what the former scan gave them."""
    import random
    rng = random.Random(7)
    for trial in range(200):
        words = [rng.choice(["a", "bb", "ccc", "dddd"]) for _ in range(rng.randint(1, 40))]
        raw = " ".join(words)
        cut = sorted(rng.sample(range(len(raw) + 1), k=min(rng.randint(0, 3), len(raw) + 1)))
        bounds = [0, *cut, len(raw)]
        pages = [Page(n + 1, a, b) for n, (a, b) in enumerate(zip(bounds, bounds[1:]))]
        pos = 0
        for w in words:
            page = next(p for p in pages if pos < p.end or p is pages[-1])
            if rng.random() < 0.8:
                x, y = rng.uniform(0, 500), rng.choice([10, 20.5, 30])
                page.boxes.append((pos, pos + len(w), x, y, x + rng.uniform(1, 50), y + rng.randint(5, 12)))
            pos += len(w) + 1
        if trial % 5 == 0:
            for p in pages:
                rng.shuffle(p.boxes)
        ctx = _ctx(raw, pages)
        spans = [tuple(sorted(rng.sample(range(len(raw) + 1), 2))) for _ in range(20)]
        spans = [(s, e) for s, e in spans if e > s]
        for (s, e), d in zip(spans, ctx.evidence_many(spans)):
            page = ctx.doc.page_at(s)
            assert d["page"] == page.number
            plain = _plain_box if trial % 5 else _scan_box
            assert d["box"] == plain(page.boxes, s, e) == span_box(page.boxes, s, e)
