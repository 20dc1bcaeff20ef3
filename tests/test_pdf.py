"""PDF ingestion: born-digital PDFs give the same record as the text files, pages are
routed one by one (text layer or OCR), garbage text layers are caught, errors are one line."""
import importlib.util
import io
import re

import pypdfium2 as pdfium
import pytest
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from pipeline import ingest, pdf
from pipeline.process import process_path
from tests.conftest import CLEAN_SEEDS, ROOT, seed

PDF_DIR = ROOT / "corpus" / "pdf"
# everything but what depends on the file itself or on the text's layout
NOT_COMPARED = {"doc_id", "source", "sections", "provenance", "warnings", "pipeline_version", "repairs", "errors"}


def load_corpus_script():
    spec = importlib.util.spec_from_file_location("make_pdf_corpus", ROOT / "scripts" / "make_pdf_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def extracted(record) -> dict:
    """The record's extracted fields (whatever the extractors fill today)."""
    d = record.model_dump(mode="json", by_alias=True)
    return {k: v for k, v in d.items() if k not in NOT_COMPARED}


def pdf_of(txt):
    return PDF_DIR / f"{txt.stem}.pdf"


@pytest.mark.parametrize("txt", CLEAN_SEEDS, ids=lambda p: p.name[:3])
def test_born_digital_pdf_gives_the_text_file_record(txt):
    from_txt = process_path(txt)
    from_pdf = process_path(pdf_of(txt))
    assert not from_pdf.errors
    assert extracted(from_pdf) == extracted(from_txt)
    assert from_pdf.source.format == "pdf"
    assert from_pdf.source.pages == len(pdfium.PdfDocument(str(pdf_of(txt))))
    assert from_pdf.source.ocr_pages == []


VARIANTS = sorted((ROOT / "corpus" / "variants").glob("*.txt"))


@pytest.mark.parametrize("txt", VARIANTS, ids=lambda p: p.stem[:3])
def test_variant_rendered_as_pdf_gives_the_text_file_record(txt, tmp_path):
    """The other layouts of the genre (corpus/variants), rendered here on the fly."""
    p = tmp_path / f"{txt.stem}.pdf"
    text, _ = ingest.decode_text(txt.read_bytes())  # variants come in legacy encodings too
    p.write_bytes(load_corpus_script().render_pdf(text, txt.stem))
    assert extracted(process_path(p)) == extracted(process_path(txt))


def test_committed_corpus_is_what_the_script_makes():
    """The committed PDFs are current: regenerated ones read the same, page by page
    (text, not bytes: a font package update may change the embedded subset)."""
    mod = load_corpus_script()

    def pages(data):
        doc = pdfium.PdfDocument(data)
        return [pdf.text_layer(doc[i]) for i in range(len(doc))]
    for txt in CLEAN_SEEDS:
        fresh = mod.render_pdf(txt.read_text(encoding="utf-8"), txt.stem)
        assert pages(fresh) == pages(pdf_of(txt).read_bytes()), txt.name
    # and the generator is deterministic
    assert mod.render_pdf("Rubrik\n\nText.", "x") == mod.render_pdf("Rubrik\n\nText.", "x")


def test_pages_and_provenance_point_into_the_raw_text():
    doc = ingest.read(pdf_of(seed("000")))
    assert doc.raw.split("\f") == [doc.raw[p.start:p.end] for p in doc.pages]
    assert [p.number for p in doc.pages] == [1, 2, 3, 4]
    rec = process_path(pdf_of(seed("000")))
    squash = lambda s: re.sub(r"\s+", " ", s).strip()  # noqa: E731
    for path, evs in rec.provenance.items():
        for ev in evs:
            page = doc.pages[ev.page - 1]
            assert page.start <= ev.start <= page.end, path
            if not path.startswith("sections"):  # a section may run over a page break
                assert ev.end <= page.end + 1, path
                # a value from one column of a two-column block spans the other column's
                # text in the raw page; every word of it is inside its raw span
                raw = doc.raw[ev.start:ev.end]
                assert all(w in raw for w in ev.text.split()), path
    # the attestation table is on the last page, the case officer on the first
    first = [e for evs in rec.provenance.values() for e in evs if "Catarina Klockerud" in e.text]
    assert first and all(e.page == 1 for e in first)
    signed = [e for evs in rec.provenance.values() for e in evs if "2023-09-05" in e.text]
    assert signed and all(e.page == 4 for e in signed)


def test_running_header_and_letterhead_do_not_reach_the_body():
    from pipeline.process import parse
    ctx = parse(ingest.read(pdf_of(seed("000"))))
    assert "Tjänsteutlåtande" not in ctx.text and "Sida 2" not in ctx.text
    assert "stockholm.se" not in [line.strip() for line in ctx.text.splitlines()]  # the running footer
    head = ctx.sections[0]
    assert head.kind == "head"
    box = ctx.text.index("Box 3424")
    assert head.start <= box < head.end
    for s in ctx.sections[1:]:
        assert "Växel" not in ctx.text[s.start:s.end]


def test_mixed_pdf_is_routed_page_by_page():
    doc = ingest.read(PDF_DIR / "mixed.pdf")
    assert [p.ocr for p in doc.pages] == [False, True, False, False]
    assert doc.ocr_pages == [2]
    assert doc.pages[1].confidence is not None and doc.pages[0].confidence is None
    page2 = doc.raw[doc.pages[1].start:doc.pages[1].end]
    # page 2 of seed 000, read by Tesseract
    assert "I den uppdaterade samverkansöverenskommelsen betonar polisen" in page2
    rec = process_path(PDF_DIR / "mixed.pdf")
    assert rec.source.ocr_pages == [2] and rec.source.pages == 4
    assert extracted(rec)["title"] == extracted(process_path(seed("000")))["title"]


def test_wrong_language_text_layer_is_detected_and_read_again():
    data = (PDF_DIR / "garbage_layer.pdf").read_bytes()
    layer = pdf.text_layer(pdfium.PdfDocument(data)[0])
    assert "Handlaggare" in layer and "ä" not in layer  # what the hidden layer says
    doc = ingest.read(PDF_DIR / "garbage_layer.pdf")
    assert doc.pages[0].ocr
    assert "Handläggare" in doc.raw and "Hässelby-Vällingby stadsdelsnämnd godkänner" in doc.raw
    assert any("wrong language" in w for w in doc.warnings)


SWEDISH = ("Förvaltningen föreslår att nämnden godkänner den reviderade överenskommelsen. "
           "Samverkan på alla nivåer mellan staden och polisen är nödvändig för att nå ett "
           "effektivt brottsförebyggande arbete som bidrar till ökad säkerhet och trygghet. ") * 3


def test_garbage_reasons():
    ink = len(SWEDISH) / pdf.CHARS_PER_INK
    assert pdf.garbage_reason(SWEDISH, ink) is None
    stripped = SWEDISH.replace("å", "a").replace("ä", "a").replace("ö", "o").replace("Ö", "O")
    assert "wrong language" in pdf.garbage_reason(stripped, ink)
    english = ("The committee approves the revised agreement between the city and the police, "
               "which covers youth at risk, unsafe places and organised crime in the district. ") * 3
    assert pdf.garbage_reason(english, len(english) / pdf.CHARS_PER_INK) is None
    assert "unmapped" in pdf.garbage_reason(SWEDISH.replace("e", "\ufffd"), ink)
    assert "too thin" in pdf.garbage_reason(SWEDISH[:40], ink * 10)
    assert pdf.garbage_reason("", ink) == "no text layer"


def _small_pdf(**kw) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, **kw)
    c.drawString(72, 720, "Handlingen gäller samverkan.")
    c.save()
    return buf.getvalue()


