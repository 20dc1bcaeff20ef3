"""The Swedish lexicon of the repair stage, loaded once per process.

Built by scripts/build_lexicon.py from hunspell-sv and wordfreq into models/lexicon/:
- forms.marisa.gz      every lower-cased word form -> (compound role bits, wordfreq zipf*100);
- skeletons.marisa.gz  the *skeleton* index, built at build time: the form with å/ä→a,
  ö→o, é→e -> the forms that have it. OCR with an English model keeps a word's skeleton
  more or less intact while losing the dots, so a damaged word is repaired by looking its
  possible skeletons up (see pipeline/repair.py);
- meta.json            the search bound (best frequency per word length) and sources;
- skeleton_keys.marisa.gz  the skeletons alone (a plain trie: fast prefix walks), and
  skeleton_roles.gz the roles of each skeleton's forms together, a byte per key id;
- ends.marisa.gz       the skeletons of the forms that may end a compound, reversed: one
  lookup finds every end part a string can have (`Lexicon.min_end`), so the compound
  search skips at once the readings no compound can explain;
- bigrams.marisa.gz    the context model (see `Bigrams`);
- readings.marisa.gz   precomputed context-free readings of the skeletons of every word
  wordfreq lists (token -> repair reading, see pipeline/repair.py `_reading`), stamped in
  meta.json with the search's fingerprint and the sizes of the files above.

The tries are marisa-trie structures (compact, loaded in a few tens of milliseconds
instead of parsing a million lines). Lookups go through small per-process caches that
keep the dict-like API (`lex.roles.get(w, 0)`, `lex.zipf.get(w)`,
`lex.by_skeleton.get(skel)`). `lexicon()` returns the shared instance.
"""
from __future__ import annotations

import gzip
import json
import math
from functools import lru_cache
from pathlib import Path

import marisa_trie

WORD, BEGIN, MIDDLE, END, PROPER, STEM = 1, 2, 4, 8, 16, 32
MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "lexicon"
FORMS_FMT = "<BH"          # roles, zipf*100
BIGRAM_FMT = "<I"          # count
CACHE_LIMIT = 400_000      # entries per lookup cache before it is emptied (bounded memory)

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "à": "a", "ü": "u"})


def skeleton(word: str) -> str:
    """Lower-case form without the letters English OCR loses: 'Överenskommelsen' -> 'overenskommelsen'."""
    return word.lower().translate(_FOLD)


class _Forms:
    """form -> (roles, zipf), cached; shared by the `roles` and `zipf` views."""

    def __init__(self, trie: marisa_trie.RecordTrie):
        self.trie = trie
        self.cache: dict[str, tuple[int, float]] = {}

    def entry(self, w: str) -> tuple[int, float]:
        e = self.cache.get(w)
        if e is None:
            r = self.trie.get(w)
            e = (r[0][0], r[0][1] / 100) if r else (0, 0.0)
            if len(self.cache) > CACHE_LIMIT:
                self.cache.clear()
            self.cache[w] = e
        return e


class _Roles:
    def __init__(self, forms: _Forms):
        self._f = forms

    def get(self, w: str, default: int = 0) -> int:
        return self._f.entry(w)[0] or default

    def __getitem__(self, w: str) -> int:
        return self._f.entry(w)[0]

    def __contains__(self, w: str) -> bool:
        return self._f.entry(w) != (0, 0.0)

    def __len__(self) -> int:
        return len(self._f.trie)


class _Zipf:
    def __init__(self, forms: _Forms):
        self._f = forms

    def get(self, w: str, default: float = 0.0) -> float:
        return self._f.entry(w)[1] or default


