"""Header metadata against gold, from the documents as they are and flattened to one line."""
import json

import pytest

from pipeline.evaluate import HEADER_FIELDS, evaluate, load_gold
from pipeline.process import process_path
from tests.conftest import CLEAN_SEEDS, GOLD, seed

CLEAN_GOLD = {p.stem: json.loads((GOLD / f"{p.stem}.json").read_text()) for p in CLEAN_SEEDS}


def test_header_fields_strict_f1_is_one_on_clean_seeds():
    report = evaluate([process_path(p) for p in CLEAN_SEEDS], CLEAN_GOLD, HEADER_FIELDS)
    assert report.documents == 4
    assert {f: report.f1(f) for f in HEADER_FIELDS} == {f: 1.0 for f in HEADER_FIELDS}


@pytest.mark.parametrize("path", CLEAN_SEEDS, ids=lambda p: p.name[:3])
def test_header_fields_from_flattened_document(path, flat_copy):
    rec = process_path(flat_copy(path))
    report = evaluate([rec], {path.stem: CLEAN_GOLD[path.stem]}, HEADER_FIELDS)
    assert report.wrong == {}


def test_exact_header_of_seed_000():
    r = process_path(seed("000"))
    assert r.doc_type == "tjänsteutlåtande"
    assert r.case_officer.name == "Catarina Klockerud" and r.case_officer.phone == "08-50805890"
    assert r.recipient_body == "Hässelby-Vällingby stadsdelsnämnd"
    assert r.document_date == "2023-09-28"
    assert r.diarienummer == ["KS 2023/740"]
    assert r.remiss.from_ == "Kommunstyrelsen"
    # provenance: the case officer's name points at its place in the source
    ev = r.provenance["case_officer.name"][0]
    raw = seed("000").read_text(encoding="utf-8")
    assert raw[ev.start:ev.end] == "Catarina Klockerud" and ev.page == 1 and not ev.ocr


def test_absent_values_are_null_not_guessed():
    r = process_path(seed("001"))
    assert r.case_officer is None and r.document_date is None and r.diarienummer == []


def test_switchboard_number_is_never_the_case_officers(tmp_path):
    p = tmp_path / "tu.txt"
    p.write_text("Handläggare\nPer Andersson\n\nTill\nFarsta stadsdelsnämnd\n2020-01-15\n\n"
                 "Ett ärende\n\nSammanfattning\nText.\n\nFarsta stadsdelsförvaltning\nVäxel 08-508 18 000\n",
                 encoding="utf-8")
    r = process_path(p)
    assert r.case_officer.name == "Per Andersson" and r.case_officer.phone is None


@pytest.mark.parametrize("text, dnr", [
    ("Ärende\nDnr: SDN 2019/123\n\nSammanfattning\nText.", ["SDN 2019/123"]),
    ("Ärende\nDnr 1.2.3-456/2019\n\nSammanfattning\nText.", ["1.2.3-456/2019"]),
    ("Ärende\nDiarienummer: T2019-01234\n\nSammanfattning\nText.", ["T2019-01234"]),
    ("Ärende\n\nSammanfattning\nInget diarienummer här, bara 2019/123 i texten.", []),
])
def test_diarienummer_shapes(tmp_path, text, dnr):
    p = tmp_path / "d.txt"
    p.write_text(text, encoding="utf-8")
    assert process_path(p).diarienummer == dnr


VARIANTS = sorted(p for p in (GOLD.parent / "variants").glob("*.txt")
                  if p.name[:3] in {f"v{i:02d}" for i in range(1, 12)} | {"h01", "h02", "h03"})


def test_header_fields_on_the_variant_documents():
    gold = {p.stem: json.loads((GOLD / f"{p.stem}.json").read_text()) for p in VARIANTS}
    report = evaluate([process_path(p) for p in VARIANTS], gold, HEADER_FIELDS)
    assert report.documents == 14
    assert report.wrong == {}


def test_title_skips_letterhead_and_type_line(tmp_path):
    p = tmp_path / "y.txt"
    p.write_text("Farsta stadsdelsförvaltning\nAvdelningen för social omsorg\n\nYttrande till kommunstyrelsen\n"
                 "Dnr FAR 2021/12\n\nRemiss om trygghetsprogram för Stockholm\n\nFörslag till beslut\n"
                 "Farsta stadsdelsnämnd överlämnar yttrandet.\n", encoding="utf-8")
    r = process_path(p)
    assert r.title == "Remiss om trygghetsprogram för Stockholm"
    assert r.recipient_body == "Kommunstyrelsen" and r.doc_type == "yttrande"
    assert r.diarienummer == ["FAR 2021/12"]


