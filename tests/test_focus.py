"""Focus areas and goals: exact values against gold (seeds, flattened seeds, variants),
evidence of areas named twice, and the genre's ways of writing areas on small documents."""
import json
from pathlib import Path

import pytest

from pipeline.evaluate import evaluate
from pipeline.process import process_path

from conftest import CLEAN_SEEDS, CORPUS, GOLD, seed

FIELDS = ["focus_areas.text", "focus_areas.goals"]


def gold(path: Path) -> list[dict]:
    return json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))["focus_areas"]


def areas(rec) -> list[dict]:
    return [{"text": a.text, "goals": a.goals} for a in rec.focus_areas]


@pytest.mark.parametrize("path", CLEAN_SEEDS, ids=lambda p: p.name[:3])
def test_clean_seed_focus_areas_exact(path):
    rec = process_path(path)
    assert not rec.errors, rec.errors
    assert areas(rec) == gold(path)


@pytest.mark.parametrize("path", CLEAN_SEEDS, ids=lambda p: p.name[:3])
def test_flattened_seed_focus_areas_exact(path, flat_copy):
    rec = process_path(flat_copy(path))
    assert not rec.errors, rec.errors
    assert areas(rec) == gold(path)


def test_damaged_seed_structure_and_repaired_values():
    rec = process_path(seed("002"))
    assert len(rec.focus_areas) == 6
    assert rec.repairs, "the repair stage changed nothing"
    assert areas(rec) == gold(seed("002"))


@pytest.mark.parametrize("prefix", ["000", "003"])
def test_area_named_in_summary_and_body_has_two_spans(prefix):
    rec = process_path(seed(prefix))
    for i, a in enumerate(rec.focus_areas):
        ev = rec.provenance[f"focus_areas[{i}]"]
        assert len(ev) == 2 and ev[0].start < ev[1].start, a.text
        assert all(e.text == a.text for e in ev)


def test_goal_evidence_points_at_goal_text():
    rec = process_path(seed("000"))
    ev = rec.provenance["focus_areas[4].goals[1]"]
    assert [e.text for e in ev] == ["Fler individer ska lämna kriminella miljöer/livsstil."]


def _doc(tmp_path, body: str) -> list[dict]:
    p = tmp_path / "doc.txt"
    p.write_text("Till\nBromma stadsdelsnämnd\n2022-01-10\n\nEtt ärende\n\nFörvaltningens förslag till beslut\n\n"
                 "Nämnden godkänner förslaget.\n\nÄrendet\n\n" + body + "\n\nBilagor\n\n1. Samverkansområden\n",
                 encoding="utf-8")
    rec = process_path(p)
    assert not rec.errors, rec.errors
    return areas(rec)


def A(text, goals=()):
    return {"text": text, "goals": list(goals)}


def test_bullets_with_en_dash_and_other_list_not_taken(tmp_path):
    body = ("Överenskommelsen pekar ut följande prioriterade samverkansområden:\n\n– Unga i risk för kriminalitet\n"
            "– Otillåten påverkan.\n\nSamverkande parter är:\n\n– Svenska Bostäder\n– Trafikkontoret\n")
    assert _doc(tmp_path, body) == [A("Unga i risk för kriminalitet"), A("Otillåten påverkan")]


def test_inline_numbered_and_next_sentence_enumeration(tmp_path):
    body = ("Den nya överenskommelsen innehåller tre fokusområden: 1) Trygga skolvägar, 2) Otrygga och "
            "brottsutsatta platser och 3) Våld i nära relation. Det tredje är nytt.\n\n"
            "I bilagan avgränsas prioriterade insatsområden. Dessa är trygga skolvägar, klotter och skadegörelse "
            "samt brott mot äldre.")
    assert _doc(tmp_path, body) == [A("Trygga skolvägar"), A("Otrygga och brottsutsatta platser"),
                                    A("Våld i nära relation"), A("Klotter och skadegörelse"), A("Brott mot äldre")]