class _Skeletons:
    """skeleton -> forms with roles (a list, or the default when there are none), and
    whether a string begins some skeleton (for the pruned candidate search). `keys`:
    the skeletons alone, a plain trie (prefix walks on it are ten times faster than on
    the trie that also holds the forms); the forms trie if there is none."""

    def __init__(self, trie: marisa_trie.BytesTrie, keys: marisa_trie.Trie | None = None):
        self.trie = trie
        self.keys = keys if keys is not None else trie
        self.cache: dict[str, list[str]] = {}
        self.prefixes: dict[str, bool] = {}
        self.heads_cache: dict[str, tuple[int, ...]] = {}

    def get(self, s: str, default=None):
        v = self.cache.get(s)
        if v is None:
            v = [b.decode("utf-8") for b in self.trie.get(s, ())]
            if len(self.cache) > CACHE_LIMIT:
                self.cache.clear()
            self.cache[s] = v
        return v or default

    def heads(self, s: str) -> tuple[int, ...]:
        """Lengths j (longest first, 2 <= j <= len(s) - 2) where s[:j] is a skeleton: the
        places a compound reading of s may be split (one trie walk instead of a lookup
        per position)."""
        v = self.heads_cache.get(s)
        if v is None:
            v = tuple(sorted((len(k) for k in self.keys.prefixes(s) if 2 <= len(k) <= len(s) - 2),
                             reverse=True))
            if len(self.heads_cache) > CACHE_LIMIT:
                self.heads_cache.clear()
            self.heads_cache[s] = v
        return v

    def has_prefix(self, p: str) -> bool:
        v = self.prefixes.get(p)
        if v is None:
            v = next(self.keys.iterkeys(p), None) is not None
            if len(self.prefixes) > CACHE_LIMIT:
                self.prefixes.clear()
            self.prefixes[p] = v
        return v


class Bigrams:
    """Context model: counts of adjacent lower-cased word pairs ('<s>' at sentence starts,
    '<num>' for numbers) in clean Swedish text (what it was built from is in meta.json and
    scripts/build_lexicon.py). `logp(a, b)` is log10 P(b | a) with a Dirichlet prior of
    K pseudo-counts spread by wordfreq's general frequency of b: the training text is
    small (a few hundred thousand words), so a pair it never saw is merely as likely as
    the word is in general, and a pair it saw counts for much more."""

    K = 50.0

    def __init__(self, pairs: marisa_trie.RecordTrie, unigrams: marisa_trie.RecordTrie):
        self.pairs, self.unigrams = pairs, unigrams
        self.cache: dict[tuple[str, str], int] = {}     # a reading is weighed against its twins: counts recur

    def count(self, a: str, b: str = "") -> int:
        v = self.cache.get((a, b))
        if v is None:
            r = self.pairs.get(f"{a} {b}") if b else self.unigrams.get(a)
            v = r[0][0] if r else 0
            if len(self.cache) > CACHE_LIMIT:
                self.cache.clear()
            self.cache[(a, b)] = v
        return v

    def logp(self, a: str, b: str, zipf_b: float) -> float:
        p_b = 10 ** (min(max(zipf_b, 1.0), 7.5) - 9)
        return math.log10((self.count(a, b) + self.K * p_b) / (self.count(a) + self.K))

    def between(self, prev: str, words: tuple[str, ...], nxt: str, zipf) -> list[float]:
        """logp(prev, w, zipf(w)) + logp(w, nxt, zipf(nxt)) for each of the words, as
        logp computes them (zipf: word -> wordfreq zipf)."""
        count, k, log10 = self.count, self.K, math.log10
        c_prev = count(prev) + k
        p_nxt = 10 ** (min(max(zipf(nxt), 1.0), 7.5) - 9)
        return [log10((count(prev, w) + k * 10 ** (min(max(zipf(w), 1.0), 7.5) - 9)) / c_prev) +
                log10((count(w, nxt) + k * p_nxt) / (count(w) + k)) for w in words]


