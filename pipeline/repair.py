"""Stage 3, repair: restore å/ä/ö and other OCR damage, never touch correct text.

Scans OCR'd with an English model lose every å/ä/ö ("Trafikndmnden dverldmnar" =
"Trafiknämnden överlämnar"); scans OCR'd with the Swedish model sometimes invent dots
("söm"). The stage runs small fixers in a fixed order:

1. `fix_unicode`  ligatures and invisible characters (everywhere; ingest already ran ftfy)
2. per page, `assess()` decides whether the page is damaged (too few å/ä/ö for Swedish,
   many words out of the lexicon, OCR confusion characters). Clean pages are left as
   they are; on damaged pages:
   `fix_boundaries` token-boundary artefacts: "samverkans- överenskommelsen" (a lost
                  line break), "6verens kommelsen" (a split word); "trygghets- och" stays
   then per word:
   `fix_casing`   "stadsOvergripande", "LoKala"
   `fix_word`     confusion-model readings (d/i/é/&/6/§ … for å/ä/ö, ia/éa/ai for å/ä,
                  rn/m, mn/rn, i/t/l, a lost ö; lost inside a word: whole words only)
                  looked up by skeleton in the lexicon (pipeline/lexicon.py; the
                  skeleton index is built at build time),
                  compounds split, scored by confusion cost and word frequency; a valid
                  but rarer original ("for", "mal") gives way to a much more frequent
                  same-skeleton word ("för", "mål"); `fix_glued` when two damaged words
                  ran together ("6vergripandesamverkansdéverenskommelsen")
   `fix_context`  hand-written rules for the pairs grammar decides: "per ar" -> "per år"
                  but "ar att" -> "är att"; "bor kunna" -> "bör kunna"; an infinitive
                  after "att"/"ska" ("att starka" -> "att stärka"); a lone "1" -> "i"
   `fix_bigram`   the other twin readings ("laget"/"läget", "utgér" -> "utgår"/"utgör")
                  decided by the bigram context model (pipeline/lexicon.py `Bigrams`,
                  built from Swedish text in Debian packages and the genre variants —
                  never from the seeds or their gold, see scripts/build_lexicon.py)
3. on OCR'd pages that are not damaged, `fix_invented_dots` ("änalys" -> "analys").

Protected: numbers, diarienummer-like codes, e-mail and web addresses, abbreviations
("t.ex."), names the dictionary knows, all-capital short acronyms. Every change goes
through TextBuilder with flag REPAIRED and is recorded as a RepairChange in
`doc.repairs` (raw offsets, original, replacement, confidence, fixer).

Speed: a token's context-free reading, and whether it is a word and has anything for its
neighbours to decide, is looked up in a table precomputed at build time for the skeletons
of every listed word and for the listed words as English OCR commonly writes them
("m6jlig", "méjlig", "mdjlig"; models/lexicon/readings.marisa.gz, used only when its
fingerprint matches this search: `_table_entry`), else searched; listed words without
cheap confusions or dotted twins are accepted at once (`_stable`); readings dear enough
to be whole words only are grown along the skeleton trie and kept only if a word has
them (`variants`); a reading with no head that may begin a compound and no end that may
end one is not split (`_may_split`); decisions are cached per process; `repair_text`
splits a text once and looks only at the tokens with something to decide (`_Props`,
`_plan`).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress, count
from operator import not_
from typing import Callable, Optional

from .lexicon import BEGIN, END, MIDDLE, PROPER, STEM, WORD, lexicon, skeleton
from .textmap import REPAIRED, MappedText, TextBuilder

# ---------------------------------------------------------------- tokens and protection

# a word as OCR writes it: letters plus the characters English OCR puts for å/ä/ö
TOKEN = re.compile(r"[\w&§{|]+")
PROTECTED = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"                      # e-mail
    r"|(?:https?://|www\.)\S+|\b[\w-]+\.(?:se|nu|com|org|eu|net)\b(?:/\S*)?"  # web
    r"|\b[A-ZÅÄÖ]{1,6}[ -]?\d{1,4}[/:-]\d{1,6}(?:[/:-]\d+)*\b"  # diarienummer: TN 2019-01234
    r"|\b\d+(?:[.,:/-]\d+)*\b",                          # numbers and dates
)
CONFUSION_CHARS = set("&§{6é|")


_VOWELISH = frozenset("aeiouyåäöéAEIOUYÅÄÖÉ6&§4")     # vowels and what English OCR writes for them


@lru_cache(maxsize=200_000)
def _wordlike(tok: str) -> bool:
    """Letters, possibly with the digits English OCR writes for letters ("6ka", "f6ljas");
    codes such as "E4", "A3" or "Kf2019" are not words."""
    if tok.isalpha():   # the common case, in C
        return not (3 <= len(tok) <= 4 and _VOWELISH.isdisjoint(tok))
    if not any(c.isalpha() for c in tok) or "_" in tok:
        return False
    if 3 <= len(tok) <= 4 and _VOWELISH.isdisjoint(tok):
        return False    # no vowel: an abbreviation ("Dnr", "tfn", "st")
    digits = [c for c in tok if c.isdigit()]
    return not digits or (all(c in "614" for c in digits) and len(tok) - len(digits) >= 1
                          and tok[:1] != "1" and len(tok) >= 2)
SWEDISH_DOTS = set("åäöÅÄÖ")


# ---------------------------------------------------------------- fixer 1: unicode

_ODD = {"\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
        "ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
_ODD_RE = re.compile("[" + "".join(_ODD) + "]")


def fix_unicode(mt: MappedText) -> MappedText:
    """Ligatures and invisible characters (soft hyphens, zero-width marks)."""
    # most texts hold none: a substring test per character (C; one that cannot occur in
    # the text's string kind returns at once) instead of a regex scan of every page
    if not any(c in mt.text for c in _ODD):
        return mt
    return mt.sub(_ODD_RE, lambda m: _ODD[m.group(0)], flag=REPAIRED)


# ---------------------------------------------------------------- damage detection

@dataclass
class Assessment:
    letters: int
    dotted: int          # å/ä/ö
    words: int
    unknown: int         # lower-case words the lexicon rejects
    confusion: int       # words holding &, §, 6, é inside letters
    damaged: bool

    @property
    def dotted_rate(self) -> float:
        return self.dotted / self.letters if self.letters else 0.0

    @property
    def unknown_rate(self) -> float:
        return self.unknown / self.words if self.words else 0.0


def assess(text: str) -> Assessment:
    """Is this block OCR-damaged? Swedish prose has about one å/ä/ö in 25 letters; English
    OCR keeps none and leaves a fifth or more of the words out of the lexicon."""
    # every page is assessed twice (alone and in the whole document), clean ones too:
    # the counts of each distinct token are looked up once (_TokenCounts) and added in C,
    # a white-space chunk at a time (_ChunkCounts: str.split instead of a regex scan); the
    # å/ä/ö too (letters, so in tokens), instead of a scan of the text per letter
    letters, confusion, words, unknown, dotted = _unpack(sum(map(_CHUNK_COUNTS.__getitem__, text.split())))
    return _verdict(letters, dotted, words, unknown, confusion)


_FIELD = 40   # bits per count in a packed sum: no count exceeds the text's length (< 2**40)


def _unpack(v: int) -> tuple[int, int, int, int, int]:
    """(letters, confusion, counted words, unknown words, å/ä/ö) from their packed sum."""
    mask = (1 << _FIELD) - 1
    return (v & mask, (v >> _FIELD) & mask, (v >> 2 * _FIELD) & mask, (v >> 3 * _FIELD) & mask,
            v >> 4 * _FIELD)


class _TokenCounts(dict):
    """token -> its letters (every letter of a text is in a TOKEN), its å/ä/ö, and for
    tokens of 3+ characters _token_verdict's counts, packed into one int (_unpack), so
    that a page's counts are one sum over its tokens (cached per process)."""

    def __missing__(self, w: str) -> int:
        if len(self) > 400_000:
            self.clear()
        # a first-seen token costs a miss here (a dozen per document): letters counted in
        # C when every character is one, the common case
        letters = len(w) if w.isalpha() else sum(map(str.isalpha, w))
        dotted = 0 if w.isascii() else sum(map(w.count, SWEDISH_DOTS))
        c, wd, unk = _token_verdict(w) if len(w) >= 3 else (0, 0, 0)
        v = self[w] = letters | c << _FIELD | wd << 2 * _FIELD | unk << 3 * _FIELD | dotted << 4 * _FIELD
        return v


_TOKEN_COUNTS = _TokenCounts()


