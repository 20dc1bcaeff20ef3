"""Full-text search on remiss.sqlite (pipeline/search.py), on the seeds and on small
databases built from hand-made records.

Gold, from reading the seeds (corpus/*.txt):
* every seed uses "samverkansöverenskommelse" in some inflection (-en, -erna, -ens, -er);
  002 only in OCR-damaged spellings ("samverkansdverenskommelse",
  "samverkansoverenskommelsen", ...), so it is found only after repair;
* "överlämnar" occurs in 001 ("...tjänsteutlåtande och överlämnar det till
  kommunstyrelsen") and, damaged as "dverldmnar"/"Overldmnar", in 002 ("Trafiknämnden
  överlämnar kontorets tjänsteutlåtande ..."); in no other seed, in no other inflection.
"""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from pipeline import search, store
from pipeline.batch import run
from pipeline.process import Options
from pipeline.record import Record

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))
ALL_SEEDS = {"000", "001", "002", "003", "004"}


def seed_no(row) -> str:
    return row["file_name"][:3]


@pytest.fixture(scope="module")
def dbs(tmp_path_factory) -> dict[str, Path]:
    """The pipeline run on the five seeds, with and without the repair stage."""
    root = tmp_path_factory.mktemp("search")
    run(SEEDS, root / "repaired")
    run(SEEDS, root / "unrepaired", Options(repair=False))
    return {"repaired": root / "repaired" / "remiss.sqlite", "unrepaired": root / "unrepaired" / "remiss.sqlite"}


def _record(doc_id: str, text: str, **kw) -> Record:
    return Record.model_validate({
        "doc_id": doc_id, "source": {"path": f"/in/{doc_id}.txt", "sha256": doc_id, "format": "txt"},
        "sections": [{"heading": "Sammanfattning", "text": text}], **kw})


def _db(tmp_path: Path, records: list[Record]) -> Path:
    store.write_all(records, tmp_path)
    return tmp_path / "remiss.sqlite"


def test_seed_count():
    assert [p.name[:3] for p in SEEDS] == sorted(ALL_SEEDS)


def test_samverkansoverenskommelse_finds_every_seed_after_repair(dbs):
    assert {seed_no(r) for r in search.search(dbs["repaired"], "samverkansöverenskommelse")} == ALL_SEEDS
    db = sqlite_utils.Database(dbs["repaired"])
    names = {r["doc_id"]: r["file_name"][:3] for r in db.query("select doc_id, file_name from documents")}
    assert {names[d] for d in search.matching_doc_ids(db, "samverkansöverenskommelse", ["sections"])} == ALL_SEEDS


def test_samverkansoverenskommelse_without_repair_matches_raw_text(dbs):
    """Unrepaired, the index finds exactly the seeds whose raw text has a correctly
    spelled inflection (an independent check: a regex over the files)."""
    oracle = {p.name[:3] for p in SEEDS
              if re.search(r"samverkansöverenskommels\w*", p.read_text(encoding="utf-8"), re.IGNORECASE)}
    assert oracle == ALL_SEEDS - {"002"}
    hits = {seed_no(r) for r in search.search(dbs["unrepaired"], "samverkansöverenskommelse")}
    assert hits == oracle


def test_overlamnar_finds_002_only_after_repair(dbs):
    assert {seed_no(r) for r in search.search(dbs["repaired"], "överlämnar")} == {"001", "002"}
    assert {seed_no(r) for r in search.search(dbs["unrepaired"], "överlämnar")} == {"001"}


def test_inflections_case_and_prefix(tmp_path):
    db = _db(tmp_path, [
        _record("a", "De lokala samverkansöverenskommelserna gäller i fyra år."),
        _record("b", "Samverkansöverenskommelsens mål är ökad trygghet."),
        _record("c", "Nämnden ÖVERLÄMNADE ärendet; inga synpunkter på avtalet."),
        _record("d", "Samverkan med polisen sker i arbetsgrupper."),
    ])
    ids = lambda q: {r["doc_id"] for r in search.search(db, q)}  # noqa: E731
    assert ids("samverkansöverenskommelse") == {"a", "b"}      # inflected forms via the stem column
    assert ids("Samverkansöverenskommelse") == {"a", "b"}      # case-insensitive
    assert ids("överlämnar") == {"c"}                          # ÖVERLÄMNADE: case + inflection
    assert ids("samverkans*") == {"a", "b"}                    # prefix on the surface form
    assert ids("samverkan") == {"d"}                           # no prefix without the star
    assert ids('"inga synpunkter"') == {"c"}                   # exact phrase
    assert ids('"synpunkter inga"') == set()
    assert ids("samverkan polisen") == {"d"}                   # all terms must match
    assert ids("samverkan mål") == set()


def test_swedish_letters_are_not_folded(tmp_path):
    db = _db(tmp_path, [
        _record("for", "Ett förslag for alla."),        # "for" (ran) – not "för"
        _record("fore", "Förslaget är bra för staden."),
        _record("ar", "Avtalet ar bra."),               # OCR loss: "är" -> "ar"
        _record("aar", "Avtalet gäller i två år."),
    ])
    ids = lambda q: {r["doc_id"] for r in search.search(db, q)}  # noqa: E731
    assert ids("för") == {"fore"}
    assert ids("for") == {"for"}
    assert ids("år") == {"aar"}
    assert ids("är") == {"fore"}
    assert ids("ar") == {"ar"}
    assert ids("FÖR") == {"fore"}