def test_remiss_from_in_running_text(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("Ett ärende\n\nSammanfattning\nKulturnämnden har remitterat förslaget till stadsdelsnämnderna.\n",
                 encoding="utf-8")
    assert process_path(p).remiss.from_ == "Kulturnämnden"


def test_scan_patterns_find_what_their_plain_forms_find():
    """ORG_RX and the Dnr patterns put their first character before the word-boundary test
    (so re can skip to candidate characters); they must find exactly what the plain
    patterns in their comments find."""
    import random
    import re

    from pipeline.extract import header as H
    W = H.W
    plain = {
        H.ORG_RX: rf"\b(?P<org>[A-ZÅÄÖ]{W}*(?:-[A-ZÅÄÖ]{W}+)*(?:\s+[a-zåäö]{W}*s(?=\s+stadsdels))?s?\s+"
                  rf"stadsdelsförvaltning|[A-ZÅÄÖ]{W}*(?:kontor|förvaltning))(?P<suffix>en|et|ets|ens|s)?\b",
        H.DNR_LABELLED_RX: r"\b(?:Dnr|Dnr\.|Diarienr|Diarienummer|Vårt dnr|Ert dnr|Ärendenummer)\s*:?\s*"
                           r"(?P<dnr>(?:[A-ZÅÄÖ]{1,6}[ -]?)?\d[\d.]*(?:[-/:][\d.]*\d)+)",
        H.DNR_SHAPE_RX: r"(?<![\w/])(?P<dnr>[A-ZÅÄÖ]{2,6} (?:19|20)\d\d[/:-]\d{1,6})(?![\w/])",
    }
    pieces = ["Dnr", "Dnr.", "Diarienr", "Diarienummer", "Vårt dnr", "Ert dnr", "Ärendenummer", ":", " ", "KS",
              "SDN", "T", "2019", "/", "-", "740", "1.2.3", "x", "a", "Ä", "\n", "Rinkeby-Kista", "Kista", "s",
              "stadsdelsförvaltning", "kontor", "förvaltning", "Trafik", "en", "ets", "stadsdels", "ingens", "_"]
    rng = random.Random(11)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(GOLD.parent.glob("*.txt"))]
    texts += ["".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(1, 10)))
              for _ in range(20000)]
    for rx, p in plain.items():
        ref = re.compile(p)
        for t in texts:
            assert [(m.span(), m.groupdict()) for m in rx.finditer(t)] == \
                   [(m.span(), m.groupdict()) for m in ref.finditer(t)], (p, t)
    # TILL_RX tests the white space before "Till" after it: its matches start at "Till"
    till = re.compile(rf"(?:^|\s)Till\s*:?\s+(?P<body>{H.BOARD}(?:\s+{H.BOARD})?)(?:\s+(?P<date>{H.ISO_DATE}))?")
    pieces = ["Till", "till", "xTill", " ", "\n", "\t", ":", "Kommunstyrelsen", "Norrmalm", "stadsdelsnämnd", "och",
              "2019-09-28", "Miljö-", "a"]
    texts += ["".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(1, 10)))
              for _ in range(20000)]
    found = 0
    for t in texts:
        got = [(m.end(), m.span("body"), m.groupdict()) for m in H.TILL_RX.finditer(t)]
        assert got == [(m.end(), m.span("body"), m.groupdict()) for m in till.finditer(t)], t
        found += len(got)
    assert found > 100


def test_organisation_scan_and_remiss_cues_find_what_the_whole_patterns_find():
    """ORG_RX is scanned only over runs of name characters around "kontor"/"förvaltning",
    the remiss cue as two patterns that open with a literal (_first_cue): the same matches
    as the whole patterns on the seeds and on generated texts."""
    import random
    import re

    from pipeline.extract import header
    cue = re.compile(r"[Rr]emiss(?:en|underlag|underlaget)?\s+fr[aå]n"
                     r"|\shar\s+(?:remitterat|skickat|gett|givit|berett|begärt|bjudit)")
    rnd = random.Random(4)
    parts = ["Stadsledningskontoret", "kontor", "förvaltning", " ", "\n", "-", "Vantörs", "stadsdelsförvaltning",
             "Maria-Gamla", "stans", "Miljöförvaltningen", "s", "1", "_", "é", "Kontoret", ".", "Trafikkontorets",
             "förslag", "ø", "en", "remiss", "Remissen", " från", " har ", "\thar  remitterat", "har skickat",
             "emiss", "R", "underlaget", "\tfrån"]
    texts = [header._uncap(p.read_text(encoding="utf-8")) for p in CLEAN_SEEDS]
    texts += ["".join(rnd.choice(parts) for _ in range(rnd.randint(0, 10))) for _ in range(20000)]
    for t in texts:
        assert [(m.span(), m.groupdict()) for m in header._org_matches(t)] == \
            [(m.span(), m.groupdict()) for m in header.ORG_RX.finditer(t)], t
        want = cue.search(t)
        assert header._first_cue(t) == (want.start() if want else None), t


def test_letterhead_shortcut_is_the_pattern():
    """_letterhead tests how a letterhead line can end or start before the pattern: the
    same answers as LETTERHEAD_LINE_RX on the seeds' lines and generated ones."""
    import random

    from pipeline.extract import header as H
    pieces = ["Vantörs", "Norrmalm", "stadsdelsförvaltning", "stadsdelsförvaltningen", "Trafik", "kontoret",
              "förvaltningen", "Avdelningen", "Enheten", "Sektionen", "Staben", "Kansliet", "Stockholms stad",
              "avdelningen", "enheten", "Kommun", "styrelsen", "styrelse", "nämnd", "nämnden", "fullmäktige",
              "departementet", "Regeringskansliet", "Länsstyrelsen", "och", "Miljö-", "s", "x", " ", "-", "Maria-Gamla",
              "stans", "Ä", "för", "Stadsdelsnämnden"]
    rng = random.Random(6)
    lines = [line.strip() for p in sorted(GOLD.parent.glob("*.txt"))
             for line in p.read_text(encoding="utf-8", errors="replace").split("\n")]
    lines += ["".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(1, 5))).strip()
              for _ in range(30000)]
    hits = 0
    for line in lines:
        want = bool(H.LETTERHEAD_LINE_RX.match(line))
        assert H._letterhead(line) == want, line
        hits += want
    assert hits > 1000