class _ChunkCounts(dict):
    """A run of non-blank characters -> the packed sum of its TOKENs' counts. No TOKEN
    holds white space (no character is both), so a text's TOKENs are those of its
    str.split chunks, and its counts their sum. Chunks recur across documents (words
    with their punctuation: 85% of the chunks of the corpus documents, read in one pass
    from an empty cache, had been seen); cached per process."""

    def __missing__(self, chunk: str) -> int:
        if len(self) > 400_000:
            self.clear()
        if chunk.isalnum():   # one TOKEN (every alphanumeric character is a \w)
            v = self[chunk] = _TOKEN_COUNTS[chunk]
        else:
            v = self[chunk] = sum(map(_TOKEN_COUNTS.__getitem__, TOKEN.findall(chunk)))
        return v


_CHUNK_COUNTS = _ChunkCounts()


def _verdict(letters: int, dotted: int, words: int, unknown: int, confusion: int) -> Assessment:
    rate = dotted / letters if letters else 0.0
    unk = unknown / words if words else 0.0
    if letters < 150:   # too little to judge; the caller falls back to the whole document
        damaged = False
    else:
        damaged = (rate < 0.012 and (unk > 0.06 or confusion >= 2)) or unk > 0.2
    return Assessment(letters, dotted, words, unknown, confusion, damaged)


def _assess_whole(text: str, blocks: list[tuple[int, int, object]], parts: list[Assessment]) -> Assessment:
    """assess(text) from the assessments of the blocks that tile it: the counts add up
    unless a token runs across a block boundary, then the text is assessed again."""
    if not blocks or blocks[0][0] != 0 or blocks[-1][1] != len(text) or any(
            a[1] != b[0] for a, b in zip(blocks, blocks[1:])):
        return assess(text)
    for _, end, _ in blocks[:-1]:
        if 0 < end < len(text) and TOKEN.match(text, end - 1, end) and TOKEN.match(text, end, end + 1):
            return assess(text)
    return _verdict(*(sum(getattr(a, f) for a in parts) for f in ("letters", "dotted", "words", "unknown", "confusion")))


def _token_verdict(w: str) -> tuple[int, int, int]:
    """(confusion, counted word, unknown word) for one token of 3+ characters (`assess`;
    cached there, in _TOKEN_COUNTS)."""
    alpha = w.isalpha()
    confusion = int(not CONFUSION_CHARS.isdisjoint(w) and (alpha or any(map(str.isalpha, w))))
    if not alpha or not w.islower():
        return confusion, 0, 0
    return confusion, 1, int(not is_valid(w))


# ---------------------------------------------------------------- lexicon analysis

@lru_cache(maxsize=200_000)
def is_valid(w: str) -> bool:
    """Does Hunspell's dictionary accept this lower-case word (alone or as a compound)?"""
    lex = lexicon()
    if lex.roles.get(w, 0) & WORD:
        return True
    return _compound_parts(w) is not None


@lru_cache(maxsize=200_000)
def _compound_parts(w: str) -> Optional[tuple[str, ...]]:
    """_compound(w) with the lexicon's roles (cached: is_valid and wzipf both ask)."""
    parts = _compound(w, lexicon().roles, 0)
    return tuple(parts) if parts is not None else None


def _compound(s: str, roles: dict, depth: int) -> Optional[list[str]]:
    """Split a real (dotted) word into compound parts: BEGIN (MIDDLE)* END, parts >= 2 letters."""
    if depth > 3:
        return None
    # longest head first; only where the head's skeleton is a skeleton can it be a form
    for j in lexicon().by_skeleton.heads(skeleton(s)):
        head = s[:j]
        r = roles.get(head, 0)
        if not r & (MIDDLE if depth else BEGIN):
            continue
        tail = s[j:]
        if roles.get(tail, 0) & END:
            return [head, tail]
        rest = _compound(tail, roles, depth + 1)
        if rest:
            return [head] + rest
    return None


def _best_form(forms, lex) -> str:
    if len(forms) == 1:
        return forms[0]
    return max(forms, key=lambda f: (lex.zipf.get(f, 0.0), f))


MARK_PENALTY = 1.5


def _fits(form: str, marked: str) -> bool:
    """A marked skeleton: 'A' where the OCR letter can only have been å/ä, 'O' where it can
    only have been ö (English OCR reads a plain a/o correctly; a 'd' or 'é' read for an 'a'
    means dots were there)."""
    for f, m in zip(form, marked):
        if (m == "A" and f not in "åä") or (m == "O" and f != "ö"):
            return False
    return True


def _pick(forms: list[str], marked: str, lex) -> tuple[str, float]:
    """Best form for a marked skeleton and the penalty for marks it ignores."""
    if marked.islower():
        return _best_form(forms, lex), 0.0
    fit = [f for f in forms if _fits(f, marked)]
    if fit:
        return _best_form(fit, lex), 0.0
    return _best_form(forms, lex), MARK_PENALTY


def _analyze(marked: str, lex, memo: dict, prefix_ok: bool = False,
             split: bool = True) -> Optional[tuple[str, float, int]]:
    """Best real word for a marked skeleton: (form, lexical score, parts). Whole words
    score by frequency; compounds get a fixed, lower score that falls with the number of
    parts; ignored marks cost MARK_PENALTY. split=False: whole words only (the caller
    knows no compound reading can win)."""
    key = (marked, prefix_ok, split)
    if key in memo:
        return memo[key]
    best = None
    skel = marked.lower()
    forms = lex.with_role(skel, WORD | (BEGIN if prefix_ok else 0))
    if forms:
        f, pen = _pick(forms, marked, lex)
        best = (f, max(lex.zipf.get(f, 0.0), 1.5) - pen, 1)
    if split and len(skel) >= 6 and (best is None or best[1] < 1.5) and (prefix_ok or _may_split(skel, lex)):
        sp = _split(marked, lex, memo, 0, prefix_ok)
        if sp is not None and (best is None or sp[1] > best[1]):
            best = sp
    memo[key] = best
    return best


def _may_split(s: str, lex) -> bool:
    """Can the skeleton s be a compound at all: a head that may begin one and, after
    it, an end that may end one (`Lexicon.min_end`)? A cheap test that spares the
    compound search most readings (the search would find nothing either)."""
    v = _MAY_SPLIT.get(s)
    if v is None:
        shortest = lex.min_end(s)
        v = shortest < 0 or (shortest > 0 and lex.begins_compound(s, len(s) - shortest))
        if len(_MAY_SPLIT) > MEMO_LIMIT:
            _MAY_SPLIT.clear()
        _MAY_SPLIT[s] = v
    return v


_MAY_SPLIT: dict[str, bool] = {}


def _split(marked: str, lex, memo: dict, depth: int, prefix_ok: bool) -> Optional[tuple[str, float, int]]:
    key = ("/split", marked, depth, prefix_ok)
    if key in memo:
        return memo[key]
    best = None
    skel = marked.lower()
    if depth <= 3:
        head_role = MIDDLE if depth else BEGIN
        end_role = END | ((BEGIN | WORD) if prefix_ok else 0)
        for j in lex.by_skeleton.heads(skel):
            heads = lex.with_role(skel[:j], head_role)
            if not heads:
                continue
            h, hp = _pick(heads, marked[:j], lex)
            tails = lex.with_role(skel[j:], end_role)
            if tails:
                t, tp = _pick(tails, marked[j:], lex)
                cand = (h + t, 1.2 - hp - tp, 2)
            else:
                rest = _split(marked[j:], lex, memo, depth + 1, prefix_ok)
                if not rest:
                    continue
                cand = (h + rest[0], rest[1] - 0.4 - hp, rest[2] + 1)
            # longest head first; stop at the first clean two-part split
            if best is None or cand[1] > best[1]:
                best = cand
            if best[2] == 2 and best[1] >= 1.2:
                break
    memo[key] = best
    return best


# ---------------------------------------------------------------- confusion model