def test_fts_query_expressions():
    assert search.fts_query("Överlämnar") == '("överlämnar" OR stems : "överlämn")'
    assert search.fts_query("samverkans*") == '"samverkans"*'
    assert search.fts_query('"lokal samverkan" polis') == '"lokal samverkan" AND ("polis" OR stems : "polis")'
    assert search.fts_query("") == '""'
    assert search.fts_query('"unbalanced') == '"unbalanced"'
    assert search.fts_query("Hässelby-Vällingby") == '("hässelby vällingby" OR stems : "hässelby vällingby")'
    # Whatever a person types, the expression is valid FTS5 (no syntax error).
    conn = sqlite3.connect(":memory:")
    conn.execute(f"create virtual table t using fts5(text, stems, tokenize = '{search.TOKENIZE}')")
    for q in ['AND', 'OR NOT', '"', '***', 'a:b', '(x', 'NEAR(', "-x", "ö*ö", "'"]:
        conn.execute("select * from t where t match ?", (search.fts_query(q),)).fetchall()


def test_board_and_district():
    assert search.board_of("tjänsteutlåtande", "Norrmalms stadsdelsnämnd", "Norrmalms stadsdelsförvaltning") \
        == "Norrmalms stadsdelsnämnd"
    assert search.board_of("yttrande", "Kommunstyrelsen", "Bromma stadsdelsnämnd") == "Bromma stadsdelsnämnd"
    assert search.board_of("tjänsteutlåtande", None, "Trafikkontoret") == "Trafikkontoret"
    assert search.district_of("Hägersten-Liljeholmens stadsdelsnämnd") == "Hägersten-Liljeholmen"
    assert search.district_of("Enskede-Årsta-Vantörs stadsdelsförvaltning") == "Enskede-Årsta-Vantör"
    assert search.district_of("Järva stadsdelsnämnd") == "Järva"
    assert search.district_of("Östermalms stadsdelsnämnd") == "Östermalm"
    assert search.district_of("Trafiknämnden") is None
    assert search.district_of(None) is None


def test_views_and_derived_columns(tmp_path):
    rec = _record(
        "x", "Text.", doc_type="tjänsteutlåtande", recipient_body="Skarpnäcks stadsdelsnämnd",
        issuing_body="Skarpnäcks stadsdelsförvaltning", document_date="2021-02-03",
        focus_areas=[{"text": "Unga i riskzon", "canonical_id": "t.unga", "canonical_label": "Unga i risk",
                      "taxonomy": "t", "status": "matched"},
                     {"text": "Otrygga platser", "canonical_id": "t.platser", "canonical_label": "Otrygga platser",
                      "taxonomy": "t", "status": "matched"},
                     {"text": "Lokalt område", "status": "local"}],
        signatories=[{"name": "A Person", "title": "stadsdelsdirektör"}],
        proposed_decisions=[{"number": 1, "text": "Nämnden godkänner."}])
    other = _record("y", "Annat.", doc_type="yttrande", recipient_body="Kommunstyrelsen",
                    issuing_body="Kulturnämnden", document_date="2019-08-20", remiss={"from": "Kommunstyrelsen"})
    db = sqlite_utils.Database(_db(tmp_path, [rec, other]))
    docs = {r["doc_id"]: r for r in db.query("select doc_id, board, district, areas from documents")}
    assert docs["x"] == {"doc_id": "x", "board": "Skarpnäcks stadsdelsnämnd", "district": "Skarpnäck",
                         "areas": '["Unga i risk", "Otrygga platser"]'}
    assert docs["y"] == {"doc_id": "y", "board": "Kulturnämnden", "district": None, "areas": None}
    areas = list(db.query("select responder, district, area, canonical_label from areas_by_responder order by area_no"))
    assert [a["area"] for a in areas] == ["Unga i riskzon", "Otrygga platser", "Lokalt område"]
    assert {a["responder"] for a in areas} == {"Skarpnäcks stadsdelsnämnd"}
    assert list(db.query("select name, role, board from signed_by")) == [
        {"name": "A Person", "role": "stadsdelsdirektör", "board": "Skarpnäcks stadsdelsnämnd"}]
    by_year = {(r["board"], r["year"]): r["n_documents"] for r in db.query("select * from documents_by_board_year")}
    assert by_year == {("Skarpnäcks stadsdelsnämnd", 2021): 1, ("Kulturnämnden", 2019): 1}
    assert [r["responder"] for r in db.query("select responder from remiss_responses")] == ["Kulturnämnden"]
    src = list(db.query("select file_name, kind from sources_by_file where kind != 'section' order by kind"))
    assert src == [{"file_name": "x.txt", "kind": "decision"}] + [{"file_name": "x.txt", "kind": "focus_area"}] * 3 \
        + [{"file_name": "x.txt", "kind": "signatory"}]


def test_build_is_idempotent_and_fts_in_step(dbs, tmp_path):
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(dbs["repaired"].read_bytes())
    db = sqlite_utils.Database(copy)
    before = {t: db[t].count for t in ("documents_fts", "sections_fts")}
    search.build(db)
    search.build(db)
    assert {t: db[t].count for t in ("documents_fts", "sections_fts")} == before
    assert before == {"documents_fts": db["documents"].count, "sections_fts": db["sections"].count}
    # rowids line up: the FTS row holds the same doc_id as the content row
    assert db.execute("select count(*) from sections s join sections_fts f on f.rowid = s.rowid "
                      "where f.doc_id != s.doc_id").fetchone()[0] == 0


def test_empty_child_tables_still_get_views(tmp_path):
    db = sqlite_utils.Database(_db(tmp_path, [_record("z", "Bara text.")]))
    for view in search.VIEWS:
        db.execute(f"select * from [{view}]").fetchall()
    assert db["areas_by_responder"].count == 0
    assert [r["doc_id"] for r in search.search(db, "text")] == ["z"]
