"""Signatories: exact values against gold (seeds, flattened seeds, variants) and the
genre's layouts on small documents written here."""
import json
from pathlib import Path

import pytest

from pipeline.evaluate import evaluate, load_gold
from pipeline.extract.signatories import is_given
from pipeline.process import process_path

from conftest import CLEAN_SEEDS, CORPUS, GOLD, seed

FIELDS = ["signatories.name", "signatories.title", "signatories.signed_date"]


def gold(path: Path) -> dict:
    return json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))


def sigs(rec) -> list[dict]:
    return [s.model_dump() for s in rec.signatories]


@pytest.mark.parametrize("path", CLEAN_SEEDS, ids=lambda p: p.name[:3])
def test_clean_seed_signatories_exact(path):
    rec = process_path(path)
    assert not rec.errors, rec.errors
    assert sigs(rec) == gold(path)["signatories"]


@pytest.mark.parametrize("path", CLEAN_SEEDS, ids=lambda p: p.name[:3])
def test_flattened_seed_signatories_exact(path, flat_copy):
    rec = process_path(flat_copy(path))
    assert not rec.errors, rec.errors
    assert sigs(rec) == gold(path)["signatories"]


def test_damaged_seed_structure():
    rec = process_path(seed("002"))
    assert not rec.errors, rec.errors
    assert len(rec.signatories) == 2
    assert [s.name for s in rec.signatories] == [s["name"] for s in gold(seed("002"))["signatories"]]


def test_damaged_seed_exact_after_repair():
    rec = process_path(seed("002"))
    assert rec.repairs, "the repair stage changed nothing"
    assert sigs(rec) == gold(seed("002"))["signatories"]  # "Forvaltningschef" repaired


def test_variant_spellings_merge_with_both_evidence_spans():
    rec = process_path(seed("000"))
    i = [s.name for s in rec.signatories].index("Jenny Beijker")
    texts = {e.text for e in rec.provenance[f"signatories[{i}]"]}
    assert {"Jenny Bejker", "Jenny Beijker", "Ansvarig"} <= texts


def test_case_officer_is_not_a_signatory():
    for path in CLEAN_SEEDS:
        rec = process_path(path)
        if rec.case_officer and rec.case_officer.name:
            assert rec.case_officer.name not in [s.name for s in rec.signatories]


def _doc(tmp_path, body: str) -> Path:
    p = tmp_path / "doc.txt"
    p.write_text(body, encoding="utf-8")
    return p


HEAD = ("Handläggare\nPer Nilsson\nUtredare\nTelefon: 08-508 00 000\n\nTill\nBromma stadsdelsnämnd\n2022-01-10\n\n"
        "Ett ärende om trygghet\n\nFörvaltningens förslag till beslut\n\nNämnden godkänner förslaget.\n\n"
        "Sammanfattning\n\nStadsdelsdirektör Karin Berg har yttrat sig. Förvaltningen ser positivt på förslaget "
        "och Lars Holm, avdelningschef, har deltagit i arbetet.\n\n")


def test_side_by_side_three_people_split_by_given_names(tmp_path):
    rec = process_path(_doc(tmp_path, HEAD + "Eva Lind Per Olof Ek Anna-Lena Sjöström\n"
                                       "t.f. stadsdelsdirektör biträdande avdelningschef enhetschef\n\nBilagor\n\n1. Bilaga"))
    assert sigs(rec) == [
        {"name": "Eva Lind", "title": "t.f. stadsdelsdirektör", "signed_date": None},
        {"name": "Per Olof Ek", "title": "biträdande avdelningschef", "signed_date": None},
        {"name": "Anna-Lena Sjöström", "title": "enhetschef", "signed_date": None},
    ]


def test_running_text_and_officer_are_not_signatories(tmp_path):
    rec = process_path(_doc(tmp_path, HEAD + "Maria Ek\nStadsdelsdirektör\n"))
    assert [s.name for s in rec.signatories] == ["Maria Ek"]


def test_flattened_names_and_titles_run_together(tmp_path):
    rec = process_path(_doc(tmp_path, " ".join((HEAD + "Karin Norman Stadsdelsdirektör Lisbeth Rieser "
                                                 "Avdelningschef Bilagor 1. Bilaga").split())))
    assert sigs(rec) == [
        {"name": "Karin Norman", "title": "Stadsdelsdirektör", "signed_date": None},
        {"name": "Lisbeth Rieser", "title": "Avdelningschef", "signed_date": None},
    ]


