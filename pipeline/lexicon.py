"""The Swedish lexicon of the repair stage, loaded once per process.

models/lexicon/forms.tsv.gz (built by scripts/build_lexicon.py from hunspell-sv-se and
wordfreq) gives every lower-cased word form its compound roles and its frequency. On top
of it the loader builds a *skeleton* index: the form with å/ä→a, ö→o, é→e. OCR with an
English model keeps a word's skeleton more or less intact while losing the dots, so a
damaged word is repaired by looking its possible skeletons up (see pipeline/repair.py).

`lexicon()` returns the shared instance; the first call reads the file (about a second).
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

WORD, BEGIN, MIDDLE, END, PROPER, STEM = 1, 2, 4, 8, 16, 32
MODEL = Path(__file__).resolve().parents[1] / "models" / "lexicon" / "forms.tsv.gz"

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "à": "a", "ü": "u"})


def skeleton(word: str) -> str:
    """Lower-case form without the letters English OCR loses: 'Överenskommelsen' -> 'overenskommelsen'."""
    return word.lower().translate(_FOLD)


@dataclass
class Lexicon:
    roles: dict[str, int] = field(default_factory=dict)    # form -> role bits (0: frequency only)
    zipf: dict[str, float] = field(default_factory=dict)   # form -> wordfreq zipf (0 if unknown)
    by_skeleton: dict[str, list[str]] = field(default_factory=dict)  # skeleton -> forms with roles
    max_zipf: list[float] = field(default_factory=lambda: [0.0] * 64)  # by word length (search bound)

    def is_word(self, w: str) -> bool:
        """A form the dictionary accepts on its own (not only inside compounds)."""
        return bool(self.roles.get(w.lower(), 0) & WORD)

    def freq(self, w: str) -> float:
        return self.zipf.get(w.lower(), 0.0)

    def forms(self, skel: str, role: int = WORD) -> list[str]:
        return [f for f in self.by_skeleton.get(skel, ()) if self.roles[f] & role]


def load(path: Path = MODEL) -> Lexicon:
    if not path.exists():
        raise FileNotFoundError(f"{path}: lexicon model missing; build it with "
                                "scripts/build_lexicon.py")
    lex = Lexicon()
    roles, zipf, by_skel = lex.roles, lex.zipf, lex.by_skeleton
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            form, r, z = line.rstrip("\n").split("\t")
            r = int(r)
            roles[form] = r
            if z != "0":
                zf = zipf[form] = int(z) / 100
                n = min(len(form), 63)
                if r and zf > lex.max_zipf[n]:
                    lex.max_zipf[n] = zf
            if r:
                s = form.translate(_FOLD)
                lst = by_skel.get(s)
                if lst is None:
                    by_skel[s] = [form]
                else:
                    lst.append(form)
    return lex


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return load()