def test_heading_with_bulleted_goals_after_goal_intro(tmp_path):
    body = ("För varje samverkansområde finns mätbara mål.\n\nTrygga skolvägar\n\n- Färre elever ska känna sig "
            "otrygga.\n- Fler vuxna ska finnas på plats.\n\nBrott mot äldre\n\n1. Fler äldre ska få stöd.\n")
    assert _doc(tmp_path, body) == [A("Trygga skolvägar", ["Färre elever ska känna sig otrygga.",
                                                           "Fler vuxna ska finnas på plats."]),
                                    A("Brott mot äldre", ["Fler äldre ska få stöd."])]


def test_table_rows_with_goals(tmp_path):
    body = ("Målen framgår av tabellen.\n\nFokusområde\tMål\nTrygga skolvägar\tFärre otrygga elever\n"
            "Trygga skolvägar\tFler vuxna på plats\nBrott mot äldre\tFler äldre får stöd\n")
    assert _doc(tmp_path, body) == [A("Trygga skolvägar", ["Färre otrygga elever", "Fler vuxna på plats"]),
                                    A("Brott mot äldre", ["Fler äldre får stöd"])]


def test_prose_without_enumeration_gives_no_area(tmp_path):
    body = ("I de lokala överenskommelserna enas parterna om inriktning, fokusområden, relevanta mål och form för "
            "uppföljning. De prioriterade samverkansområdena överensstämmer väl med målet Stockholm är en trygg, "
            "säker och välskött stad.")
    assert _doc(tmp_path, body) == []


def test_variants_f1():
    from tests.conftest import variant_report
    report = variant_report("focus_areas", FIELDS)
    for f in FIELDS:
        assert report.f1(f) >= 0.95, report.format()


def test_list_under_unrelated_heading_is_not_areas_but_foljande_omraden_is(tmp_path):
    body = ("Samverkan sker inom prioriterade samverkansområden enligt bilagan.\n\nArbetsgrupper\n\n- Trygga skolvägar\n"
            "- Brott mot äldre\n\nÖverenskommelsen omfattar följande områden:\n\n• Klotter och skadegörelse\n"
            "• Våld i nära relation\n")
    assert _doc(tmp_path, body) == [A("Klotter och skadegörelse"), A("Våld i nära relation")]


def test_enumeration_set_off_by_dashes_or_brackets(tmp_path):
    body = ("Förvaltningen ser positivt på förslaget. De fem prioriterade samverkansområdena – unga i riskzon, "
            "otrygga och brottsutsatta platser, systemhotande brottslighet samt kriminella miljöer och livsstilar – "
            "motsvarar väl de lokala utmaningarna.\n\nDe tre insatsområdena (klotter, inbrott och brott mot äldre) "
            "följs upp årligen.")
    assert _doc(tmp_path, body) == [A("Unga i riskzon"), A("Otrygga och brottsutsatta platser"),
                                    A("Systemhotande brottslighet"), A("Kriminella miljöer och livsstilar"),
                                    A("Klotter"), A("Inbrott"), A("Brott mot äldre")]


def test_label_line_with_semicolons(tmp_path):
    body = "Prioriterade områden: trygga offentliga miljöer; ungdomar i riskzon; våld i nära relationer och hedersvåld; brott mot äldre.\n"
    assert _doc(tmp_path, body) == [A("Trygga offentliga miljöer"), A("Ungdomar i riskzon"),
                                    A("Våld i nära relationer och hedersvåld"), A("Brott mot äldre")]


def test_lettered_list_after_an_area_intro(tmp_path):
    body = "Planen innehåller tre insatsområden:\n\na) tidiga insatser för unga\nb) föräldrastöd\nc) vuxennärvaro på kvällar\n"
    assert _doc(tmp_path, body) == [A("Tidiga insatser för unga"), A("Föräldrastöd"), A("Vuxennärvaro på kvällar")]