def test_attestation_table_alone_gives_names_titles_dates(tmp_path):
    rec = process_path(_doc(tmp_path, HEAD + "Attesterat av\n\nDetta dokument har godkänts digitalt av följande "
                                       "personer:\n\nNamn\tDatum\nOla Sund, Förvaltningschef\t2022-01-05\n"
                                       "Siv Åkerlund, tf avdelningschef\t2022-01-04\n"))
    assert sigs(rec) == [
        {"name": "Ola Sund", "title": "Förvaltningschef", "signed_date": "2022-01-05"},
        {"name": "Siv Åkerlund", "title": "tf avdelningschef", "signed_date": "2022-01-04"},
    ]


def test_given_name_list_is_built_and_folds():
    assert is_given("Gunilla") and is_given("Anna-Karin") and is_given("Bjorn")
    assert not is_given("Davidsson") and not is_given("Stadsdelsdirektör")


def test_variants_f1():
    from tests.conftest import variant_report
    report = variant_report("signatories", FIELDS)
    for f in FIELDS:
        assert report.f1(f) >= 0.95, report.format()


def test_name_comma_title_and_title_comma_organisation(tmp_path):
    rec = process_path(_doc(tmp_path, HEAD + "Greta Alm, stadsdelsdirektör\n\nBo Ek\nAvdelningschef, Bromma "
                                       "stadsdelsförvaltning\n\nBilagor\n\n1. Bilaga"))
    assert sigs(rec) == [
        {"name": "Greta Alm", "title": "stadsdelsdirektör", "signed_date": None},
        {"name": "Bo Ek", "title": "Avdelningschef", "signed_date": None},
    ]


def test_side_by_side_with_a_given_name_missing_from_the_list(tmp_path):
    # "Aukusti" is no Swedish given name of the lists; the titles line says there are two people
    # and "Koskinen" (a surname) ends the first, so the run still splits
    assert not is_given("Aukusti")
    rec = process_path(_doc(tmp_path, HEAD + "Aukusti Koskinen Johan Alm Eriksson\nstadsdelsdirektör avdelningschef\n"))
    assert sigs(rec) == [
        {"name": "Aukusti Koskinen", "title": "stadsdelsdirektör", "signed_date": None},
        {"name": "Johan Alm Eriksson", "title": "avdelningschef", "signed_date": None},
    ]


def test_names_in_use_in_stockholm_are_given_names():
    # from the names-dataset Swedish ranks; common words and surnames of that source are not
    assert is_given("Mirja") and is_given("Omid") and is_given("Per")
    assert not is_given("Hund") and not is_given("Eriksson") and not is_given("Stockholm")


def test_protocol_signatures_take_the_date_of_the_justerat_line(tmp_path):
    rec = process_path(_doc(tmp_path, HEAD + "Vid protokollet\n\nMaria Lund\nSekreterare\n\nJusterat 2022-01-12\n\n"
                                       "Peter Ek                    Lars Nordin\nOrdförande                  Justerare\n"))
    assert sigs(rec) == [
        {"name": "Maria Lund", "title": "Sekreterare", "signed_date": None},
        {"name": "Peter Ek", "title": "Ordförande", "signed_date": "2022-01-12"},
        {"name": "Lars Nordin", "title": "Justerare", "signed_date": "2022-01-12"},
    ]


def test_attestation_table_with_a_title_column(tmp_path):
    rec = process_path(_doc(tmp_path, HEAD + "Beslutet har godkänts digitalt av:\n\nNamn\tTitel\tDatum\n"
                                       "Helena Ström\tt.f. stadsdelsdirektör\t2022-01-06\nOmid Karimi\tavdelningschef\t2022-01-05\n"))
    assert sigs(rec) == [
        {"name": "Helena Ström", "title": "t.f. stadsdelsdirektör", "signed_date": "2022-01-06"},
        {"name": "Omid Karimi", "title": "avdelningschef", "signed_date": "2022-01-05"},
    ]
    assert [(d.iso, d.kind) for d in rec.dates if d.kind == "signed"] == [("2022-01-06", "signed"), ("2022-01-05", "signed")]


def test_flattened_attestation_rows_keep_their_dates(tmp_path):
    text = HEAD + ("Beslutet har godkänts digitalt av: Namn Titel Datum Helena Ström t.f. stadsdelsdirektör 2022-01-06 "
                   "Omid Karimi avdelningschef 2022-01-05 Bilagor 1. Bilaga")
    rec = process_path(_doc(tmp_path, " ".join(text.split())))
    assert sigs(rec) == [
        {"name": "Helena Ström", "title": "t.f. stadsdelsdirektör", "signed_date": "2022-01-06"},
        {"name": "Omid Karimi", "title": "avdelningschef", "signed_date": "2022-01-05"},
    ]
