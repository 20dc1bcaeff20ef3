"""Layout clean-up: running headers, page numbers, columns, letterhead, hyphens, bullets,
with every kept character still pointing at its place in the raw text."""
import re

import pytest

from pipeline import ingest, layout
from pipeline.ingest import Document, pages_from_text
from pipeline.process import parse
from pipeline.textmap import MappedText
from tests.conftest import CLEAN_SEEDS, ROOT, SEEDS, seed


def clean(raw: str) -> MappedText:
    doc = Document(path=None, sha256="", format="pdf", raw=raw, pages=pages_from_text(raw))
    return layout.clean(doc, MappedText.identity(raw))


def body_page(n: int, total: int, text: str) -> str:
    return (f"\tTjänsteutlåtande\tSida {n} ({total})\n\tDnr 2.1-1234/2024\n\n{text}\n\n"
            f"Kulturförvaltningen\tstockholm.se")


def test_running_header_and_footer_removed_by_repetition():
    raw = "\f".join(body_page(i + 1, 3, t) for i, t in enumerate(
        ["Ärendet gäller bidrag till föreningar.", "Förvaltningen föreslår bifall.", "Bilagor\n1. Ansökan"]))
    text = clean(raw).text
    assert "Tjänsteutlåtande" not in text and "Dnr 2.1-1234/2024" not in text and "stockholm.se" not in text
    assert "Ärendet gäller bidrag till föreningar." in text and "1. Ansökan" in text


def test_a_line_on_one_page_only_is_kept():
    raw = "Rubrik på sidan ett\n\nText ett.\f\tTjänsteutlåtande\tSida 2 (2)\n\nText två."
    text = clean(raw).text
    assert "Rubrik på sidan ett" in text and "Text två." in text and "Sida 2" not in text


def test_single_page_keeps_its_header_lines():
    # no repetition to go by: only the bare page number goes
    text = clean("Tjänsteutlåtande\nDnr 2.1-1234/2024\n\nText.\n\nSida 1 (1)").text
    assert "Dnr 2.1-1234/2024" in text and "Sida 1" not in text


def test_header_band_with_page_number_goes_on_a_single_page():
    text = clean("\tTjänsteutlåtande\tSida 1 (1)\n\nHandläggare\nAnna Berg\n\nText.").text
    assert text.strip() == "Handläggare\nAnna Berg\n\nText."


def test_two_column_block_is_split_into_columns():
    raw = ("Handläggare\tTill\nAnna Berg\tKulturnämnden\n\t2024-02-01\nTelefon: 08-508 11 111\n\n"
           "Titel på ärendet")
    assert clean(raw).text == ("Handläggare\nAnna Berg\nTelefon: 08-508 11 111\n\n"
                               "Till\nKulturnämnden\n2024-02-01\n\nTitel på ärendet")


def test_side_by_side_signatures_are_split_and_specks_ignored():
    raw = "Anna Berg\tOla Ek\nDirektör\t:\tAvdelningschef\n\nBilagor"
    assert clean(raw).text == "Anna Berg\nDirektör\n\nOla Ek\nAvdelningschef\n\nBilagor"


def test_table_with_dates_stays_rows():
    raw = "Namn\tDatum\nAnna Berg, Direktör\t2024-01-05\nOla Ek, Avdelningschef\t2024-01-04"
    assert clean(raw).text == raw


def test_column_split_keeps_the_map():
    raw = "Handläggare\tTill\nAnna Berg\tKulturnämnden"
    mt = clean(raw)
    i = mt.text.index("Kulturnämnden")
    s, e = mt.source_span(i, i + len("Kulturnämnden"))
    assert raw[s:e] == "Kulturnämnden"


@pytest.mark.parametrize("raw, want", [
    ("SAMVERKANSÖVERENS-\nKOMMELSE", "SAMVERKANSÖVERENSKOMMELSE"),
    ("lokal samverkans-\növerenskommelse", "lokal samverkansöverenskommelse"),
    ("samverkans- och trygghetsarbete", "samverkans- och trygghetsarbete"),
    ("trygghets-\noch brottsförebyggande", "trygghets- och brottsförebyggande"),
    ("Hässelby-\nVällingby", "Hässelby-Vällingby"),
    ("KS-\nxqzv", "KS-xqzv"),  # not a word: the hyphen stays, the break goes
])
def test_hyphens_joined_only_into_words(raw, want):
    assert layout.join_hyphenated(MappedText.identity(raw)).text == want