# OCR character (lower-case) -> [(marked skeleton letters, cost)]. Skeleton 'a' covers
# a/å/ä and 'o' covers o/ö, so a plain a/o needs no alternative; 'A'/'O' mark a letter
# that must have been dotted. Weights from English-OCR'd Swedish scans (issue 5).
SUBS: dict[str, list[tuple[str, float]]] = {
    "d": [("A", 1.0), ("O", 1.3)],
    "i": [("A", 1.4), ("t", 1.8), ("l", 2.0), ("O", 2.0)],
    "é": [("A", 0.4), ("O", 0.4), ("e", 0.6)],
    "è": [("A", 0.6), ("O", 0.8), ("e", 0.6)],
    "á": [("A", 0.4)], "à": [("A", 0.4)], "ó": [("O", 0.4)], "ò": [("O", 0.4)],
    "&": [("A", 0.2)], "6": [("O", 0.1)], "4": [("A", 0.6)], "§": [("O", 0.3)], "{": [("f", 0.8)],
    "1": [("i", 0.8), ("l", 1.2)], "|": [("l", 0.8), ("i", 1.0)],
    "n": [("i", 2.4)], "m": [("rn", 1.8)],
}
# two OCR characters for one dotted letter ("striacker", "féar", "tjdnsteutlaitande")
PAIRS: dict[str, list[tuple[str, float]]] = {
    "6é": [("O", 0.1)], "é6": [("O", 0.1)], "oé": [("O", 0.5)], "éo": [("O", 0.5)],
    "6o": [("O", 0.3)], "dé": [("O", 0.4)], "6g": [("O", 0.4)],
    "ia": [("A", 0.9)], "éa": [("A", 0.3)], "ai": [("A", 1.0)], "éi": [("A", 0.3)],
    "id": [("A", 1.2)], "da": [("A", 1.2)], "éd": [("A", 1.2), ("O", 1.2)], "rn": [("m", 1.8)], "ii": [("A", 1.4), ("u", 1.8)],
    "gé": [("O", 1.0)], "aa": [("a", 1.4)], "mn": [("rn", 1.4)],
}
DROP_COST = 1.6     # a lost ö/å/ä: insert 'O' or 'A'
MAX_COST = 3.4
MAX_VARIANTS = 400
_PLAIN = set("abcdefghijklmnopqrstuvwxyzåäöü")
_FOLD_MARK = {"å": "A", "ä": "A", "ö": "O"}
_OPTIONS: dict[str, tuple] = {}     # OCR character -> its readings with costs


def variants(word: str, max_cost: float = MAX_COST, whole_above: float = 99.0) -> list[tuple[str, float]]:
    """Marked skeletons the OCR'd lower-case word may stand for, cheapest first.
    Readings dearer than whole_above can only be whole words (candidates() splits no
    compound there), so they are grown only along the skeleton trie: a prefix no
    skeleton begins with is dropped at once (most dear readings die within letters),
    and only the skeletons of words are kept."""
    return _variants(word, max_cost, whole_above)[0]


def _variants(word: str, max_cost: float, whole_above: float) -> tuple[list[tuple[str, float]], set[str]]:
    """variants(), and those of them that only a whole word may explain (a letter lost
    inside the word)."""
    out = _readings(word, max_cost, whole_above)
    if out is None:     # too many readings for the walk: the position-by-position table
        out = {t: c for t, c in _readings_by_position(word, max_cost, whole_above).items()
               if c <= whole_above or t.lower() in lexicon().by_skeleton.keys}
    # a deleted ö/å/ä: word-initial ("verenskommelsen") after any other damage, inside
    # the word only in an otherwise undamaged reading and only as a whole word (rarer,
    # dear to search; as a compound part "fil" would pass for "fiol", "sid" for "sido")
    inner: set[str] = set()
    skels = lexicon().by_skeleton
    has_prefix, trie = skels.has_prefix, skels.keys
    for s, c in list(out.items()):
        k = c + DROP_COST + 0.0
        if k > max_cost:
            continue
        low = s.lower()
        for v, x in (("O", "o"), ("A", "a")):
            t = v + s
            if k < out.get(t, 99) and (k <= whole_above or (has_prefix(x + low[:2]) and x + low in trie)):
                out[t] = k
        if c == 0:
            k = c + DROP_COST + 0.4
            for j in range(1, len(s) + 1):
                head = low[:j]
                if not has_prefix(head):
                    break
                for v, x in (("O", "o"), ("A", "a")):
                    if head + x + low[j:] in trie:
                        t = s[:j] + v + s[j:]
                        if k < out.get(t, 99):
                            out[t] = k
                            inner.add(t)
    return [(a, c) for c, a in sorted(zip(out.values(), out.keys()))[:MAX_VARIANTS]], inner


def _options(c: str) -> tuple:
    """An OCR character's readings with costs (its own letter, if plain, costs nothing)."""
    one = _OPTIONS.get(c)
    if one is None:
        one = ((_FOLD_MARK.get(c, c), 0.0),) if c in _PLAIN else ()
        one = _OPTIONS[c] = one + tuple(SUBS.get(c, ()))
    return one


# where a reading may branch: a character with other readings, or the first of a pair
_BRANCH = re.compile("[" + re.escape("".join(SUBS)) + "]|(?=" + "|".join(     # (pairs led by those are found anyway)
    re.escape(a) + "[" + re.escape("".join(sorted(p[1] for p in PAIRS if p[0] == a))) + "]"
    for a in sorted({p[0] for p in PAIRS} - set(SUBS))) + ")")
_DEAD = re.compile("[^" + re.escape("".join(sorted(_PLAIN | set(SUBS)))) + "]")   # no reading at all
_MARK = str.maketrans(_FOLD_MARK)


@lru_cache(maxsize=256)
def _shape(word: str) -> Optional[tuple[str, list[int], list[tuple]]]:
    """The word as a walk for _readings: its letters read as themselves, the places where
    the reading may branch (and len(word) last) and the readings at each of these
    places ((text, cost, letters read); none at the end). None: a character with no
    reading at all."""
    if _DEAD.search(word):
        return None
    branches = [m.start() for m in _BRANCH.finditer(word)]     # in order, each once
    opts = [_BRANCH_OPTS.get(word[i:i + 2]) or _branch_options(word[i:i + 2]) for i in branches]
    return word.translate(_MARK), branches + [len(word)], opts + [()]


_BRANCH_OPTS: dict[str, tuple] = {}


def _branch_options(pair: str) -> tuple:
    """The readings where the reading of a word may branch: its letter's and, if the
    next letter makes a pair of PAIRS, the pair's (text, cost, letters read)."""
    v = tuple((rep, k, 1) for rep, k in _options(pair[0]))
    v += tuple((rep, k, 2) for rep, k in PAIRS.get(pair, ())) if len(pair) == 2 else ()
    _BRANCH_OPTS[pair] = v
    return v


def _readings(word: str, max_cost: float, whole_above: float) -> Optional[dict[str, float]]:
    """Every reading of the word (marked skeleton -> cheapest cost; those dearer than
    whole_above only if they are a skeleton), walked depth first from one place where
    OCR may have misread to the next (the letters between are copied as they are). None
    when the walk grows past MAX_VARIANTS * 4 steps: then the caller builds the readings
    position by position, keeping the cheapest."""
    shape = _shape(word)
    if shape is None:
        return {}
    plain, branches, opts_at = shape
    n = len(word)
    skels = lexicon().by_skeleton
    has_prefix, trie = skels.has_prefix, skels.keys
    out: dict[str, float] = {}
    stack = [(0, "", 0.0)]
    steps = 0
    limit = MAX_VARIANTS * 4
    while stack:
        i, acc, cost = stack.pop()
        b = bisect_left(branches, i)    # the next branch point
        j = branches[b]
        if j > i:
            acc += plain[i:j]
            if cost > whole_above and not has_prefix(acc.lower()):
                continue
        if j == n:
            if cost < out.get(acc, 99) and (cost <= whole_above or acc.lower() in trie):
                out[acc] = cost
            continue
        steps += 1
        if steps > limit:
            return None
        for rep, k, step in opts_at[b]:
            k += cost
            if k <= max_cost:
                t = acc + rep
                if k <= whole_above or has_prefix(t.lower()):
                    stack.append((j + step, t, k))
    return out


def _readings_by_position(word: str, max_cost: float, whole_above: float) -> dict[str, float]:
    """_readings() built position by position (at[i] = {marked prefix of word[:i]:
    cheapest cost}), keeping the MAX_VARIANTS * 4 cheapest prefixes at each position."""
    n = len(word)
    has_prefix = lexicon().by_skeleton.has_prefix
    at: list[dict[str, float]] = [{} for _ in range(n + 1)]
    at[0][""] = 0.0
    for i in range(n):
        cur = at[i]
        if not cur:
            continue
        if len(cur) > MAX_VARIANTS * 4:     # keep the cheapest prefixes
            cur = dict(sorted(cur.items(), key=lambda kv: kv[1])[:MAX_VARIANTS * 4])
        one = _options(word[i])
        two = PAIRS.get(word[i:i + 2], ()) if i + 1 < n else ()
        nxt, nxt2 = at[i + 1], (at[i + 2] if two else None)
        for acc, cost in cur.items():
            for rep, k in one:
                k += cost
                if k <= max_cost:
                    t = acc + rep
                    if k < nxt.get(t, 99) and (k <= whole_above or has_prefix(t.lower())):
                        nxt[t] = k
            for rep, k in two:
                k += cost
                if k <= max_cost:
                    t = acc + rep
                    if k < nxt2.get(t, 99) and (k <= whole_above or has_prefix(t.lower())):
                        nxt2[t] = k
    return at[n]


@dataclass
class Candidate:
    form: str       # lower-case repaired word
    cost: float     # confusion cost
    lexscore: float

    @property
    def score(self) -> float:
        return self.lexscore - 1.6 * self.cost


