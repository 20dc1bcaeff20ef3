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
