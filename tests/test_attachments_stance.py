"""Attachments, stance and parties: exact values against gold (clean seeds and variants, as
written and flattened), the OCR-damaged seed, case numbers on attachment lines, stance evidence."""
import json
from pathlib import Path

import pytest

from pipeline import ingest
from pipeline.extract import Out, attachments, stance
from pipeline.extract.attachments import split_title
from pipeline.process import Options, parse, process_path

from conftest import CLEAN_SEEDS, CORPUS, GOLD, seed

ALL_VARIANTS = sorted((CORPUS / "variants").glob("*.txt"))
# h04–h12 were written as held-out documents (gold before the first run); as written they are
# regression documents now, but their flattened copies are not asserted: a one-line copy of a
# protocol or a cp1252 file loses what those documents test (line layout, the encoding)
HELD_OUT = [p for p in ALL_VARIANTS if p.name[:3] in {f"h{i:02d}" for i in range(4, 13)}]
VARIANTS = [p for p in ALL_VARIANTS if p not in HELD_OUT]
KEYS = ["attachments", "stance", "parties"]


def gold(path: Path) -> dict:
    g = json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))
    return {k: g[k] for k in KEYS}


def got(rec) -> dict:
    d = rec.to_dict()
    return {k: d[k] for k in KEYS}


@pytest.mark.parametrize("path", CLEAN_SEEDS + VARIANTS + HELD_OUT, ids=lambda p: p.stem[:24])
def test_exact(path):
    rec = process_path(path)
    assert not rec.errors, rec.errors
    assert got(rec) == gold(path)


@pytest.mark.parametrize("path", CLEAN_SEEDS + VARIANTS, ids=lambda p: p.stem[:24])
def test_exact_on_flattened_copy(path, flat_copy):
    assert got(process_path(flat_copy(path))) == gold(path)


def test_damaged_seed():
    before = process_path(seed("002"), Options(repair=False))
    assert before.stance == "positive"          # cues are matched on folded text
    assert [a.number for a in before.attachments] == [1]
    assert got(process_path(seed("002"))) == gold(seed("002"))


@pytest.mark.parametrize("raw, title, dnr", [
    ("Samverkansöverenskommelse Stockholm stad och Polisregion Stockholm (KS 2023/740)",
     "Samverkansöverenskommelse Stockholm stad och Polisregion Stockholm", "KS 2023/740"),
    ("Remiss om överenskommelse, dnr KS 2019/905", "Remiss om överenskommelse", "KS 2019/905"),
    ("Remiss – Övergripande överenskommelse, KS 2023/740", "Remiss – Övergripande överenskommelse", "KS 2023/740"),
    ("Protokollsutdrag (Dnr 1.4.1-356/2016).", "Protokollsutdrag", "1.4.1-356/2016"),
    ("Samverkansöverenskommelse mellan Lokalpolisområde Norrmalm och\n Norrmalms stadsdelsförvaltning.",
     "Samverkansöverenskommelse mellan Lokalpolisområde Norrmalm och Norrmalms stadsdelsförvaltning", None),
    ("Lokal samverkansöverenskommelse Farsta 2021–2022", "Lokal samverkansöverenskommelse Farsta 2021–2022", None),
])
def test_split_title(raw, title, dnr):
    assert split_title(raw) == (title, dnr)


def run(tmp_path, text: str, module) -> Out:
    p = tmp_path / "doc.txt"
    p.write_text(text, encoding="utf-8")
    out = Out(parse(ingest.read(p)))
    module.extract(out.ctx, out)
    return out


HEAD = "Till\nKungsholmens stadsdelsnämnd\n2021-02-02\n\nRemiss av program\n\nFörslag till beslut\n\n" \
       "Kungsholmens stadsdelsnämnd överlämnar tjänsteutlåtandet som svar på remissen.\n\nFörvaltningens synpunkter\n\n"


def test_wrapped_attachment_lines_and_bullets(tmp_path):
    out = run(tmp_path, HEAD + "Text.\n\nBilagor\n\n- Förslag till program för trygghet\n  i Kungsholmen\n"
                              "- Remissmissiv, dnr KS 2021/77\n", attachments)
    assert out.values["attachments"] == [
        {"number": None, "title": "Förslag till program för trygghet i Kungsholmen", "diarienummer": None},
        {"number": None, "title": "Remissmissiv", "diarienummer": "KS 2021/77"}]


@pytest.mark.parametrize("views, want", [
    ("Förvaltningen ställer sig positiv till förslaget.", "positive"),
    ("Förvaltningen avstyrker förslaget.", "negative"),
    ("Förvaltningen välkomnar förslaget men är kritisk till finansieringen.", "mixed"),
    ("Förvaltningen har inga synpunkter på remissen.", "neutral"),
    ("Förvaltningen anser inte att förslaget bör genomföras.", "negative"),
    ("Förvaltningen redogör för ärendet.", None),
    ("Förvaltningen är i huvudsak positiv till planen men avstyrker förslaget om fältassistenterna.", "mixed"),
    ("Nämnden är därför negativ till förslaget.", "negative"),
])
def test_stance(tmp_path, views, want):
    out = run(tmp_path, HEAD + views + "\n", stance)
    assert out.values.get("stance") == want
    if want:
        assert [e.text for e in out.provenance["stance"]] == [views]


