"""Bad inputs: each kind gives the expected record or a clear one-line error record,
and the good documents processed in the same batch are unharmed.

All inputs are generated here (reportlab via scripts/make_pdf_corpus.py, pikepdf, Pillow)
and run through ONE batch with two local workers, as a night's batch would meet them.
"""
from __future__ import annotations

import codecs
import io
import json
import os
import sys
import zlib
from pathlib import Path

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from pipeline.batch import BatchConfig, run  # noqa: E402
from pipeline.process import Options, process_path  # noqa: E402
from pipeline.record import Record  # noqa: E402
from pipeline.store import read_jsonl  # noqa: E402

SEED = ROOT / "corpus" / "000_bf1a5e90f9748335.txt"
SEED2 = ROOT / "corpus" / "003_235d45cc36fe7281.txt"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

ENGLISH = """City of Stockholm
Official report
Reference 1.2.3-456/2021

Response to the consultation on safety in public places

Proposed decision
1. The district council approves the administration's response.

Summary
The administration welcomes the cooperation agreement between the police and the city.
"""


def _pdf(text: str, stem: str) -> bytes:
    import make_pdf_corpus as mpc
    return mpc.render_pdf(text, stem)


def _simple_pdf(pages: list[str]) -> bytes:
    from reportlab.pdfgen import canvas
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for text in pages:
        y = 800
        for line in text.splitlines():
            c.drawString(60, y, line)
            y -= 14
        c.showPage()
    c.save()
    return buf.getvalue()


def _save(pdf: pikepdf.Pdf, **kw) -> bytes:
    buf = io.BytesIO()
    pdf.save(buf, **kw)
    return buf.getvalue()


