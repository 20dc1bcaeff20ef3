"""`remiss export`: Dublin Core XML/JSON and flat CSV (pipeline/export.py)."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline import cli, export, store
from pipeline.batch import run
from pipeline.record import Record

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))
DC = "{http://purl.org/dc/elements/1.1/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"


def _pairs(xml_bytes: bytes) -> list[tuple[str, str]]:
    """Parse (raises on ill-formed XML) and check every element against the DC set."""
    root = ET.fromstring(xml_bytes)
    assert root.tag == OAI_DC
    pairs = []
    for child in root:
        assert child.tag.startswith(DC), child.tag
        name = child.tag[len(DC):]
        assert name in export.DCMES, name
        assert len(child) == 0 and child.text and child.text.strip(), name  # simple, non-empty
        pairs.append((name, child.text))
    return pairs


RECORD = Record.model_validate({
    "doc_id": "f00d", "source": {"path": "/arkiv/2021/tu_farsta.pdf", "sha256": "abc123", "format": "pdf"},
    "doc_type": "tjänsteutlåtande", "title": "Lokal samverkansöverenskommelse 2021–2022 & \"Trygghet\" <utkast>",
    "recipient_body": "Farsta stadsdelsnämnd", "issuing_body": "Farsta stadsdelsförvaltning",
    "document_date": "2021-03-04", "diarienummer": ["FA 2021/12", "KS 2020/1"],
    "remiss": {"from": "Kommunstyrelsen", "deadline": "2021-04-01"},
    "proposed_decisions": [{"number": 1, "text": "Nämnden godkänner överenskommelsen."},
                           {"number": 2, "text": "Nämnden justerar beslutet omedelbart."}],
    "focus_areas": [{"text": "Unga", "canonical_label": "Unga i risk för kriminalitet"},
                    {"text": "Unga i riskzon", "canonical_label": "Unga i risk för kriminalitet"},
                    {"text": "Eget område", "status": "local"},
                    {"text": "Våld", "canonical_label": "Våld i nära relationer"}],
    "signatories": [{"name": "Förnamn Efternamn", "title": "stadsdelsdirektör"}, {"name": "Annan Person"}],
    "attachments": [{"number": 1, "title": "Överenskommelse, utkast"}],
})


def test_dc_mapping_of_a_known_record():
    assert _pairs(export.to_xml(RECORD)) == [
        ("identifier", "FA 2021/12"), ("identifier", "KS 2020/1"), ("identifier", "urn:sha256:abc123"),
        ("title", "Lokal samverkansöverenskommelse 2021–2022 & \"Trygghet\" <utkast>"),
        ("creator", "Farsta stadsdelsnämnd"),
        ("contributor", "Farsta stadsdelsförvaltning"),
        ("contributor", "Förnamn Efternamn, stadsdelsdirektör"), ("contributor", "Annan Person"),
        ("date", "2021-03-04"), ("type", "tjänsteutlåtande"),
        ("subject", "Unga i risk för kriminalitet"), ("subject", "Våld i nära relationer"),
        ("description", "Förslag till beslut: 1. Nämnden godkänner överenskommelsen. "
                        "2. Nämnden justerar beslutet omedelbart."),
        ("relation", "Remiss från Kommunstyrelsen, svar senast 2021-04-01"),
        ("relation", "Bilaga 1: Överenskommelse, utkast"),
        ("coverage", "Farsta"), ("source", "tu_farsta.pdf"), ("format", "application/pdf"), ("language", "sv"),
    ]
    assert export.to_json(RECORD)["dc:subject"] == ["Unga i risk för kriminalitet", "Våld i nära relationer"]
    row = export.csv_row(RECORD)
    assert row["diarienummer"] == "FA 2021/12 | KS 2020/1"
    assert row["signatories"] == "Förnamn Efternamn, stadsdelsdirektör | Annan Person"
    assert row["board"] == "Farsta stadsdelsnämnd" and row["date"] == "2021-03-04"


def test_an_empty_record_exports_only_what_is_known():
    rec = Record.model_validate({"doc_id": "e", "source": {"path": "x.txt", "sha256": "", "format": "txt"}})
    assert _pairs(export.to_xml(rec)) == [("source", "x.txt"), ("format", "text/plain"), ("language", "sv")]


def test_control_characters_do_not_break_the_xml():
    rec = RECORD.model_copy(update={"title": "Sida 1\x0cSida 2\x00 slut"})
    assert dict(_pairs(export.to_xml(rec)))["title"] == "Sida 1Sida 2 slut"


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export")
    run(SEEDS, out)
    return out


def test_corpus_export_dc_xml(corpus_out):
    records = export.load_records(corpus_out)
    assert len(records) == len(SEEDS) == 5
    files = export.export(corpus_out, "dc")
    assert sorted(f.name for f in files) == sorted(p.stem + ".xml" for p in SEEDS)
    by_source = {Path(r.source.path).name: r for r in records}
    for f in files:
        pairs = _pairs(f.read_bytes())
        rec = by_source[dict(pairs)["source"]]
        assert [v for k, v in pairs if k == "title"] == ([rec.title] if rec.title else [])
        assert [v for k, v in pairs if k == "date"] == ([rec.document_date] if rec.document_date else [])
        assert [v for k, v in pairs if k == "identifier"][:len(rec.diarienummer)] == rec.diarienummer
        assert [v for k, v in pairs if k == "type"] == ([rec.doc_type] if rec.doc_type else [])
        # DC JSON carries exactly the same pairs
        assert export.to_json(rec) == {f"dc:{k}": [v for kk, v in pairs if kk == k] for k, _ in pairs}


def test_corpus_export_csv_round_trips_with_pandas(corpus_out, tmp_path):
    [path] = export.export(corpus_out, "csv", tmp_path / "dc.csv")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(df.columns) == export.CSV_FIELDS
    expected = [export.csv_row(r) for r in export.load_records(corpus_out)]
    assert df.to_dict("records") == expected
    assert len(df) == 5 and df["doc_id"].is_unique
    # and a hostile record (commas, quotes, newlines, separators) survives too
    odd = RECORD.model_copy(update={"title": 'Rad ett,\n"rad" två; tre'})
    store.write_jsonl([RECORD, odd], tmp_path / "odd" / "records.jsonl")
    [p2] = export.export(tmp_path / "odd", "csv")
    assert pd.read_csv(p2, dtype=str, keep_default_na=False).to_dict("records") == \
        [export.csv_row(RECORD), export.csv_row(odd)]


def test_cli_export(corpus_out, tmp_path):
    runner = CliRunner()
    r = runner.invoke(cli.main, ["export", str(corpus_out), "--format", "dc-json", "--out", str(tmp_path / "j")])
    assert r.exit_code == 0, r.output
    files = sorted((tmp_path / "j").glob("*.json"))
    assert len(files) == 5
    assert all(json.loads(f.read_text(encoding="utf-8"))["dc:language"] == ["sv"] for f in files)
    r = runner.invoke(cli.main, ["export", str(tmp_path), "--format", "csv"])  # no records.jsonl there
    assert r.exit_code == 1 and "no records.jsonl" in r.output
    r = runner.invoke(cli.main, ["export", str(corpus_out), "--format", "marc"])
    assert r.exit_code == 2


def test_same_file_name_in_two_folders_gets_two_files(tmp_path):
    a = RECORD.model_copy(update={"doc_id": "aaaa1111"})
    b = RECORD.model_copy(update={"doc_id": "bbbb2222"})
    store.write_jsonl([a, b], tmp_path / "records.jsonl")
    files = export.export(tmp_path, "dc")
    assert sorted(f.name for f in files) == ["tu_farsta-aaaa1111.xml", "tu_farsta-bbbb2222.xml"]