def test_encrypted_with_empty_user_password_opens(tmp_path):
    p = tmp_path / "owner_only.pdf"
    p.write_bytes(_small_pdf(encrypt=pdfencrypt.StandardEncryption("", ownerPassword="hemligt", canPrint=0)))
    assert ingest.read(p).raw.strip() == "Handlingen gäller samverkan."


@pytest.mark.parametrize("name, data, message", [
    ("locked.pdf", lambda: _small_pdf(encrypt=pdfencrypt.StandardEncryption("lösen", ownerPassword="x")),
     "encrypted PDF, a password is needed"),
    ("cut.pdf", lambda: _small_pdf()[:300], "truncated PDF"),
    ("fake.pdf", lambda: b"<html>not a pdf</html>", "not a PDF"),
    ("zero.pdf", lambda: b"%PDF-1.4\n%%EOF\n", "PDF"),
])
def test_unreadable_pdfs_raise_one_line_errors(tmp_path, name, data, message):
    p = tmp_path / name
    p.write_bytes(data())
    with pytest.raises(ingest.IngestError) as e:
        ingest.read(p)
    assert message in str(e.value) and "\n" not in str(e.value) and name in str(e.value)
    rec = process_path(p)
    assert rec.errors and rec.errors[0].stage == "ingest" and message in rec.errors[0].message