def test_mixed_stance_cites_both_polarities():
    rec = process_path(CORPUS / "variants" / "v02_socialnamnden_sok2023_yttrande.txt")
    texts = [e.text for e in rec.provenance["stance"]]
    assert any("positiv" in t for t in texts) and any("avstyrker" in t for t in texts)


def test_numbered_items_read_as_a_stream(tmp_path):
    """OCR of a rendered page: an item wrapped onto the next line together with the next item,
    two items on one line, and a page footer after the list."""
    out = run(tmp_path, HEAD + "Text.\n\nBilagor\n\n1 Överenskommelse mellan staden och Polisregion\n"
                              "Stockholm 2 Prioriterade områden\nBilaga 3. Remissmissiv, dnr KS 2021/77 Bilaga 4.\n"
                              "Åtgärdsplan 2021\n\nstockholm.se\n", attachments)
    assert [(a["number"], a["title"], a["diarienummer"]) for a in out.values["attachments"]] == [
        (1, "Överenskommelse mellan staden och Polisregion Stockholm", None), (2, "Prioriterade områden", None),
        (3, "Remissmissiv", "KS 2021/77"), (4, "Åtgärdsplan 2021", None)]


def test_unnumbered_title_wrapped_after_a_function_word(tmp_path):
    out = run(tmp_path, HEAD + "Text.\n\nBilaga\n\nRemiss av överenskommelse mellan Stockholms stad och\n"
                              "Polisregion Stockholm, dnr KS 2019/905\n\nstockholm.se\n", attachments)
    assert out.values["attachments"] == [{"number": None, "diarienummer": "KS 2019/905",
                                          "title": "Remiss av överenskommelse mellan Stockholms stad och Polisregion Stockholm"}]


@pytest.mark.parametrize("sentence, want", [
    ("I rådet ingår stadsdelsförvaltningen, Västerortspolisen, Familjebostäder och Bromma gymnasium.",
     ["Västerortspolisen", "Familjebostäder", "Bromma gymnasium"]),
    ("Sedan 1997 har en arbetsgrupp med representanter för förvaltningen, Farsta närpolis och Stockholmshem "
     "arbetat med trygghetsfrågor.", ["Farsta närpolis", "Stockholmshem"]),
    ("Utöver förvaltningen och polisen deltar Stockholmshem och Skarpnäcks fritidsgård i arbetet.",
     ["Stockholmshem", "Skarpnäcks fritidsgård"]),
    ("Förvaltningen samarbetar sedan 2002 med Maria Magdalena församling och Söderpolisen om nattvandringar.",
     ["Maria Magdalena församling", "Söderpolisen"]),
    ("Kontoret gör trygghetsvandringar tillsammans med trafikkontoret och exploateringskontoret.",
     ["Trafikkontoret", "Exploateringskontoret"]),
    # the clause after the party is no party ("… ska upprätta underavtal som reglerar villkor och åtaganden")
    ("Stadsdelsnämnderna ska tillsammans med polisen upprätta underavtal som reglerar villkor och åtaganden.", []),
])
def test_parties_named_in_running_text(tmp_path, sentence, want):
    from pipeline.extract import parties
    out = run(tmp_path, HEAD + sentence + "\n", parties)
    assert out.values.get("parties", []) == want


def test_no_stance_on_the_office_s_own_proposal(tmp_path):
    # not a remiss answer: the office's view of its own agreement is no stance; filing the matter is
    head = "Till\nKommunstyrelsen\n2012-05-02\n\nSamverkansavtal 2012–2015\n\nFörslag till beslut\n\n" \
           "Kommunstyrelsen godkänner avtalet.\n\nStadsledningskontorets synpunkter\n\n"
    assert run(tmp_path, head + "Kontoret anser att avtalet är bra.\n", stance).values.get("stance") is None
    assert run(tmp_path, head + "Ärendet läggs till handlingarna.\n", stance).values.get("stance") == "neutral"


def test_abbreviated_bilaga_and_org_names_with_a_place():
    from pipeline.extract import parties
    assert [(i["number"], i["title"]) for i in attachments.parse(
        "Bilagor\nBilaga 1: Program för staden\nBil. 2: Arbetsordning för rådet\n", 0, 68)] == [
        (1, "Program för staden"), (2, "Arbetsordning för rådet")]
    assert parties._name_tail("Polismyndigheten i Stockholms län 2012–2015") == "Polismyndigheten i Stockholms län"
    assert parties._name_tail("Polisen i samverkan") == "Polisen"