def test_numbered_areas_with_bulleted_goals(tmp_path):
    # indented sub-bullets, and unindented ones between two numbers, are the areas' goals
    body = ("Rådet har valt två prioriterade områden med följande mål:\n\n1. Ungdomar och alkohol\n"
            "   - Langningen ska minska.\n   - Färre unga ska vara berusade.\n2. Inbrott i bostäder\n"
            "   - Bostadsinbrotten ska minska.\n\nÅtgärderna redovisas i bilagan.")
    want = [A("Ungdomar och alkohol", ["Langningen ska minska.", "Färre unga ska vara berusade."]),
            A("Inbrott i bostäder", ["Bostadsinbrotten ska minska."])]
    assert _doc(tmp_path, body) == want
    assert _doc(tmp_path, body.replace("   - ", "- ")) == want


def test_numbered_area_headings_with_goals(tmp_path):
    body = ("Överenskommelsen har två fokusområden.\n\nFokusområde 1: Otrygga platser\nArbetet riktas mot torget.\n"
            "Mål:\n• Otryggheten vid torget ska minska.\n\nFokusområde 2: Kriminella miljöer och livsstilar\n"
            "Mål:\n• Fler ska ta del av avhopparverksamheten.\n• Rekryteringen ska försvåras.\n\n"
            "Samverkande parter är Stockholmshem.")
    assert _doc(tmp_path, body) == [
        A("Otrygga platser", ["Otryggheten vid torget ska minska."]),
        A("Kriminella miljöer och livsstilar", ["Fler ska ta del av avhopparverksamheten.", "Rekryteringen ska försvåras."])]


def test_word_bullets_and_decimal_numbers(tmp_path):
    body = ("Överenskommelsen pekar ut följande prioriterade samverkansområden:\n\no Unga i risk för kriminalitet\n"
            "o Otillåten påverkan\n\nAvtalet har följande inriktning:\n\n2.1 Ungdomar\n2.2 Brottsoffer\n")
    assert _doc(tmp_path, body) == [A("Unga i risk för kriminalitet"), A("Otillåten påverkan"), A("Ungdomar"),
                                    A("Brottsoffer")]


def test_bullets_lost_by_ocr_after_the_first_item(tmp_path):
    """OCR often reads only the first bullet of a list; the rest of the block is still the list."""
    p = tmp_path / "ocr.txt"
    p.write_text("Ett ärende\n\nSammanfattning\n\nDe föreslagna prioriterade samverkansområdena är:\n\n"
                 "- Unga i riskzon för destruktivt beteende\nOtrygga och brottsutsatta platser\n"
                 "Systemhotande brottslighet\n\nFörvaltningen ställer sig positiv till förslaget.\n", encoding="utf-8")
    from pipeline.process import process_path
    assert [a.text for a in process_path(p).focus_areas] == [
        "Unga i riskzon för destruktivt beteende", "Otrygga och brottsutsatta platser", "Systemhotande brottslighet"]


def test_sentence_end_finds_what_its_plain_form_finds():
    """SENTENCE_END tests what precedes the mark after the mark (so re jumps from mark to
    mark); it must find exactly what the plain form finds."""
    import random
    import re

    from pipeline.extract.focus import SENTENCE_END
    plain = re.compile(r"(?<!\bt\.ex)(?<!\bbl\.a)(?<!\bm\.m)(?<!\bs\.k)(?<![A-ZÅÄÖ])[.!?](?=\s+[A-ZÅÄÖ0-9”\"]|\s*$)")
    pieces = ["t.ex", "bl.a", "m.m", "s.k", "T.ex", "at.ex", ".", "!", "?", " ", "  ", "\n", "\t", "\u00a0", "A", "Å",
              "a", "b", "1", "”", "\"", "ord", "Ord", "x.", "\r"]
    rng = random.Random(4)
    for _ in range(30000):
        t = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert [m.span() for m in SENTENCE_END.finditer(t)] == [m.span() for m in plain.finditer(t)], repr(t)