def _text_in_box(pdf_path, page_no: int, box) -> str:
    """The text layer inside a box given in points from the top-left corner."""
    page = pdfium.PdfDocument(str(pdf_path))[page_no - 1]
    h = page.get_height()
    x0, y0, x1, y1 = box
    return page.get_textpage().get_text_bounded(x0 - 1, h - y1 - 1, x1 + 1, h - y0 + 1)


@pytest.mark.parametrize("txt", CLEAN_SEEDS, ids=lambda p: p.name[:3])
def test_text_layer_evidence_boxes_hold_their_text(txt):
    """On a born-digital page, evidence boxes are unions of text runs: the text layer inside
    the box holds every word of the value; the case officer's name is a run of its own."""
    rec = process_path(pdf_of(txt))
    checked = 0
    for path, evs in rec.provenance.items():
        if path.startswith("sections"):
            continue
        for ev in evs:
            assert ev.box is not None and ev.box[0] < ev.box[2] and ev.box[1] < ev.box[3], path
            # letters and digits only: a word hyphenated at a line end is one word in ev.text
            inside = re.sub(r"[\W_]", "", _text_in_box(pdf_of(txt), ev.page, ev.box))
            assert all(re.sub(r"[\W_]", "", w) in inside for w in ev.text.split()), (path, ev.text, inside)
            checked += 1
    assert checked >= 5
    if rec.case_officer and rec.case_officer.name:
        [ev] = rec.provenance["case_officer.name"]
        assert _text_in_box(pdf_of(txt), ev.page, ev.box).strip() == rec.case_officer.name
    # a text file has no page geometry
    assert all(ev.box is None for evs in process_path(txt).provenance.values() for ev in evs)


def test_line_end_hyphen_marked_by_pdfium_stays_a_hyphen():
    # pdfium gives a hyphen glyph at a line end as U+0002; it must reach layout as "-"
    # (which joins the word only when the lexicon agrees), never as a control character
    path = next((ROOT / "corpus" / "pdf").glob("002_*.pdf"))
    raw = ingest.read(path).raw
    assert "\x02" not in raw
    assert "SAMVERKANSOVERENS-\nKOMMELSE" in raw


def test_text_runs_match_pdfium_bounded_text_also_where_rectangles_overlap(monkeypatch):
    """text_runs gives each text rectangle what pypdfium2's get_text_bounded gives (white
    space collapsed), sliced from the page text where rectangles stand apart and asked of
    pdfium rectangle by rectangle where they overlap (overprinted, tightly led text)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(72, 720, "Beslut i nämnden")
    c.drawString(90, 724, "Datum 2024-05-01")      # overprinted on the line above
    c.drawString(72, 690, "Handläggare")
    c.drawString(300, 690, "Till nämnden")        # two runs on one line, apart
    c.setFont("Helvetica", 14)
    c.drawString(72, 660, "Sammanfattning")
    c.setFont("Helvetica", 10)
    c.drawString(72, 651, "tätt under rubriken")   # touches the heading's box
    c.save()
    page = pdfium.PdfDocument(buf.getvalue())[0]
    asked = []
    bounded = pdf._bounded_text
    monkeypatch.setattr(pdf, "_bounded_text", lambda *a: asked.append(a) or bounded(*a))
    tp = page.get_textpage()
    raw = pdf._TEXT_LOAD(page.raw)
    try:
        rects, texts = pdf.text_runs(raw)
    finally:
        pdf._TEXT_CLOSE(raw)
    assert len(rects) == len(texts) >= 6 and len(asked) >= 2   # both ways were taken
    for (l, b, r, t), txt in zip(rects, texts):
        assert txt == " ".join(tp.get_text_bounded(l, b, r, t).split())
    assert "Till nämnden" in texts