def _png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header declares 10 gigapixels (one IDAT of a few zero rows)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        import struct
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    import struct
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def build_inputs(d: Path) -> dict[str, Path]:
    """kind -> path of the input file made for it."""
    seed = SEED.read_text(encoding="utf-8")
    seed_pdf = _pdf(seed, SEED.stem)
    files: dict[str, Path] = {}

    def put(kind: str, name: str, data: bytes) -> None:
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        files[kind] = p

    put("good_txt", "good.txt", SEED2.read_bytes())
    put("good_pdf", "good.pdf", seed_pdf)
    seed_pdf_b = _pdf(seed + "\nBilaga 9. Kopia.\n", SEED.stem)
    put("zero_byte_txt", "zero.txt", b"")
    put("zero_byte_pdf", "zero.pdf", b"")
    put("whitespace_only", "blank.txt", b" \n\n\t \r\n")
    put("truncated_pdf", "truncated.pdf", seed_pdf[: len(seed_pdf) // 3])
    # broken xref: every offset in the table points to byte 1; readers rebuild it by scanning
    import re
    xref_at = seed_pdf.rfind(b"\nxref") + 1
    broken = re.sub(rb"(?m)^\d{10} (\d{5}) n", rb"0000000001 \1 n", seed_pdf[xref_at:])
    put("broken_xref_pdf", "broken_xref.pdf", seed_pdf[:xref_at] + broken)
    src = pikepdf.open(io.BytesIO(seed_pdf))
    put("encrypted_empty_password", "encrypted_empty.pdf",
        _save(src, encryption=pikepdf.Encryption(user="", owner="owner-secret", R=6)))
    put("encrypted_password", "encrypted_secret.pdf",
        _save(src, encryption=pikepdf.Encryption(user="hemligt", owner="hemligt", R=6)))
    js = pikepdf.open(io.BytesIO(seed_pdf))
    js.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x');"))
    put("javascript_pdf", "javascript.pdf", _save(js))
    emb = pikepdf.open(io.BytesIO(seed_pdf))
    emb.attachments["payload.exe"] = pikepdf.AttachedFileSpec(emb, b"MZ\x90\x00 not really", mime_type="application/octet-stream")
    put("embedded_file_pdf", "embedded.pdf", _save(emb))
    put("image_bomb_png", "bomb.png", _png_bomb())
    lines = [l for l in seed.splitlines() if l.strip()]
    put("many_pages_pdf", "500_pages.pdf", _simple_pdf(
        ["\n".join(lines[(i * 7) % len(lines):(i * 7) % len(lines) + 4 + i % 3]) +
         (f"\nSlutpunkten {i + 1} i bilagan." if i == 499 else "") for i in range(500)]))
    put("non_pdf_renamed", "not_really.pdf", seed.encode("utf-8"))
    put("garbage_body_pdf", "garbage_body.pdf", b"%PDF-1.7\n" + os.urandom(4000))
    put("no_pages_pdf", "no_pages.pdf", _save(pikepdf.new()))
    put("binary_garbage_txt", "garbage.txt", bytes(range(256)) * 40)
    put("nul_sprinkled_txt", "nul.txt", seed.encode("utf-8").replace(b"e", b"e\x00"))
    put("utf16_bom", "utf16.txt", codecs.BOM_UTF16_LE + seed.encode("utf-16-le"))
    put("utf16_no_bom", "utf16_nobom.txt", seed.encode("utf-16-le"))
    put("utf8_bom", "utf8_bom.txt", codecs.BOM_UTF8 + seed.encode("utf-8"))
    put("cp1252", "cp1252.txt", seed.encode("cp1252", errors="replace"))
    put("mojibake", "mojibake.txt", seed.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8"))
    put("crlf", "crlf.txt", seed.replace("\n", "\r\n").encode("utf-8"))
    put("english", "english.txt", ENGLISH.encode("utf-8"))
    put("one_long_line", "one_line.txt", (" ".join(seed.split()) + " ") .encode("utf-8") * 3)
    put("spaces_and_aao_path", "mapp med å ä ö/Yttrande över remiss å ä ö.txt", SEED2.read_bytes() + b"\nMapp.\n")
    put("uppercase_suffix", "UPPER.PDF", seed_pdf_b)
    put("long_name", ("n" * 200) + ".txt", SEED2.read_bytes() + b"\nLangt namn.\n")
    put("duplicate_a", "dup/first name.txt", seed.encode("utf-8") + b"\nDubblett.\n")
    put("duplicate_b", "dup/second name.txt", seed.encode("utf-8") + b"\nDubblett.\n")
    put("unreadable", "unreadable.txt", seed.encode("utf-8") + b"\nOl\xc3\xa4sbar.\n")
    files["unreadable"].chmod(0)
    loop = d / "self_loop.txt"
    loop.symlink_to(loop.name)
    files["symlink_loop_file"] = loop
    (d / "loop_dir").mkdir()
    (d / "loop_dir" / "back").symlink_to("..", target_is_directory=True)  # a directory cycle
    files["symlink_loop_dir"] = d / "loop_dir" / "back"
    dangling = d / "dangling.txt"
    dangling.symlink_to("does-not-exist.txt")
    files["dangling_symlink"] = dangling
    return files


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    inputs = d / "in"
    inputs.mkdir()
    files = build_inputs(inputs)
    out = d / "out"
    summary = run([inputs, d / "missing.txt"], out, Options(), BatchConfig(workers=2, timeout=240))
    records = read_jsonl(out / "records.jsonl")
    by_path: dict[str, Record] = {}
    for r in records:
        by_path[r.source.path] = r
        for a in r.source.aliases:
            by_path[a] = r
    return files, summary, records, by_path, d


def _rec(batch, kind) -> Record:
    files, _, _, by_path, _ = batch
    return by_path[str(files[kind])]


def _error(batch, kind) -> str:
    rec = _rec(batch, kind)
    assert rec.errors, f"{kind}: expected an error record, got a record"
    assert len(rec.errors) == 1
    msg = rec.errors[0].message
    assert "\n" not in msg and "Traceback" not in msg
    return msg


def _text(rec: Record) -> str:
    return " ".join(" ".join(((s.heading or "") + " " + s.text) for s in rec.sections).split())


@pytest.mark.parametrize("kind,stage,needle", [
    ("zero_byte_txt", "ingest", "empty file"),
    ("zero_byte_pdf", "ingest", "empty file"),
    ("whitespace_only", "ingest", "no text"),
    ("truncated_pdf", "ingest", "truncated"),
    ("encrypted_password", "ingest", "password"),
    ("image_bomb_png", "ingest", "bomb.png"),
    ("non_pdf_renamed", "ingest", "not a PDF"),
    ("garbage_body_pdf", "ingest", "garbage_body.pdf"),
    ("no_pages_pdf", "ingest", "no_pages.pdf: "),
    ("binary_garbage_txt", "ingest", "binary content"),
    ("nul_sprinkled_txt", "ingest", "binary content"),
    ("symlink_loop_file", "ingest", "symbolic links"),
    ("dangling_symlink", "ingest", "no such file"),
])
def test_error_records(batch, kind, stage, needle):
    msg = _error(batch, kind)
    assert _rec(batch, kind).errors[0].stage == stage
    assert needle.lower() in msg.lower(), msg


def test_unreadable_file(batch):
    if IS_ROOT:
        pytest.skip("running as root: permissions do not stop reads (see the simulated test below)")
    assert "permission denied" in _error(batch, "unreadable")


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    """As root chmod 000 does not stop reads, so the kernel's EACCES is simulated for one
    path, in hashing and in reading; the batch reports it and goes on."""
    import pathlib
    secret = tmp_path / "in" / "hemlig.txt"
    secret.parent.mkdir()
    secret.write_bytes(SEED.read_bytes())
    (tmp_path / "in" / "ok.txt").write_bytes(SEED2.read_bytes())
    real_read, real_hash = pathlib.Path.read_bytes, __import__("pipeline.cache").cache.file_sha256

    def deny(path):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda self: deny(self) if self == secret else real_read(self))
    monkeypatch.setattr("pipeline.ingest.open", lambda p, *a: deny(p) if Path(p) == secret else open(p, *a),
                        raising=False)
    monkeypatch.setattr("pipeline.cache.file_sha256", lambda p: deny(p) if Path(p) == secret else real_hash(p))
    summary = run([tmp_path / "in"], tmp_path / "out", Options(), BatchConfig(workers=1))
    recs = {Path(r.source.path).name: r for r in read_jsonl(tmp_path / "out" / "records.jsonl")}
    assert recs["hemlig.txt"].errors[0].message == f"{secret}: permission denied"
    assert recs["hemlig.txt"].errors[0].stage == "ingest"
    assert not recs["ok.txt"].errors and summary.failed == 1


def test_missing_path_is_an_error_record(batch):
    _, summary, _, by_path, d = batch
    rec = by_path[str(d / "missing.txt")]
    assert rec.errors[0].stage == "ingest" and "no such file" in rec.errors[0].message


@pytest.mark.parametrize("kind", ["good_pdf", "broken_xref_pdf", "encrypted_empty_password", "javascript_pdf",
                                  "embedded_file_pdf"])
def test_damaged_or_odd_pdfs_that_still_read(batch, kind):
    rec, good = _rec(batch, kind), _rec(batch, "good_pdf")
    assert not rec.errors, rec.errors
    assert rec.source.format == "pdf" and rec.source.pages == good.source.pages
    assert _text(rec) == _text(good)


def test_uppercase_pdf_suffix(batch):
    rec = _rec(batch, "uppercase_suffix")
    assert not rec.errors and rec.source.format == "pdf"
    assert _text(rec).endswith("Bilaga 9. Kopia.")


def test_500_page_pdf(batch):
    rec = _rec(batch, "many_pages_pdf")
    assert not rec.errors, rec.errors
    assert rec.source.pages == 500 and rec.source.ocr_pages == []
    assert "Slutpunkten 500 i bilagan" in _text(rec)


@pytest.mark.parametrize("kind", ["utf16_bom", "utf16_no_bom", "utf8_bom", "cp1252",
                                  "mojibake", "crlf", "one_long_line"])
def test_encodings_give_the_seed_text(batch, kind):
    rec = _rec(batch, kind)
    assert not rec.errors, rec.errors
    seed = " ".join(SEED.read_text(encoding="utf-8").split())
    text = _text(rec)
    for word in ("förvaltningen", "Stadsdelsnämnden", "överenskommelse"):
        if word.lower() in seed.lower():
            assert word.lower() in text.lower(), (kind, word)
    assert "Ã" not in text and "\ufffd" not in text


def test_encodings_agree_with_plain_utf8(batch):
    """Same words in the same order, whatever the encoding or line endings."""
    ref = _rec(batch, "utf8_bom")
    for kind in ("utf16_bom", "utf16_no_bom", "cp1252", "crlf"):
        assert _text(_rec(batch, kind)) == _text(ref), kind
        assert _rec(batch, kind).title == ref.title, kind


def test_mojibake_agrees_with_plain_utf8(batch):
    assert _text(_rec(batch, "mojibake")) == _text(_rec(batch, "utf8_bom"))


def test_english_document_is_processed(batch):
    rec = _rec(batch, "english")
    assert not rec.errors
    assert "cooperation agreement" in _text(rec)


def test_path_with_spaces_and_swedish_letters(batch):
    files = batch[0]
    rec = _rec(batch, "spaces_and_aao_path")
    assert rec.source.path == str(files["spaces_and_aao_path"]) and "å ä ö" in rec.source.path
    assert not rec.errors


def test_duplicates_processed_once_with_both_paths(batch):
    files, summary, records, _, _ = batch
    a, b = str(files["duplicate_a"]), str(files["duplicate_b"])
    hits = [r for r in records if a in [r.source.path, *r.source.aliases]]
    assert len(hits) == 1
    assert {hits[0].source.path, *hits[0].source.aliases} == {a, b}
    assert sum(1 for r in records if r.doc_id == hits[0].doc_id) == 1
    assert summary.duplicates == 2   # this pair, and zero.txt / zero.pdf (both 0 bytes)


def test_symlinked_directory_cycle_is_not_walked(batch):
    files, _, records, _, _ = batch
    paths = [r.source.path for r in records]
    assert not any("/back/" in p for p in paths)
    assert len(paths) == len(set(paths))


def test_good_documents_are_intact(batch):
    """The good files give exactly the record they give when processed alone."""
    files = batch[0]
    for kind in ("good_txt", "good_pdf", "long_name"):
        alone = process_path(files[kind], Options()).to_dict()
        in_batch = _rec(batch, kind).to_dict()
        for r in (alone, in_batch):
            r["source"].pop("aliases", None)
        assert in_batch == alone, kind


def test_errors_table_and_summary(batch):
    import sqlite3
    files, summary, records, _, d = batch
    failed = [r for r in records if r.errors]
    assert summary.failed == len(failed) and summary.documents == len(records)
    con = sqlite3.connect(d / "out" / "remiss.sqlite")
    rows = con.execute("SELECT path, stage, message FROM errors").fetchall()
    assert len(rows) == sum(len(r.errors) for r in failed)
    assert (str(files["encrypted_password"]), "ingest") in {(p, s) for p, s, _ in rows}
    assert {str(files["encrypted_password"])} <= {e.path for e in summary.error_rows}


def test_no_leftover_temporary_files(batch):
    d = batch[4] / "out"
    assert not [p for p in d.rglob("*.tmp")]


def test_cli_exit_code_and_one_line_errors(tmp_path):
    from click.testing import CliRunner
    from pipeline.cli import main
    (tmp_path / "ok.txt").write_bytes(SEED2.read_bytes())
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4\n%%EOF trunc")
    res = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(tmp_path / "out"), "-j", "1"])
    assert res.exit_code == 1, res.output
    err_lines = [l for l in res.output.splitlines() if l.startswith("error:")]
    assert len(err_lines) == 1 and "bad.pdf" in err_lines[0]
    (tmp_path / "bad.pdf").unlink()
    res = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(tmp_path / "out2"), "-j", "1"])
    assert res.exit_code == 0, res.output


# ---------------------------------------------------------------- fuzzing the text path

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000))
def test_fuzz_bytes_never_crash(tmp_path, data):
    p = tmp_path / "fuzz.txt"
    p.write_bytes(data)
    rec = process_path(p, Options())
    assert isinstance(rec, Record)
    for e in rec.errors:
        assert e.stage == "ingest", e          # only a clear ingest refusal, never a crash later
        assert "\n" not in e.message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=2000))
def test_fuzz_text_never_crash(tmp_path, text):
    p = tmp_path / "fuzz.txt"
    p.write_bytes(text.encode("utf-8"))
    rec = process_path(p, Options())
    assert [e.stage for e in rec.errors] in ([], ["ingest"]), rec.errors
    json.loads(rec.to_json())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=6000), junk=st.text(max_size=200))
def test_fuzz_seed_fragments(tmp_path, cut, junk):
    """Pieces of a real document with junk spliced in still give a record."""
    seed = SEED.read_text(encoding="utf-8")
    text = seed[:cut] + junk + seed[cut:cut + 3000]
    p = tmp_path / "frag.txt"
    p.write_text(text, encoding="utf-8")
    rec = process_path(p, Options())
    assert [e.stage for e in rec.errors] in ([], ["ingest"]), rec.errors