class Lexicon:
    def __init__(self, forms: marisa_trie.RecordTrie, skels: marisa_trie.BytesTrie,
                 max_zipf: list[float], bigrams: Bigrams | None = None,
                 readings: marisa_trie.BytesTrie | None = None, readings_meta: dict | None = None,
                 ends: marisa_trie.Trie | None = None, skeleton_keys: marisa_trie.Trie | None = None,
                 skeleton_roles: bytes | None = None):
        f = _Forms(forms)
        self.entry = f.entry                   # form -> (roles, zipf)
        self.roles = _Roles(f)                 # form -> role bits (0: frequency only)
        self.zipf = _Zipf(f)                   # form -> wordfreq zipf (0 if unknown)
        self.by_skeleton = _Skeletons(skels, skeleton_keys)    # skeleton -> forms with roles
        self.max_zipf = max_zipf               # best zipf by word length (search bound)
        self.bigrams = bigrams
        self.readings = readings               # token -> precomputed reading (see repair)
        self.readings_meta = readings_meta or {}
        self._with_role: dict[tuple[str, int], tuple[str, ...]] = {}
        self.ends = ends                       # reversed skeletons of compound ends
        # the roles any form of a skeleton has, by skeleton_keys id (lets with_role skip
        # the forms of a skeleton none of which has the role)
        self.skeleton_roles = skeleton_roles if skeleton_keys is not None else None

    def with_role(self, skel: str, role: int) -> tuple[str, ...]:
        """Forms of a skeleton that may take one of the roles (cached)."""
        if self.skeleton_roles is not None:
            i = self.by_skeleton.keys.get(skel)
            if i is None or not self.skeleton_roles[i] & role:
                return ()   # no form of it has the role: no need to look at the forms
        key = (skel, role)
        v = self._with_role.get(key)
        if v is None:
            entry = self.entry
            v = tuple(f for f in self.by_skeleton.get(skel, ()) if entry(f)[0] & role)
            if len(self._with_role) > CACHE_LIMIT:
                self._with_role.clear()
            self._with_role[key] = v
        return v

    def begins_compound(self, s: str, longest: int) -> bool:
        """Is a prefix of s, 2 to longest letters long (longest <= len(s) - 2), the
        skeleton of a form that may begin a compound?"""
        if self.skeleton_roles is None:
            return any(j <= longest and self.with_role(s[:j], BEGIN) for j in self.by_skeleton.heads(s))
        roles = self.skeleton_roles
        return any(2 <= len(k) <= longest and roles[i] & BEGIN
                   for k, i in self.by_skeleton.keys.iter_prefixes_with_ids(s))

    def min_end(self, s: str) -> int:
        """Length of the shortest end of s (2 <= length <= len(s) - 2) that is the skeleton
        of a form that may end a compound; 0 when there is none; -1 without the index."""
        if self.ends is None:
            return -1
        for k in self.ends.iter_prefixes(s[::-1]):
            if len(k) >= 2:
                return len(k) if len(k) <= len(s) - 2 else 0
        return 0

    def is_word(self, w: str) -> bool:
        """A form the dictionary accepts on its own (not only inside compounds)."""
        return bool(self.roles.get(w.lower(), 0) & WORD)

    def freq(self, w: str) -> float:
        return self.zipf.get(w.lower(), 0.0)

    def forms(self, skel: str, role: int = WORD) -> list[str]:
        return [f for f in self.by_skeleton.get(skel, ()) if self.roles[f] & role]


def _trie(cls, path: Path, *fmt):
    t = cls(*fmt)
    return t.frombytes(gzip.decompress(path.read_bytes()))


def load(model_dir: Path = MODEL_DIR) -> Lexicon:
    if not (model_dir / "meta.json").exists():
        raise FileNotFoundError(f"{model_dir}: lexicon model missing; build it with "
                                "scripts/build_lexicon.py")
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    forms = _trie(marisa_trie.RecordTrie, model_dir / "forms.marisa.gz", FORMS_FMT)
    skels = _trie(marisa_trie.BytesTrie, model_dir / "skeletons.marisa.gz")
    bigrams = None
    if (model_dir / "bigrams.marisa.gz").exists():
        bigrams = Bigrams(_trie(marisa_trie.RecordTrie, model_dir / "bigrams.marisa.gz", BIGRAM_FMT),
                          _trie(marisa_trie.RecordTrie, model_dir / "unigrams.marisa.gz", BIGRAM_FMT))
    ends = keys = None
    if (model_dir / "ends.marisa.gz").exists():
        ends = _trie(marisa_trie.Trie, model_dir / "ends.marisa.gz")
    roles = None
    if (model_dir / "skeleton_keys.marisa.gz").exists():
        keys = _trie(marisa_trie.Trie, model_dir / "skeleton_keys.marisa.gz")
        if (model_dir / "skeleton_roles.gz").exists():
            roles = gzip.decompress((model_dir / "skeleton_roles.gz").read_bytes())
    readings, rmeta = None, meta.get("readings")
    # the table belongs to this lexicon only if it was built from these very files
    if rmeta and (model_dir / "readings.marisa.gz").exists() and rmeta.get("lexicon") == _files_stamp(model_dir):
        readings = _trie(marisa_trie.BytesTrie, model_dir / "readings.marisa.gz")
    return Lexicon(forms, skels, meta["max_zipf"], bigrams, readings, rmeta, ends, keys, roles)


def _files_stamp(model_dir: Path) -> list[int]:
    """Sizes of the lexicon files the precomputed readings were computed from."""
    return [(model_dir / n).stat().st_size for n in ("forms.marisa.gz", "skeletons.marisa.gz")]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return load()
