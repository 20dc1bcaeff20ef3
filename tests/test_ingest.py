"""Reading plain text in the encodings Swedish office files come in, with provenance."""
import codecs

import pytest

from pipeline import ingest
from pipeline.ingest import IngestError, decode_text, read, to_mapped

SWEDISH = "Förvaltningens förslag till beslut\nÄrendet läggs till handlingarna. Åtgärder på Östermalm.\n"


@pytest.mark.parametrize("data, encoding", [
    (SWEDISH.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + SWEDISH.encode("utf-8"), "utf-8-sig"),
    (SWEDISH.encode("utf-16"), "utf-16"),
    (SWEDISH.encode("utf-16-le"), "utf-16-le"),
    (SWEDISH.encode("cp1252") + "“citat” – tankstreck".encode("cp1252"), None),
    (SWEDISH.encode("latin-1"), None),
])
def test_decodes_common_encodings(data, encoding):
    text, used = decode_text(data)
    assert text.startswith(SWEDISH)
    if encoding:
        assert used == encoding


def test_mojibake_is_repaired_and_mapped_back(tmp_path):
    broken = "Handläggare\nÄrendet gäller Östermalm".encode("utf-8").decode("cp1252").encode("utf-8")
    p = tmp_path / "moji.txt"
    p.write_bytes(broken)
    doc = read(p)
    mt = to_mapped(doc)
    assert mt.text == "Handläggare\nÄrendet gäller Östermalm"
    # every cleaned character maps into the raw (mojibake) text, in order
    i = mt.text.index("Östermalm")
    s, e = mt.source_span(i, i + len("Östermalm"))
    assert doc.raw[s:e].endswith("stermalm")
    assert mt.any_flag(i, i + 9)


def test_nfc_normalisation(tmp_path):
    p = tmp_path / "nfd.txt"
    p.write_text("A\u0308rendet och o\u0308ppna", encoding="utf-8")
    assert to_mapped(read(p)).text == "Ärendet och öppna"


def test_form_feeds_make_pages(tmp_path):
    p = tmp_path / "pages.txt"
    p.write_text("sida ett\fsida två\fsida tre", encoding="utf-8")
    doc = read(p)
    assert [pg.number for pg in doc.pages] == [1, 2, 3]
    assert doc.raw[doc.pages[1].start:doc.pages[1].end] == "sida två"
    assert doc.page_at(doc.raw.index("tre")).number == 3


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"\x00\x01\x02\x03\xff\xfe\x00garbage\x00" * 50, "binary"),
    (b"   \n\n  ", "no text"),
])
def test_bad_text_files_give_one_line_errors(tmp_path, content, message):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(IngestError) as e:
        read(p)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        read(tmp_path / "nope.txt")
    with pytest.raises(IngestError, match="directory"):
        read(tmp_path)


def test_sha256_is_of_source_bytes(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("Bakgrund\nText".encode("cp1252"))
    assert read(p).sha256 == ingest.sha256_bytes(p.read_bytes())


def test_short_mojibake_words_are_fixed_in_context(tmp_path):
    p = tmp_path / "short.txt"
    p.write_bytes("Ett år, två år och även på Öland.".encode("utf-8").decode("latin-1").encode("utf-8"))
    doc = read(p)
    mt = to_mapped(doc)
    assert mt.text == "Ett år, två år och även på Öland."
    i = mt.text.index("Öland")
    s, e = mt.source_span(i + 1, i + 5)
    assert doc.raw[s:e] == "land"  # unchanged characters keep their one-to-one map


def test_clean_text_is_left_identical(tmp_path):
    p = tmp_path / "clean.txt"
    text = "Förvaltningens förslag till beslut – ”citat” … €"
    p.write_text(text, encoding="utf-8")
    mt = to_mapped(read(p))
    assert mt.text == text and not mt.any_flag(0, len(text))


def test_a_known_hash_is_reused_only_while_the_file_keeps_its_stat_signature(tmp_path):
    """The batch hands a worker the sha256 it took with the file's stat signature; ingest
    takes it only if the opened file still has that signature, else hashes the bytes."""
    import os
    from pipeline.cache import stat_signature
    p = tmp_path / "doc.txt"
    p.write_text(SWEDISH, encoding="utf-8")
    sig = stat_signature(os.stat(p))
    marker = "0" * 64   # not the file's hash: shows that the given one was used
    assert read(p, known=(sig, marker)).sha256 == marker
    p.write_text(SWEDISH + "Tillägg.\n", encoding="utf-8")   # changed after it was hashed
    doc = read(p, known=(sig, marker))
    assert doc.sha256 == ingest.sha256_bytes(p.read_bytes()) != marker
    assert read(p).sha256 == doc.sha256


def test_a_fifo_is_refused_without_blocking(tmp_path):
    import os
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(IngestError, match="not a regular file"):
        read(fifo)