def test_sentences_of_the_text_are_those_of_each_line():
    """focus._sentences scans the whole text at once; the split is SENTENCE_END's over each
    line on its own (the spaces after a sentence's end skipped)."""
    import random
    import re

    from pipeline.extract import focus

    def per_line(text):
        out = []
        for para in re.finditer(r"[^\n]+", text):
            s = para.start()
            for m in focus.SENTENCE_END.finditer(para.group()):
                out.append((s, para.start() + m.end()))
                s = para.start() + m.end()
                while s < para.end() and text[s] == " ":
                    s += 1
            if s < para.end():
                out.append((s, para.end()))
        return out

    rnd = random.Random(5)
    pieces = [" ", "\n", "\t", "\r", ".", "!", "?", "ord", "Ord", "A.", "1", "”", "t.ex", "bl.a", "m.m", "s.k", "\u00a0"]
    texts = [seed("000").read_text(encoding="utf-8")]
    texts += ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 10))) for _ in range(20000)]
    for t in texts:
        assert focus._sentences(t) == per_line(t), repr(t)


def test_table_laid_out_column_after_column():
    """A header naming areas over its cells, a blank line (spaces on it too), then a header
    naming goals over as many: each cell an area with its goal; spans from the start of the
    cell's line (its indentation included), as the layout stage wrote it."""
    from pipeline.extract import focus
    text = ("Inledning.\n\nFokusområde\n  Otrygga platser\nUnga i riskzon\n \t\n"
            "Mål\nFärre brott\n  Fler vuxna ute\n\nSlut.")
    areas = focus.find_in_columns(text)
    assert [(a.text, [g for g, _ in a.goals]) for a in areas] == [
        ("Otrygga platser", ["Färre brott"]), ("Unga i riskzon", ["Fler vuxna ute"])]
    first = text.index("  Otrygga")
    assert areas[0].spans == [(first, first + len("  Otrygga platser"))]
    goal = text.index("  Fler")
    assert areas[1].goals[0][1] == (goal, goal + len("  Fler vuxna ute"))
    # three lines are needed under the area header: two blocks of two are no table
    assert focus.find_in_columns("Fokusområde\nA\n\nMål\nB") == []


def test_numbered_area_headings_in_capitals_and_roman_numerals():
    """The quick test for such a heading anywhere in the text (folded, case-sensitive) lets
    capitals, roman numerals and a tab after the word through, as the heading pattern does."""
    from pipeline.extract import focus
    text = "FOKUSOMRÅDE I: Otrygga platser\n- Färre brott.\nFokusområde\tII – Unga i riskzon\n- Fler vuxna.\n"
    assert [a.text for a in focus.find_area_headings(text)] == ["Otrygga platser", "Unga i riskzon"]
    assert focus.find_area_headings("Område för trygghet\nOmrådet är stort.\n") == []


def test_area_word_pattern_opens_with_its_first_letters():
    """KW's leading look-ahead names the first letter of every alternative: the same
    matches as the alternatives alone on generated folded texts."""
    import random
    import re

    from pipeline.extract.focus import KW
    head = "(?=[adfikmpstu])(?:"
    assert KW.rx.pattern.startswith(head) and KW.rx.pattern.endswith(")")
    plain = re.compile(KW.rx.pattern[len(head):-1])
    pieces = ["fokus", "samverkans", "insats", "mal", "prioriterade ", "prioriterat ", "utvecklings", "omrad", "omrade",
              "omraden", "omradena", "utmaningar", "fragor", "prioriteringar", "kategori", "foljande ", "inriktning",
              "dessa ", "tva ", "tre ", "fyra ", "fem ", "sex ", "sju ", "atta ", "nya ", " ", ":", "x", "e", "_", "\n"]
    rng = random.Random(2)
    found = 0
    for _ in range(20000):
        t = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        got = [m.span() for m in KW.rx.finditer(t)]
        assert got == [m.span() for m in plain.finditer(t)], t
        found += len(got)
    assert found > 5000