COMPOUND_BEST = 1.2     # the best lexical score a compound reading gets (see _split)
_MEMO: dict = {}        # per-process analyses of marked skeletons (see candidates)
MEMO_LIMIT = 500_000
SPLIT_MAX_COST = 2.0    # dearer readings are tried as whole words only


@lru_cache(maxsize=100_000)
def candidates(word: str, prefix_ok: bool = False, max_cost: float = MAX_COST,
               split_max: float = SPLIT_MAX_COST) -> tuple[Candidate, ...]:
    """Best candidates for an OCR'd lower-case word, best first (at most 3). Readings are
    tried cheapest first; compound splitting (the costly part) only while a compound
    could still beat the best reading found."""
    lex = lexicon()
    # analyses depend only on the marked skeleton and the lexicon: shared by all words
    memo = _MEMO
    if len(memo) > MEMO_LIMIT:
        memo.clear()
    best: dict[str, Candidate] = {}
    top = -99.0
    # the best lexical score any word near this length gets (1.5: floor of listed words)
    mz = lex.max_zipf
    skel_trie = lex.by_skeleton.keys
    bound = max(1.5, max(mz[max(0, len(word) - 3):min(63, len(word) + 3)]))
    readings, inner = _variants(word, max_cost, split_max)
    for marked, cost in readings:
        if bound - 1.6 * cost < top - 0.5:   # cheaper readings already won; none can catch up
            break
        # compound splitting (the costly part) only for cheap readings, and only while a
        # compound could still beat the best reading found
        split = cost <= split_max and COMPOUND_BEST - 1.6 * cost >= top - 0.5 and marked not in inner
        if not split and max(mz[min(len(marked), 63)], 1.5) - 1.6 * cost < top - 0.5:
            continue    # no word of this length is frequent enough to win
        if not split and marked.lower() not in skel_trie:
            continue    # a whole word only, and no word has this skeleton
        a = _analyze(marked, lex, memo, prefix_ok, split)
        if a is None:
            continue
        form, lexscore, _ = a
        c = Candidate(form, cost, lexscore)
        top = max(top, c.score)
        if form not in best or c.score > best[form].score:
            best[form] = c
    return tuple(sorted(best.values(), key=lambda c: -c.score)[:3])


def wzipf(w: str) -> float:
    """Frequency of a word; a compound missing from the list is ranked by its last part."""
    lex = lexicon()
    z = lex.zipf.get(w)
    if z:
        return z
    parts = _compound_parts(w)
    return max(lex.zipf.get(parts[-1], 0.0) - 0.5, 0.0) if parts else 0.0


# ---------------------------------------------------------------- per-word decision

@dataclass(slots=True)
class Change:
    start: int
    end: int
    original: str
    replacement: str
    confidence: float
    fixer: str


