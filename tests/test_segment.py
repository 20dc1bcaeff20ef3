"""Sections by the genre's headings, in line layout, with OCR damage, and flattened."""
import pytest

from pipeline import ingest, segment
from pipeline.process import parse
from tests.conftest import CLEAN_SEEDS, seed


def headings(path):
    ctx = parse(ingest.read(path))
    return [(s.heading, s.kind) for s in ctx.sections[1:]]


@pytest.mark.parametrize("line, kind", [
    ("Förvaltningens förslag till beslut", "decision"),
    ("FÖRSLAG TILL BESLUT:", "decision"),
    ("Forslag till beslut", "decision"),          # OCR lost the ö
    ("2. Sammanfattning", "summary"),
    ("Arendets beredning", "preparation"),
    ("Trafikkontorets synpunkter", "views"),
    ("Socialförvaltningens förslag till beslut", "decision"),
    ("Bilagor", "attachments"),
    ("Bilaga", "attachments"),
    ("Attesterat av", "attestation"),
    ("Jämställdhetsanalys och barnrättighetsanalys", "equality"),
    ("Ärendet läggs till handlingarna.", None),
    ("Stockholm ska vara en trygg och säker stad att bo, arbeta och vistas i.", None),
])
def test_heading_kind(line, kind):
    assert segment.heading_kind(line) == kind


def test_seed_000_sections():
    assert headings(seed("000")) == [
        ("Förvaltningens förslag till beslut", "decision"), ("Sammanfattning", "summary"),
        ("Bakgrund", "background"), ("Ärendet", "matter"), ("Stadsövergripande handlingsplan", "other"),
        ("Lokal samverkansöverenskommelse", "other"), ("Ärendets beredning", "preparation"),
        ("Förvaltningens synpunkter och förslag", "views"), ("Bilagor", "attachments"),
        ("Attesterat av", "attestation")]


def test_ocr_damaged_headings_found():
    kinds = [k for _, k in headings(seed("002"))]
    assert kinds[0] == "decision" and "preparation" in kinds and kinds.count("decision") == 2


@pytest.mark.parametrize("path", CLEAN_SEEDS, ids=lambda p: p.name[:3])
def test_flattened_document_keeps_its_main_sections(path, flat_copy):
    line_kinds = [k for _, k in headings(path) if k != "other"]
    flat_kinds = [k for _, k in headings(flat_copy(path))]
    assert flat_kinds == line_kinds


def test_fold_is_translate_and_white_space_collapsed():
    """fold() = lower case, _FOLD translated, white-space runs one space, ends stripped,
    on ASCII and non-ASCII lines, every white-space character and every folded one."""
    import random
    import re
    import sys

    from pipeline.segment import _FOLD, fold

    spaces = [chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace()]
    alphabet = list("abcXYZ 16&§-:.") + [chr(k) for k in _FOLD] + [chr(k).upper() for k in _FOLD] + spaces
    rng = random.Random(3)
    lines = ["", " ", "Förslag till beslut", "  ÄRENDETS\u00a0BEREDNING: ", "6vergripande &tgärder\t\n",
             "x" * 250 + " Bilaga  1"]
    lines += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40))) for _ in range(3000)]
    for line in lines:
        assert fold(line) == re.sub(r"\s+", " ", line.lower().translate(_FOLD)).strip(), repr(line)
