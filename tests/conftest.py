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