def test_bullets_become_dashes():
    raw = "Områdena är:\n\n• Unga i riskzon\n\uf0b7 Otrygga platser\n» Systemhotande brottslighet"
    assert clean(raw).text == "Områdena är:\n\n- Unga i riskzon\n- Otrygga platser\n- Systemhotande brottslighet"


def test_pdfium_line_ends_normalised():
    assert clean("Rad ett\r\nRad två\r\n").text.strip() == "Rad ett\nRad två"


def test_letterhead_is_set_aside_into_the_head_with_its_offsets():
    doc = ingest.read(seed("000"))
    ctx = parse(doc)
    assert ctx.text.lstrip().startswith("Hässelby-Vällingby stadsdelsförvaltning\nVerksamhetsstöd och stadsmiljö")
    head = ctx.sections[0]
    for marker in ("Box 3424", "Växel 08-50804000", "www.stockholm.se/hasselby-vallingby"):
        i = ctx.text.index(marker)
        assert head.start <= i < head.end
        s, e = ctx.mt.source_span(i, i + len(marker))
        assert doc.raw[s:e] == marker
    summary = next(s for s in ctx.sections if s.kind == "summary")
    assert "Box" not in summary.body(ctx.mt) and summary.body(ctx.mt).endswith("1 januari 2024")


def test_handlaggare_block_is_not_a_letterhead():
    text = "Handläggare\nAnna Berg\nTelefon: 08-508 11 111\n\nTill\nKulturnämnden"
    assert layout.letterhead_spans(text) == []


def test_letterhead_spans_need_an_unmistakable_address_line():
    assert layout.letterhead_spans("Kulturförvaltningen\n\nKulturhuset 3\nSergels torg 1\nBrunkebergstorg 2") == []
    text = "Text.\n\nKulturförvaltningen\n\nSergels torg 1\nBox 16414\n103 27 Stockholm\nVäxel 08-508 31 900\n"
    [(s, e)] = layout.letterhead_spans(text)
    assert text[s:e].startswith("Kulturförvaltningen") and text[s:e].rstrip().endswith("Växel 08-508 31 900")


# ---- the offset map survives every rewrite ---------------------------------------------

TEXTS = SEEDS + sorted((ROOT / "corpus" / "variants").glob("*.txt"))
# what a line-break or stray-space hyphen join removes from between the two halves
JOIN_GAP_RX = re.compile(r"-[ \t]*\n[ \t]*|-[ \t]+|(?<=-)[ \t]*\n[ \t]*")


def assert_maps_back(raw: str, mt: MappedText) -> None:
    """Every letter or digit of the cleaned text points at the same character in the raw
    text, and every word maps back to exactly itself (or, for a joined word, to its two
    halves with the line-break hyphen between them)."""
    text = mt.text
    bad = [(i, text[i], raw[mt.offsets[i]]) for i in range(len(text))
           if text[i].isalnum() and raw[mt.offsets[i]] != text[i]]
    assert not bad, f"{len(bad)} characters point elsewhere, first at {bad[0][0]}: {text[bad[0][0] - 20:bad[0][0] + 20]!r}"
    for m in re.finditer(r"\w+", text):
        s, e = mt.source_span(m.start(), m.end())
        src = raw[s:e]
        assert src == m.group(0) or JOIN_GAP_RX.sub("", src) == m.group(0), (m.group(0), src)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem[:3])
def test_cleaned_words_map_back_to_their_raw_text(path):
    doc = ingest.read(path)
    mt = layout.clean(doc, MappedText.identity(doc.raw))
    assert_maps_back(doc.raw, mt)


@pytest.mark.parametrize("path", CLEAN_SEEDS + [seed("002")], ids=lambda p: p.stem[:3])
def test_cleaned_words_of_a_pdf_map_back_to_its_text_layer(path):
    """PDF pages go through the column split and page-number removal too."""
    doc = ingest.read(ROOT / "corpus" / "pdf" / f"{path.stem}.pdf")
    assert_maps_back(doc.raw, layout.clean(doc, MappedText.identity(doc.raw)))


@pytest.mark.parametrize("raw", [
    "Stadsdelsnämnden godkänner\nSAMVERKANSOVERENS-\nKOMMELSE mellan staden och polisen",
    "en lokal samverkans-\növerenskommelse för 2024",
    "samverkans- överenskommelse och trygghets-\noch brottsförebyggande arbete",
    "Hässelby-\nVällingby stadsdelsnämnd",
])
def test_hyphen_joins_keep_every_character_in_place(raw):
    mt = layout.join_hyphenated(MappedText.identity(raw))
    assert "-\n" not in mt.text
    assert_maps_back(raw, mt)