def apply_case(pattern: str, word: str) -> str:
    if len(pattern) > 1 and pattern.isupper():
        return word.upper()
    if pattern[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def fix_casing(tok: str) -> str:
    """"stadsOvergripande" -> "stadsovergripande", "LoKala" -> "Lokala": capitals inside
    a lower-case word are OCR misreadings (of ö, of k); all-capital words stay."""
    if len(tok) < 3 or tok.isupper() or tok.islower():
        return tok
    if not any(c.islower() for c in tok[1:]):
        return tok
    return tok[0] + tok[1:].lower()


# OCR characters and pairs with a reading a real word gives way to (cost <= 1.5 in
# SUBS/PAIRS): a listed word without them, whose skeleton no other form shares, has no
# other reading fix_word could pick (see _stable)
_CHEAP_CHARS = frozenset(c for c, subs in SUBS.items() if min(k for _, k in subs) <= 1.5)
_CHEAP_PAIRS = tuple(p for p, subs in PAIRS.items() if min(k for _, k in subs) <= 1.5
                     and not _CHEAP_CHARS.intersection(p))


def _stable(low: str, lex) -> bool:
    """Fast accept: a listed word with no cheap confusion in it and no twin with other
    dots keeps itself (one lookup instead of the candidate search)."""
    if not lex.roles.get(low, 0) & WORD or not _CHEAP_CHARS.isdisjoint(low):
        return False
    if any(p in low for p in _CHEAP_PAIRS):
        return False
    return lex.by_skeleton.get(skeleton(low), ()) == [low]


def fix_word(tok: str, prefix_ok: bool = False) -> Optional[tuple[str, float]]:
    """Repair one OCR'd word (case kept); None when it should stay as it is."""
    low = tok.lower()
    lex = lexicon()
    if _stable(low, lex):
        return None
    valid = low.isalpha() and is_valid(low)
    # a real word only gives way to a cheap reading (below), so only those are searched
    # (a real word's compound readings: only the undamaged one, its twin with dots)
    cands = candidates(low, prefix_ok, 1.5, 0.0) if valid else candidates(low, prefix_ok)
    if not cands:
        return fix_glued(low)
    top = cands[0]
    if valid:
        # a real word gives way only to a much more frequent reading: "for" -> "för"
        # the alternative is the same word with dots ("for"/"för"), or a listed word one
        # cheap confusion away ("gillande"/"gällande"), never a guessed compound
        zo = wzipf(low)
        alt = next((c for c in cands if c.form != low and
                    (c.cost == 0 or (c.cost <= 1.5 and lex.zipf.get(c.form)))), None)
        if alt is None:
            return None
        za = wzipf(alt.form)
        # ... or, at small cost, to a very common word the original rarely is ("dn" -> "än")
        if za - zo < 0.5 + alt.cost and not (za >= 6.0 and zo < 5.0 and alt.cost <= 1.0):
            return None
        top = alt
    elif top.form == low:
        return None
    second = next((c.score for c in cands[1:] if c.form != top.form), top.score - 4)
    conf = round(min(0.99, 0.5 + 0.12 * (top.score - second)), 2)
    return top.form, conf


GLUE_MIN = 10           # shorter tokens are not taken for two glued words
GLUE_LEFT_SCORE = 2.0   # the first word must be a listed word (compounds score 1.2)


def fix_glued(low: str) -> Optional[tuple[str, float]]:
    """Token-boundary damage: two words run together and both damaged, which no single
    reading explains ("6vergripandesamverkansdéverenskommelsen" = "övergripande" +
    "samverkansöverenskommelsen", "extremismmilj6er"). Only for tokens that show OCR
    confusion characters (the search is dear); the parts are repaired and kept together
    as the source wrote them, with a lower confidence."""
    if len(low) < GLUE_MIN or not any(c in CONFUSION_CHARS for c in low):
        return None
    best = None
    heads = _word_heads(low, 1.5, GLUE_LEFT_SCORE)
    for j in range(3, len(low) - 2):
        if j not in heads:
            continue    # no reading of low[:j] is a word frequent enough to score GLUE_LEFT_SCORE
        left = candidates(low[:j], False, 1.5)
        if not left or left[0].score < GLUE_LEFT_SCORE or left[0].lexscore < GLUE_LEFT_SCORE:
            continue
        right = candidates(low[j:])
        if not right:
            continue
        score = left[0].score + right[0].score
        if best is None or score > best[0]:
            best = (score, left[0].form + right[0].form)
    if best is None or best[1] == low:
        return None
    return best[1], 0.6


def _word_heads(low: str, max_cost: float, min_zipf: float) -> set[int]:
    """The lengths j for which a reading of low[:j] (costing at most max_cost) is a word
    with a form at least min_zipf frequent: the readings of low walked letter by letter
    along the skeleton trie."""
    lex = lexicon()
    has_prefix = lex.by_skeleton.has_prefix
    n = len(low)
    found: set[int] = set()
    stack = [(0, "", 0.0)]
    while stack:
        i, acc, cost = stack.pop()
        if i and i not in found and any(lex.zipf.get(f, 0.0) >= min_zipf for f in lex.with_role(acc.lower(), WORD)):
            found.add(i)
        if i == n:
            continue
        for rep, k in _options(low[i]):
            k += cost
            if k <= max_cost and has_prefix((acc + rep).lower()):
                stack.append((i + 1, acc + rep, k))
        for rep, k in PAIRS.get(low[i:i + 2], ()) if i + 1 < n else ():
            k += cost
            if k <= max_cost and has_prefix((acc + rep).lower()):
                stack.append((i + 2, acc + rep, k))
    return found


# är/år: what stands before "år" (quantities, "per", "i") — otherwise "är"
_YEAR_LEFT = {"per", "varje", "ett", "i", "förra", "nästa", "samma", "två", "tre",
              "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "många", "några", "flera",
              "under", "efter", "inom", "senaste", "första", "andra", "tredje", "fjärde",
              "femte", "vart", "hela", "halvt", "nytt", "gott", "kommande",
              "föregående", "innevarande", "budgetåret", "tolv", "tjugo", "femtio", "hundra"}
_INF_MARK = {"att", "ska", "skall", "kan", "kunna", "bör", "måste", "vill", "får", "skulle", "kommer"}
_ONE_NOT_I = {"bilaga", "bilagor", "punkt", "nr", "kap", "kapitel", "sida", "sid", "s",
              "paragraf", "steg", "fas", "etapp", "klockan", "kl", "version", "alternativ",
              "del", "avsnitt", "tabell", "figur", "grupp", "område", "zon", "nivå", "bild",
              "den", "dnr", "nummer", "p", "artikel"}
# compounds ending in a numbering word ("underbilaga 1", "delkapitel 1"); not "område"
# or "mål", which "i" often follows ("lokalpolisområde i", "verksamhetsmål i")
_ONE_NOT_I_END = ("bilaga", "punkt", "kapitel", "avsnitt")
# what follows a number, never "i": a month ("1 januari", "1 jan."), "1 §", "1 kap",
# "1 st", amounts ("1 kr")
_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december")
_AFTER_NUMBER = set(_MONTHS) | {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
                                "okt", "nov", "dec", "§", "§§", "kap", "st", "stycket", "p",
                                "kr", "tkr", "mkr", "mnkr", "mdkr", "miljon", "miljard"}
_NEXT_WORD = re.compile(r"\s([^\W\d_]+|§+)\.?(\s+\d)?")
_RANGE_WORDS = {"och", "eller", "till", "resp", "respektive", "samt"}    # "1 och 2"


def _lone_one_is_i(text: str, s: int, e: int, prev: str) -> bool:
    """A lone "1" between words is the OCR's "i" ("brottslighet 1 staden"), unless it
    numbers something: "den 1 januari", "1 §", "1 kap", "bilaga 1", "nr 1", a list item
    at a line start, "1 och 2"."""
    m = _NEXT_WORD.match(text, e)
    if not (m and prev.isalpha()):
        return False
    if prev in _ONE_NOT_I or (len(prev) > 6 and prev.endswith(_ONE_NOT_I_END)):
        return False
    nxt = m.group(1).lower()
    if nxt in _AFTER_NUMBER or (m.group(2) and nxt in _RANGE_WORDS):
        return False
    return not _sentence_start(text, s)


def fix_context(low: str, prev: str, nxt: str, prev2: str = "") -> Optional[str]:
    """The readings only neighbours decide (prev/nxt are repaired, lower-case; prev2 is
    the word before prev)."""
    lex = lexicon()
    if prev in ("och", "eller") and prev2.endswith("a") and lex.roles.get(prev2, 0) & STEM \
            and lex.roles.get(prev2, 0) & WORD:
        prev = "att"    # "utveckla och stärka": a second infinitive
    if low in ("är", "år"):
        return "år" if (prev in _YEAR_LEFT or prev.isdigit() or nxt.isdigit()) else "är"
    if prev in _INF_MARK:
        # after "att", "ska", "kan" … a verb: the headword infinitive ("att stärka", not "starka")
        lex = lexicon()
        twins = [f for f in lex.by_skeleton.get(skeleton(low), ()) if f != low and f.endswith("a")]
        if (not lex.roles.get(low, 0) & STEM) and low.endswith("a"):
            heads = [f for f in twins if lex.roles[f] & STEM]
            if len(heads) == 1:
                return heads[0]
    if low in ("bor", "bör"):
        # "bör kunna", "bör avspeglas" (an infinitive follows) vs "bor i Stockholm"
        return "bör" if nxt.endswith(("a", "as")) and len(nxt) > 2 else low
    return None


# ---------------------------------------------------------------- context model

CONTEXT_MARGIN = 1.0    # log10: another reading must be ten times likelier between these neighbours
CONTEXT_SPREAD = 2.0    # readings this much rarer (zipf) than the chosen one are not weighed
CONTEXT_MIN_ZIPF = 2.0  # nor readings rarer than this in general


@lru_cache(maxsize=100_000)
def context_readings(low: str, alts: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The readings of a word that only its neighbours can decide between: its twins with
    and without dots ("saker"/"säker", "laget"/"läget", "mans"/"mäns") and the near-equal
    candidates of a damaged word (`alts`: "utgér" -> "utgör"/"utgår"), when they are
    common enough to compete. Empty when there is nothing to decide."""
    lex = lexicon()
    z0 = lex.zipf.get(low, 0.0)
    forms = set(alts) | set(lex.with_role(skeleton(low), WORD))
    forms = tuple(sorted(f for f in forms if f != low and lex.zipf.get(f, 0.0) >= max(CONTEXT_MIN_ZIPF, z0 - CONTEXT_SPREAD)))
    return (low,) + forms if forms else ()


@lru_cache(maxsize=200_000)
def fix_bigram(readings: tuple[str, ...], prev: str, nxt: str) -> Optional[tuple[str, float]]:
    """The reading the bigram model (pipeline/lexicon.py `Bigrams`) prefers between prev
    and nxt, when it beats the chosen one (readings[0]) by CONTEXT_MARGIN and the model
    has seen it next to one of them; else None. Returns (reading, margin)."""
    lex = lexicon()
    bg = lex.bigrams
    if bg is None or len(readings) < 2:
        return None
    scores = bg.between(prev, readings, nxt, lex.zipf.get)
    base = scores[0]
    best, gain = None, CONTEXT_MARGIN
    for f, score in zip(readings[1:], scores[1:]):
        g = score - base
        if g >= gain and (bg.count(prev, f) or bg.count(f, nxt)):
            best, gain = f, g
    return (best, gain) if best else None


_SENT_END = re.compile(r"[.!?:;]|\n\s*\n")


class _SentenceEnds(dict):
    """text between two words -> does a sentence end there (cached: mostly " ")."""

    def __missing__(self, sep: str) -> bool:
        if len(self) > 100_000:
            self.clear()
        v = self[sep] = _SENT_END.search(sep) is not None
        return v


_ENDS_SENTENCE = _SentenceEnds()


def _prev_for_model(seps: list[str], idx: int, prev: str) -> str:
    """The previous word as the context model knows it: '<s>' across a sentence end,
    '<num>' for a number (seps[k]: the text before token k)."""
    if idx == 0 or not prev or _ENDS_SENTENCE[seps[idx]]:
        return "<s>"
    return "<num>" if prev.isdigit() else prev


def _next_for_model(text: str, words: list[str], starts: list[int], idx: int, e: int) -> str:
    """The next word's likely reading (its own context-free repair)."""
    if idx + 1 >= len(words) or _ENDS_SENTENCE[text[e:starts[idx + 1]]]:
        return "<s>"
    t = words[idx + 1]
    if t.isdigit():
        return "<num>"
    if _wordlike(t) and len(t) > 1:
        return _decide(t, False)[1]
    return t.lower()


# ---------------------------------------------------------------- the stage

# PROTECTED's alternatives one by one: most texts hold no "@", "www." or ".se", numbers
# and codes start at a run of digits (found in the few tokens that are not all letters),
# so each alternative is tried only where it can start, not at every character
_PROTECTED_PARTS = [re.compile(p) for p in (
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    r"(?:https?://|www\.)\S+",
    r"\b[\w-]+\.(?:se|nu|com|org|eu|net)\b(?:/\S*)?",
    r"\b[A-ZÅÄÖ]{1,6}[ -]?\d{1,4}[/:-]\d{1,6}(?:[/:-]\d+)*\b",
    r"\b\d+(?:[.,:/-]\d+)*\b",
)]
assert "|".join(p.pattern for p in _PROTECTED_PARTS) == PROTECTED.pattern
_EMAIL, _URL, _DOMAIN, _DNR, _NUMBER = _PROTECTED_PARTS
_DOMAIN_END = re.compile(r"\.(?:se|nu|com|org|eu|net)\b")     # in every _DOMAIN match
_DIGITS = re.compile(r"\d+")
_DIGIT = re.compile(r"\d").match
_WORD_CHAR = re.compile(r"\w").match


def _domain_search(text: str, pos: int):
    """_DOMAIN.search(text, pos): a match starts in the run of word characters and
    hyphens before a ".se" (or another domain ending)."""
    while True:
        h = _DOMAIN_END.search(text, pos)
        if h is None:
            return None
        d = h.start()
        r = d
        while r > pos and (text[r - 1] == "-" or _WORD_CHAR(text[r - 1])):
            r -= 1
        for q in range(r, d):
            m = _DOMAIN.match(text, q)
            if m:
                return m
        pos = d + 1


def _protected_spans(text: str, words: Optional[list[str]] = None,
                     starts: Optional[list[int]] = None) -> list[tuple[int, int]]:
    """PROTECTED.finditer(text) spans (words, starts: the text's tokens and where they
    start, if known), found alternative by alternative: from where the last match
    ended, the next match starts where the first alternative can match, and is the
    match of the first alternative (in PROTECTED's order) that matches there."""
    if words is None:
        parts = _TOKEN_SPLIT.split(text)
        words = parts[1::2]
        starts = list(accumulate(map(len, parts)))[0::2]
    # digits are word characters, so every run of digits is inside a token
    runs = [(starts[k] + m.start(), starts[k] + m.end())
            for k in compress(count(), map(not_, map(str.isalpha, words))) for m in _DIGITS.finditer(words[k])]
    # a number starts a run of digits that follows no word character; a code
    # ("TN 2019-01234") starts at most 10 characters before a digit, separator, digit:
    # every match of either, in order of where it starts
    numbers = [m for m in (_NUMBER.match(text, a) for a, _ in runs if a == 0 or not _WORD_CHAR(text[a - 1])) if m]
    codes = []
    last = -1
    for _, b in runs:
        if text[b:b + 1] in ("/", ":", "-") and _DIGIT(text, b + 1):
            for q in range(max(last + 1, b - 11), b):
                m = _DNR.match(text, q)
                if m:
                    codes.append(m)
            last = b - 1

    def first_from(matches: list) -> Callable:
        """search(text, pos) over matches found beforehand."""
        at = [m.start() for m in matches]

        def search(text: str, pos: int):
            i = bisect_left(at, pos)
            return matches[i] if i < len(matches) else None
        return search

    searches = []
    if "@" in text:
        searches.append(_EMAIL.search)
    if "www." in text or "http" in text:
        searches.append(_URL.search)
    if any(t in text for t in (".se", ".nu", ".com", ".org", ".eu", ".net")):
        searches.append(_domain_search)
    if codes:
        searches.append(first_from(codes))
    if numbers:
        searches.append(first_from(numbers))
    nxt = [f(text, 0) for f in searches]
    spans = []
    pos = 0
    while True:
        start = -1
        for i, m in enumerate(nxt):
            if m is not None and m.start() < pos:
                m = nxt[i] = searches[i](text, pos)
            if m is not None and (start < 0 or m.start() < start):
                start = m.start()
        if start < 0:
            return spans
        m = next(m for m in nxt if m is not None and m.start() == start)
        spans.append(m.span())
        pos = m.end()


def _is_abbrev(text: str, s: int, e: int) -> bool:
    """"t.ex.", "bl.a.", "s." — a short word glued to a dot."""
    return e < len(text) and text[e] == "." and (e - s <= 3) and (
        (s > 0 and text[s - 1] == ".") or (e + 1 < len(text) and text[e + 1].isalpha()))


def _sentence_start(text: str, s: int) -> bool:
    i = s - 1
    while i >= 0 and text[i] in " \t\"'‘’“”(»":
        i -= 1
    if i < 0 or text[i] == "\n":
        return True
    return text[i] in ".:!?•-–"


# a numbered list item ("1. Stärka stadens förmåga …") states goals as infinitives
_LIST_ITEM = re.compile(r"(?:^|\n)\s*\d{1,2}[.)]\s+$")
_CONTEXT_WORDS = {"är", "år", "bor", "bör"}
_CONTEXT_PREV = _INF_MARK | {"och", "eller"}


@lru_cache(maxsize=200_000)
def _decide(tok: str, prefix_ok: bool) -> tuple[str, str, float, str, tuple[str, ...]]:
    """Context-free part of a word's repair (cached per process): (word with casing
    fixed, repaired lower-case reading, confidence, fixer, near-equal other readings of
    a damaged word for the context model)."""
    new, conf, fixer = tok, 1.0, ""
    cased = fix_casing(tok)
    if cased != tok:
        new, conf, fixer = cased, 0.9, "casing"
    low = new.lower()
    r, alts = _reading(low, prefix_ok)
    if r is not None:
        low, conf = r
        fixer = "ocr-confusion"
    return new, low, conf, fixer, alts


def reading_search(low: str, prefix_ok: bool = False) -> tuple[Optional[tuple[str, float]], tuple[str, ...]]:
    """A lower-case token's context-free reading by the search: fix_word's answer and,
    for a damaged word, its near-equal other readings (for the context model)."""
    r = fix_word(low, prefix_ok)
    alts: tuple[str, ...] = ()
    if r is not None and not is_valid(low):
        cands = candidates(low, prefix_ok)
        alts = tuple(c.form for c in cands[1:] if c.form != r[0] and c.score >= cands[0].score - 1.0)
    return r, alts


def _reading(low: str, prefix_ok: bool) -> tuple[Optional[tuple[str, float]], tuple[str, ...]]:
    """reading_search(), answered from the precomputed table when the token is one of its
    keys (the skeletons of the listed words: most correct words and most English-OCR'd
    words that lost only their dots), else searched."""
    e = _table_entry(low)
    if e is not None and (not prefix_ok or e[2] & BEFORE_HYPHEN):
        return e[0], e[1]
    return reading_search(low, prefix_ok)


# flags stored with a reading in the table: the token is a word the dictionary accepts
# (is_valid); it has no reading and nothing its neighbours could decide (see _is_quiet);
# before a hyphen (prefix_ok: the first part of a compound) its reading is the same
VALID, QUIET, BEFORE_HYPHEN = 1, 2, 4


def key_flags(low: str, r: Optional[tuple[str, float]]) -> int:
    """The flags of a lower-case token whose reading_search() answer is r."""
    f = VALID if is_valid(low) else 0
    if r is None and low not in _CONTEXT_WORDS and not context_readings(low) and not _a_twin(low):
        f |= QUIET
    return f


def _a_twin(low: str) -> bool:
    """Has the word a twin with other dots ending in -a ("starka"/"stärka": after "att",
    fix_context may pick the infinitive)?"""
    return any(f != low and f.endswith("a") for f in lexicon().by_skeleton.get(skeleton(low), ()))


_ENTRIES: dict[str, Optional[tuple]] = {}
_MISSING = object()


def _table_entry(low: str) -> Optional[tuple[Optional[tuple[str, float]], tuple[str, ...], int, tuple[str, ...]]]:
    """(reading, near-equal readings, flags, readings for the context model) of a
    lower-case token from the precomputed table (see `table_entry`); None when the token
    is not one of its keys or there is no table (cached)."""
    e = _ENTRIES.get(low, _MISSING)
    if e is not _MISSING:
        return e
    table = _readings_table()
    v = table.get(low) if table is not None else None
    e = decode_entry(v[0]) if v else None
    if len(_ENTRIES) > 400_000:
        _ENTRIES.clear()
    _ENTRIES[low] = e
    return e


def table_entry(low: str) -> bytes:
    """What the table stores for a lower-case token: its reading_search() answer, its
    flags (key_flags; BEFORE_HYPHEN when reading_search(low, prefix_ok=True) answers the
    same) and the readings the context model weighs for it (those of its repaired form:
    context_readings)."""
    r, alts = reading_search(low)
    flags = key_flags(low, r) | (BEFORE_HYPHEN if reading_search(low, True) == (r, alts) else 0)
    return encode_reading(r, alts, flags, context_readings(r[0] if r else low, alts))


def encode_reading(r: Optional[tuple[str, float]], alts: tuple[str, ...], flags: int = 0,
                   ctx: tuple[str, ...] = ()) -> bytes:
    if r is None and not ctx:
        return f"{flags}".encode("utf-8")
    form, conf = r if r is not None else ("", "")
    return f"{flags}\t{form}\t{conf}\t{' '.join(alts)}\t{' '.join(ctx)}".encode("utf-8")


def decode_entry(v: bytes) -> tuple[Optional[tuple[str, float]], tuple[str, ...], int, tuple[str, ...]]:
    t = v.decode("utf-8")
    if len(t) == 1:
        return None, (), int(t), ()
    flags, form, conf, alts, ctx = t.split("\t")
    return ((form, float(conf)) if form else None), tuple(alts.split()), int(flags), tuple(ctx.split())


def decode_reading(v: bytes) -> tuple[Optional[tuple[str, float]], tuple[str, ...]]:
    return decode_entry(v)[:2]


def search_fingerprint() -> str:
    """Digest of what a token's context-free reading depends on (the search's code and
    constants, and the lexicon's lookup code it calls): the precomputed table
    (models/lexicon/readings.marisa.gz, built by scripts/build_lexicon.py) is used only
    when it was made by this very search."""
    import hashlib
    import inspect

    from . import lexicon as lex

    funcs = (variants, _variants, _shape, _branch_options, _readings, _readings_by_position, _options,
             candidates, _analyze, _may_split, _split, _pick, _fits, _best_form, fix_word, fix_glued,
             _word_heads, wzipf, _stable, is_valid, _compound_parts, _compound, reading_search, table_entry,
             encode_reading, key_flags, _a_twin, context_readings,
             lex.skeleton, lex._Forms, lex._Roles, lex._Zipf, lex._Skeletons, lex.Bigrams, lex.Lexicon)
    consts = (SUBS, PAIRS, DROP_COST, MAX_COST, MAX_VARIANTS, COMPOUND_BEST, SPLIT_MAX_COST,
              MARK_PENALTY, GLUE_MIN, GLUE_LEFT_SCORE, sorted(_CHEAP_CHARS), _CHEAP_PAIRS,
              sorted(_CONTEXT_WORDS), CONTEXT_SPREAD, CONTEXT_MIN_ZIPF, lex._FOLD, lex.FORMS_FMT, lex.BIGRAM_FMT)
    text = "\n".join(inspect.getsource(f) for f in funcs) + repr(consts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@lru_cache(maxsize=1)
def _readings_table():
    """The precomputed readings, or None when missing or built by another search or from
    another lexicon (then every token is searched: slower, same answers)."""
    lex = lexicon()
    if lex.readings is None or lex.readings_meta.get("fingerprint") != search_fingerprint():
        return None
    return lex.readings


def preload() -> None:
    """Check the precomputed readings' fingerprint and build the RepairChange list
    validator (called by a worker's warm-up)."""
    _readings_table()
    _repair_changes()


# "trygghets- och säkerhetsarbete": a hyphen before a conjunction is Swedish, not damage
_HYPHEN_KEEP = {"och", "eller", "samt", "respektive", "resp", "som", "men", "liksom", "till", "med", "utan"}


def _joined(a: str, b: str, max_cost: float = MAX_COST) -> Optional[str]:
    """The repaired reading of two tokens written as one word, if that is a word."""
    tok = fix_casing(a + b)
    if not _wordlike(tok):
        return None
    low = tok.lower()
    if is_valid(low):
        return tok
    c = candidates(low, False, max_cost)
    return apply_case(tok, c[0].form) if c and is_valid(c[0].form) else None


def _after_token(text: str, ends: list[int], sep: str) -> list[int]:
    """The tokens (by index; ends: where each ends) that sep follows right away."""
    found = []
    p = text.find(sep)
    while p >= 0:
        k = bisect_left(ends, p)
        if k < len(ends) and ends[k] == p:
            found.append(k)
        p = text.find(sep, p + 1)
    return found


def fix_boundaries(text: str, words: list[str], seps: list[str], props: list[int],
                   ends: list[int]) -> dict[int, tuple[int, str]]:
    """Token-boundary artefacts, as {first token index: (last token index, replacement)}
    (words: the tokens; seps[k]: the text before token k; props: `_Props` of each; ends:
    where each token ends):
    - a hyphen and a space inside a word ("överens- kommelsen": a line-end hyphen that
      lost its line break), joined when the next word is no conjunction and the whole
      is a word;
    - a space inside a word ("6verens kommelsen"), joined when the second piece is no
      word and has no reading on its own but the whole has one."""
    joins: dict[int, tuple[int, str]] = {}
    n = len(words)
    pieces = [k for k in compress(count(), map(_STRAY_BIT.__getitem__, props)) if seps[k] == " "]
    hyphens = [k + 1 for k in _after_token(text, ends, "- ") if k + 1 < n and seps[k + 1] == "- "]
    for k in sorted(set(pieces).union(hyphens)):
        if k == 0:
            continue
        i = k - 1
        at, bt = words[i], words[k]
        if len(at) < 2 or len(bt) < 2 or not bt[:1].islower() or i in joins or (i - 1) in joins:
            continue
        if seps[k] == "- ":
            r = _joined(at, bt) if bt not in _HYPHEN_KEEP else None
        else:
            r = _joined(at, bt, 1.5) if _wordlike(at) else None  # cheap readings: tried on every stray piece
        if r is not None:
            joins[i] = (k, r)
    return joins


def _stray_piece(t: str) -> bool:
    """A lower-case piece that is no word and has no reading of its own."""
    if not (t.isalpha() and t.islower() and len(t) >= 2):
        return False
    e = _table_entry(t)
    if e is not None:
        return e[0] is None and not e[2] & VALID
    return not is_valid(t) and _decide(t, False)[1] == t


def _is_quiet(tok: str) -> bool:
    """Does the token stay as it is whatever its neighbours (no reading of its own, no
    twin the context could choose, not "1"/"l"/"|")? Most tokens are."""
    if tok in ("1", "|", "l"):
        return False
    if not _wordlike(tok) or (tok.isupper() and len(tok) <= 3) or len(tok) == 1:
        return True
    if fix_casing(tok) != tok:
        return False
    low = tok.lower()
    e = _table_entry(low)
    if e is not None:
        return bool(e[2] & QUIET)
    _, new_low, _, _, alts = _decide(tok, False)
    if new_low != low or low in _CONTEXT_WORDS or context_readings(low, alts):
        return False
    return not _a_twin(low)


_QUIET, _STRAY = 1, 2
_NOT_QUIET = tuple(not p & _QUIET for p in range(4))   # by _Props value
_STRAY_BIT = tuple(bool(p & _STRAY) for p in range(4))
class _Props(dict):
    """token -> _QUIET | _STRAY bits, computed the first time a token is asked for
    (cached per process)."""

    def __missing__(self, tok: str) -> int:
        if len(self) > 400_000:
            self.clear()
        v = self[tok] = (_QUIET if _is_quiet(tok) else 0) | (_STRAY if _stray_piece(tok) else 0)
        return v


_PROPS = _Props()


# TOKEN with a group: split() gives the text between tokens and the tokens in turn
_TOKEN_SPLIT = re.compile("(" + TOKEN.pattern + ")")


def repair_text(text: str, damaged: bool, ocr: bool = False) -> list[Change]:
    """Changes for one block of text (offsets into `text`)."""
    changes: list[Change] = []
    if not damaged:
        return fix_invented_dots(text) if ocr else changes
    parts = _TOKEN_SPLIT.split(text)
    words, seps = parts[1::2], parts[0::2]     # seps[k]: the text before token k
    n = len(words)
    ends = list(accumulate(map(len, parts)))   # ends[2k + 1]: where token k ends
    starts, ends = ends[0::2][:n], ends[1::2]
    props = list(map(_PROPS.__getitem__, words))
    joins = fix_boundaries(text, words, seps, props, ends)
    # tokens with nothing to decide (the common case) pass as they are: only the others
    # are looked at, with the words around them
    todo = sorted(set(compress(count(), map(_NOT_QUIET.__getitem__, props))).union(
        _after_token(text, ends, "-"), joins))
    if not todo:
        return changes
    prot = _protected_spans(text, words, starts) + [(len(text) + 1, len(text) + 1)]    # and a sentinel
    pi = 0
    pstart, pend = prot[0]
    has_model = lexicon().bigrams is not None
    plans, plans_hyphen = _PLANS
    context_words, context_prev, word_kind, static_kind = _CONTEXT_WORDS, _CONTEXT_PREV, _WORD, _STATIC
    add = changes.append
    out = words[:]      # the word each token became (None: joined to the one before)
    skip_to = -1
    for idx in todo:
        if idx <= skip_to:
            continue
        tok = words[idx]
        s, e = starts[idx], ends[idx]
        if idx in joins:
            last, rep = joins[idx]
            e = ends[last]
            if not any(ps < e and s < pe for ps, pe in prot):
                add(Change(s, e, text[s:e], rep, 0.6, "boundary"))
                out[idx] = rep
                out[last] = None
                skip_to = last
                continue
        while pend <= s:
            pi += 1
            pstart, pend = prot[pi]
        if pstart < e and tok != "1":
            continue
        j = idx - 1 if idx == 0 or out[idx - 1] is not None else idx - 2
        prev_cased = out[j] if j >= 0 else ""
        prev = prev_cased.lower()
        new, conf, fixer = tok, 1.0, ""
        hyphen = text[e:e + 1] == "-"
        plan = (plans_hyphen if hyphen else plans).get(tok)
        if plan is None:
            plan = _plan(tok, hyphen, has_model)
        kind = plan[0]
        if kind >= word_kind:
            if text[e:e + 1] == "." and _is_abbrev(text, s, e):
                continue
            # context only for the few readings neighbours decide
            list_item = text[s - 2:s] in (". ", ") ") and _LIST_ITEM.search(text[max(0, s - 8):s])
            if kind == static_kind and not list_item and prev not in context_prev:
                if plan[6] != tok:      # the common case: the reading, whatever stands around
                    add(Change(s, e, tok, plan[6], plan[3], plan[4]))
                    out[idx] = plan[6]
                continue
            _, new, low, conf, fixer, readings, rep, capital = plan
            if low in context_words or prev in context_prev or list_item:
                nxt_tok = words[idx + 1].lower() if idx + 1 < n else ""
                j2 = j - 1 if j <= 0 or out[j - 1] is not None else j - 2
                ctx = fix_context(low, "att" if list_item else prev, nxt_tok,
                                  out[j2].lower() if j2 >= 0 else "")
                if ctx is not None and ctx != low:
                    low, conf, fixer = ctx, 0.75, "ocr-context"
            elif readings:
                r = fix_bigram(readings, _prev_for_model(seps, idx, prev),
                               _next_for_model(text, words, starts, idx, e))
                if r is not None:
                    low, conf, fixer = r[0], round(min(0.95, 0.5 + 0.15 * r[1]), 2), "ocr-context"
            if low != plan[2]:      # the context chose another reading
                rep, capital = _cased(new, low)
            # "ledningen Aven", "Trafiknämnden Overlämnar": English OCR reads a lower-case
            # ä/ö as a capital; after a lower-case word mid-sentence it is one
            if capital and prev_cased[:1].islower() and not _sentence_start(text, s):
                rep = low
            new = rep
        elif kind == _ONE:
            # a lone "1" between words is "i": "brottslighet 1 staden"
            if text[s - 1:s].isspace() and _lone_one_is_i(text, s, e, prev):
                new, conf, fixer = "i", 0.8, "ocr-context"
        elif kind == _BAR:
            if _sentence_start(text, s) and text[e:e + 1] == " " and text[e + 1:e + 2].islower():
                new, conf, fixer = "I", 0.8, "ocr-context"     # "| staden" at a sentence start
        if new != tok:
            add(Change(s, e, tok, new, conf, fixer))
            out[idx] = new
    return changes


_ONE, _BAR, _PASS, _WORD, _STATIC = range(5)
_PLANS: tuple[dict[str, tuple], dict[str, tuple]] = ({}, {})    # token -> plan; for a token before "-"


def _plan(tok: str, prefix_ok: bool, has_model: bool) -> tuple:
    """What repair_text does with a token wherever it stands (cached per process):
    (_ONE,) a lone "1"; (_BAR,) "|" or "l"; (_PASS,) nothing (no word, a short acronym,
    one letter); or (_WORD or _STATIC, word with casing fixed, reading, confidence, fixer,
    readings for the context model, the word as repaired, whether a capital Ö/Å/Ä may be
    a misread lower-case one)."""
    if tok == "1":
        plan = (_ONE,)
    elif tok in ("|", "l"):
        plan = (_BAR,)
    elif not _wordlike(tok) or (tok.isupper() and len(tok) <= 3) or len(tok) == 1:
        plan = (_PASS,)
    else:
        new, low, conf, fixer, alts = _decide(tok, prefix_ok)
        e = _table_entry(tok.lower()) if has_model and not prefix_ok else None
        readings = e[3] if e is not None else context_readings(low, alts) if has_model else ()
        rep, capital = _cased(new, low)
        # _STATIC: only a list item or the word before ("att", "och") may change the reading
        kind = _STATIC if not readings and low not in _CONTEXT_WORDS and not capital else _WORD
        plan = (kind, new, low, conf, fixer, readings, rep, capital)
    plans = _PLANS[prefix_ok]
    if len(plans) > 200_000:
        plans.clear()
    plans[tok] = plan
    return plan


def _cased(new: str, low: str) -> tuple[str, bool]:
    """The word new repaired to the reading low in new's letter case, and whether its
    capital Ö/Å/Ä may stand for a lower-case one (see repair_text)."""
    if low == new.lower():
        return new, False
    rep = apply_case(new, low)
    return rep, (rep[:1] in "ÖÅÄ" and not new.isupper() and not lexicon().roles.get(low, 0) & PROPER)


def fix_invented_dots(text: str) -> list[Change]:
    """Swedish OCR on poor copies adds dots: "änalys", "lökalpolisområde". On OCR'd pages
    a dotted word the lexicon rejects becomes its undotted (or otherwise dotted) twin when
    that is a word; a dotted rare word ("söm") becomes a far more frequent twin ("som")."""
    lex = lexicon()
    changes = []
    for m in TOKEN.finditer(text):
        tok = m.group(0)
        if not any(c in SWEDISH_DOTS for c in tok) or not tok.isalpha():
            continue
        low = tok.lower()
        forms = [f for f in lex.by_skeleton.get(skeleton(low), ()) if lex.roles[f] & WORD and f != low]
        if forms:
            alt = _best_form(forms, lex)
            if is_valid(low) and lex.zipf.get(alt, 0) - lex.zipf.get(low, 0) < 3.0:
                continue
        elif not is_valid(low) and len(low) >= 6:
            # a compound: split its skeleton ("lökalpolisområde" -> lokal+polis+område)
            a = _analyze(skeleton(low), lex, {})
            if a is None or a[0] == low:
                continue
            alt = a[0]
        else:
            continue
        changes.append(Change(m.start(), m.end(), tok, apply_case(tok, alt), 0.7, "invented-dots"))
    return changes


def _apply(mt: MappedText, changes: list[Change]) -> MappedText:
    if not changes:
        return mt
    b = TextBuilder(mt)
    pos = 0
    for c in changes:
        b.keep(pos, c.start)
        b.replace(c.start, c.end, c.replacement, REPAIRED)
        pos = c.end
    b.keep(pos, len(mt.text))
    return b.build()


def _page_blocks(doc, mt: MappedText) -> list[tuple[int, int, object]]:
    """[start, end) ranges of the cleaned text per source page."""
    if not doc.pages:
        return [(0, len(mt.text), None)]
    n = len(mt.text)
    blocks = []
    start = 0
    if len(doc.pages) > 1:   # the last page runs to the end: one page needs no scan
        import numpy as np
        offs = np.frombuffer(mt.offsets, dtype=np.int64)[:n]  # the scan below, vectorised
        for p in doc.pages[:-1]:
            # the first char at or after the page's end: argmax finds the first True without
            # listing every later one (flatnonzero allocated an index for each)
            past = offs[start:] >= p.end
            k = int(past.argmax()) if past.size else 0
            end = start + k if past.size and past[k] else n
            blocks.append((start, end, p))
            start = end
    blocks.append((start, n, doc.pages[-1]))
    return blocks


@lru_cache(maxsize=1)
def _repair_changes():
    """Validates a document's RepairChange fields all at once (one call into pydantic for
    the list: ~2/3 of the cost of a RepairChange(...) per change, the same models)."""
    from pydantic import TypeAdapter

    from .record import RepairChange
    return TypeAdapter(list[RepairChange])


def repair_document(doc, mt: MappedText) -> tuple[MappedText, list[str]]:
    """The stage: repaired text and warnings; changes appended to doc.repairs."""
    warnings: list[str] = []
    mt = fix_unicode(mt)
    blocks = _page_blocks(doc, mt)
    parts = [assess(mt.text[start:end]) for start, end, _ in blocks]
    whole = _assess_whole(mt.text, blocks, parts)
    changes: list[Change] = []
    for (start, end, page), a in zip(blocks, parts):
        block = mt.text[start:end]
        damaged = a.damaged or (a.letters < 150 and whole.damaged)
        for c in repair_text(block, damaged, ocr=bool(page is not None and page.ocr)):
            c.start += start
            c.end += start
            changes.append(c)
        if damaged:
            warnings.append(f"repair: page {page.number if page else 1} looks OCR-damaged "
                            f"(å/ä/ö {a.dotted_rate:.1%} of letters, {a.unknown_rate:.0%} unknown words)")
    if changes:
        rows = []
        for c in changes:
            rs, re_ = mt.source_span(c.start, c.end)
            rows.append({"page": doc.page_at(rs).number if doc.pages else 1, "start": rs, "end": re_,
                         "original": c.original, "replacement": c.replacement,
                         "confidence": c.confidence, "fixer": c.fixer})
        doc.repairs.extend(_repair_changes().validate_python(rows))
        warnings.append(f"repair: {len(changes)} words repaired")
    return _apply(mt, changes), warnings


def cli_repair(path, diff: bool = False) -> int:
    """`remiss repair FILE [--diff]`: print the repaired text, or a unified diff of the
    changes followed by the audit trail. Returns the exit code."""
    import difflib
    import sys

    from . import ingest, layout

    try:
        doc = ingest.read(path)
    except ingest.IngestError as e:
        print(f"remiss repair: {e}", file=sys.stderr)
        return 1
    mt = layout.clean(doc, ingest.to_mapped(doc))
    before = mt.text
    out, warnings = repair_document(doc, mt)
    if not diff:
        sys.stdout.write(out.text if out.text.endswith("\n") else out.text + "\n")
    else:
        sys.stdout.writelines(difflib.unified_diff(
            before.splitlines(keepends=True), out.text.splitlines(keepends=True),
            fromfile=f"{path} (as read)", tofile=f"{path} (repaired)", n=0))
        for c in doc.repairs:
            print(f"# page {c.page} @{c.start}-{c.end}: {c.original} -> {c.replacement} "
                  f"({c.confidence:.2f}, {c.fixer})")
    for w in warnings:
        print(w, file=sys.stderr)
    return 0
