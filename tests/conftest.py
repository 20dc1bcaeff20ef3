import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLD = CORPUS / "gold"
SEEDS = sorted(CORPUS.glob("00[0-9]_*.txt"))
CLEAN_SEEDS = [p for p in SEEDS if not p.name.startswith("002_")]


def seed(prefix: str) -> Path:
    return next(p for p in SEEDS if p.name.startswith(prefix))


def flatten_text(text: str) -> str:
    """A document as real exports sometimes flatten it: every run of white space one space."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def flat_copy(tmp_path):
    def make(path: Path) -> Path:
        out = tmp_path / path.name
        out.write_text(flatten_text(path.read_text(encoding="utf-8")), encoding="utf-8")
        return out
    return make


def variant_report(key: str, fields: list[str]):
    """Evaluate the variant documents whose gold has `key` on `fields`."""
    import json
    from pipeline.evaluate import evaluate
    from pipeline.process import process_path
    gold = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLD.glob("v*.json"))}
    gold = {stem: g for stem, g in gold.items() if key in g}
    assert gold, f"no variant gold with {key}"
    paths = [next((CORPUS / "variants").glob(f"{stem}.*")) for stem in gold]
    return evaluate([process_path(p) for p in paths], gold, fields)
