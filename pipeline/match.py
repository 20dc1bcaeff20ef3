"""Stage 6, match: focus areas -> canonical priority areas of a city–police agreement version.

The canonical lists are plain data in `models/taxonomies/<version>.yaml` (ids, labels,
aliases, descriptions, goals, source) and the links between versions in
`crosswalk*.yaml` there; a new version is a new file, no code change. Set
`REMISS_TAXONOMY_DIR` to read them from another folder.

Scoring: both sides go through `nlp.match_keys` (case-folded, function words dropped,
lookup-lemmatised, Snowball-stemmed, diacritics folded, lone OCR digits fixed), and the
score of a text against an area is the best rapidfuzz `token_sort_ratio` (0–100, word
order ignored) over the area's label and aliases and over the two key kinds, raised to
CONTAINS_SCORE when the text contains every content word of the label (2+ words) or
of an alias (3+ words).

Within a document the areas are assigned one-to-one (no canonical area claimed twice) by
an optimal assignment over the score matrix (`scipy.optimize.linear_sum_assignment`).
An assigned pair scoring at least THRESHOLD is `matched`; it is `ambiguous` when another
area of the same version also reaches THRESHOLD within AMBIGUITY_MARGIN points; anything
else stays a `local` area (canonical_id None). THRESHOLD was set on the labelled pairs in
tests/data/match_pairs.csv (see tests/test_match.py, which reports precision/recall).

The version is the one given by the caller, else the one whose areas the document's
focus areas match best (wording), ties and documents without matched areas decided by the
document date against each version's `documents_from`/`documents_to` window.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np
import yaml
from rapidfuzz import fuzz
from rapidfuzz.fuzz import ratio
from scipy.optimize import linear_sum_assignment

from .nlp import match_keys
from .record import Record, TaxonomyChoice

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "models" / "taxonomies"
THRESHOLD = 85.0          # minimum score for a match (0–100), chosen on tests/data/match_pairs.csv
CONTAINS_SCORE = 90.0    # score of a text that contains a whole multi-word name
AMBIGUITY_MARGIN = 5.0    # a runner-up within this many points (and >= THRESHOLD) makes it ambiguous
RELATIONS = ("same", "renamed", "merged_into", "split_from", "new", "dropped")


@dataclass(frozen=True)
class Area:
    id: str
    label: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    goals: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class Taxonomy:
    id: str
    label: str
    short_label: str
    areas: tuple[Area, ...]
    documents_from: Optional[str] = None
    documents_to: Optional[str] = None
    source: dict = field(default_factory=dict, hash=False, compare=False)

    def area(self, area_id: str) -> Area:
        for a in self.areas:
            if a.id == area_id:
                return a
        raise KeyError(area_id)

    def covers_date(self, iso: Optional[str]) -> bool:
        if not iso:
            return False
        iso = iso[:10]
        lo, hi = self.documents_from or "0000-00-00", self.documents_to or "9999-12-31"
        # month/year precision dates ("2019", "2019-08") compare by their prefix
        return lo[:len(iso)] <= iso <= hi[:len(iso)]


@dataclass(frozen=True)
class Link:
    from_: Optional[str]
    to: Optional[str]
    relation: str
    reason: str


@dataclass
class Match:
    text: str
    canonical_id: Optional[str]
    canonical_label: Optional[str]
    score: float
    status: str  # matched | ambiguous | local
    runner_up: Optional[str] = None


def taxonomy_dir(directory: Path | str | None = None) -> Path:
    return Path(directory or os.environ.get("REMISS_TAXONOMY_DIR") or DEFAULT_DIR)


def _date(v) -> Optional[str]:
    return None if v is None else str(v)  # YAML turns 2019-06-01 into a date


@lru_cache(maxsize=8)
def _load(directory: Path) -> tuple[dict[str, Taxonomy], tuple[Link, ...]]:
    taxonomies: dict[str, Taxonomy] = {}
    links: list[Link] = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if path.stem.startswith("crosswalk"):
            for ln in data.get("links", []):
                if ln["relation"] not in RELATIONS:
                    raise ValueError(f"{path.name}: unknown relation {ln['relation']!r}")
                links.append(Link(ln.get("from"), ln.get("to"), ln["relation"], " ".join(str(ln.get("reason", "")).split())))
            continue
        areas = tuple(Area(id=a["id"], label=a["label"], aliases=tuple(a.get("aliases") or ()),
                           description=a.get("description", ""), goals=tuple(a.get("goals") or ()))
                      for a in data["areas"])
        taxonomies[data["id"]] = Taxonomy(id=data["id"], label=data["label"],
                                          short_label=data.get("short_label", data["id"]), areas=areas,
                                          documents_from=_date(data.get("documents_from")),
                                          documents_to=_date(data.get("documents_to")),
                                          source=data.get("source") or {})
    known = {a.id for t in taxonomies.values() for a in t.areas}
    for ln in links:
        for end in (ln.from_, ln.to):
            if end is not None and end not in known:
                raise ValueError(f"crosswalk names unknown area {end!r}")
    return taxonomies, tuple(links)


@lru_cache(maxsize=8)
def _resolved(directory: Path) -> Path:
    return directory.resolve()   # a dozen system calls: once per folder, not per document


@lru_cache(maxsize=8)
def _loaded(directory: Path | str | None, env: Optional[str]) -> tuple[dict[str, Taxonomy], tuple[Link, ...]]:
    # asked twice per document: the folder (a Path built from the argument or the
    # environment, then resolved) is worked out once per argument and environment value
    return _load(_resolved(taxonomy_dir(directory)))


def load_taxonomies(directory: Path | str | None = None) -> dict[str, Taxonomy]:
    return _loaded(directory, os.environ.get("REMISS_TAXONOMY_DIR"))[0]


def load_crosswalk(directory: Path | str | None = None) -> tuple[Link, ...]:
    return _loaded(directory, os.environ.get("REMISS_TAXONOMY_DIR"))[1]


def get_taxonomy(taxonomy_id: str, directory: Path | str | None = None) -> Taxonomy:
    taxonomies = load_taxonomies(directory)
    if taxonomy_id not in taxonomies:
        raise KeyError(f"unknown taxonomy {taxonomy_id!r}; known: {', '.join(sorted(taxonomies))}")
    return taxonomies[taxonomy_id]


# ---- scoring ----------------------------------------------------------------------

def similarity(text: str, name: str, min_contained: int = 2) -> float:
    """Score 0–100 of a text against a canonical name, on their normalised keys.

    token_sort_ratio, or CONTAINS_SCORE when the text holds every content word of a name
    of at least `min_contained` words ("Systemhotande brottslighet och välfärdsbrott"
    holds the label "Systemhotande brottslighet"); never the reverse,
    since a text that is part of a name ("Brottsoffer") is a broader topic."""
    return _similarity(match_keys(text), match_keys(name), min_contained)


# every focus area text is scored against every area of every version, and the same
# phrases recur across documents: one computation per pair of keys
@lru_cache(maxsize=1 << 16)
def _similarity(kt: tuple[str, str], kn: tuple[str, str], min_contained: int) -> float:
    best = max((fuzz.token_sort_ratio(x, y) for x, y in zip(kt, kn) if x and y), default=0.0)
    for x, y in zip(kt, kn):
        words = y.split()
        if len(words) >= min_contained and set(words) <= set(x.split()):
            best = max(best, CONTAINS_SCORE)
    return best


def preload() -> None:
    """The keys of every canonical name of every version, laid out for scoring (called by
    a worker's warm-up): computed once in the fork server, every worker starts with them."""
    for taxonomy in load_taxonomies().values():
        _names(taxonomy)


def score(text: str, area: Area) -> float:
    # short aliases ("Unga i risk") are too generic to count when merely contained
    return max([similarity(text, area.label)] + [similarity(text, a, min_contained=3) for a in area.aliases])


def score_matrix(texts: list[str], taxonomy: Taxonomy) -> np.ndarray:
    return np.array([_score_row(t, taxonomy) for t in texts], dtype=float).reshape(len(texts), len(taxonomy.areas))


# a text's scores against a version's areas depend only on its keys: area phrases recur
# across documents, so each (keys, version) row is computed once per process
_ROWS: dict[tuple[tuple[str, str], int], tuple[float, ...]] = {}
_ROW_OWNERS: dict[int, Taxonomy] = {}   # keeps the versions keyed by id() alive


def _score_row(text: str, taxonomy: Taxonomy) -> tuple[float, ...]:
    key = (match_keys(text), id(taxonomy))
    row = _ROWS.get(key)
    if row is None:
        if len(_ROWS) > 1 << 16:
            _ROWS.clear()
        _ROW_OWNERS[id(taxonomy)] = taxonomy
        row = _ROWS[key] = _row_scores(key[0], _names(taxonomy))
    return row


@dataclass(frozen=True)
class _Names:
    """A version's canonical names, laid out for scoring a text against all at once."""
    area: tuple[int, ...]                  # the area of each name, by index
    keys: tuple[tuple[str, ...], ...]      # per key kind: each name's key
    sorted_keys: tuple[tuple[str, ...], ...]   # the same with its words sorted (_sort_words)
    words: tuple[tuple[Optional[frozenset], ...], ...]   # per kind: each name's content
    # words when there are enough of them to count as contained (see similarity), else None
    n_areas: int


@lru_cache(maxsize=8)
def _names(taxonomy: Taxonomy) -> _Names:
    area, keys, words = [], ([], []), ([], [])
    for i, a in enumerate(taxonomy.areas):
        for j, name in enumerate(a.names):
            min_contained = 2 if j == 0 else 3     # as in score(): aliases need 3 words
            area.append(i)
            for kind, k in enumerate(match_keys(name)):
                keys[kind].append(k)
                w = k.split()
                words[kind].append(frozenset(w) if len(w) >= min_contained else None)
    return _Names(tuple(area), tuple(map(tuple, keys)), tuple(tuple(map(_sort_words, k)) for k in keys),
                  tuple(map(tuple, words)), len(taxonomy.areas))


def _sort_words(key: str) -> str:
    """token_sort_ratio(x, y) is ratio(_sort_words(x), _sort_words(y)): a key's words are
    separated by single spaces (match_keys), the only white space in it."""
    return " ".join(sorted(key.split()))


def _row_scores(kt: tuple[str, str], names: _Names) -> tuple[float, ...]:
    """(score(text, area) for each area) for a text with keys kt: the same numbers, with
    the names' words sorted once (token_sort_ratio = ratio of the sorted words) and no
    memo per pair (the first document naming an area pays for its row)."""
    best = [0.0] * len(names.area)
    for x, ys, sorted_ys, sets in zip(kt, names.keys, names.sorted_keys, names.words):
        if not x:
            continue
        xs = _sort_words(x)
        ratios = [ratio(xs, y) for y in sorted_ys]
        xw = set(x.split())
        for j, (y, r, w) in enumerate(zip(ys, ratios, sets)):
            if y and r > best[j]:
                best[j] = r
            if w is not None and w <= xw and best[j] < CONTAINS_SCORE:
                best[j] = CONTAINS_SCORE
    row = [0.0] * names.n_areas
    for i, b in zip(names.area, best):
        if b > row[i]:
            row[i] = b
    return tuple(row)


def match_texts(texts: list[str], taxonomy: Taxonomy) -> list[Match]:
    """One-to-one optimal assignment of a document's area texts to one version's areas."""
    # the same area named twice in a document (summary and body) shares one result
    keys = [match_keys(t) for t in texts]
    uniq: dict[tuple[str, str], int] = {}
    for k in keys:
        uniq.setdefault(k, len(uniq))
    reps = [texts[keys.index(k)] for k in uniq]
    results = [Match(text, *r) for text, r in zip(reps, _assignment(tuple(uniq), reps, taxonomy))]
    return [results[uniq[k]] for k in keys]


# documents quoting the same agreement list the same areas: the assignment of a set of keys
# to a version is computed once per process
_ASSIGNMENTS: dict[tuple[tuple, int], list[tuple]] = {}


def _assignment(keys: tuple, reps: list[str], taxonomy: Taxonomy) -> list[tuple]:
    """(canonical_id, canonical_label, score, status, runner_up) per key (reps: a text of each)."""
    memo = (keys, id(taxonomy))
    found = _ASSIGNMENTS.get(memo)
    if found is not None:
        return found
    # the rows as Python floats for the rest (numpy indexing costs more than it saves here)
    table = [_score_row(t, taxonomy) for t in reps]
    scores = np.array(table, dtype=float).reshape(len(reps), len(taxonomy.areas))
    assigned: dict[int, int] = {}
    if scores.size:
        rows, cols = linear_sum_assignment(scores, maximize=True)
        assigned = {int(r): int(c) for r, c in zip(rows, cols)}
    results: list[tuple] = []
    for r, row in enumerate(table):
        c = assigned.get(r)
        s = row[c] if c is not None else 0.0
        if c is None or s < THRESHOLD:
            best = max(row, default=0.0)
            results.append((None, None, round(best, 1), "local", None))
            continue
        area = taxonomy.areas[c]
        others = [(row[k], taxonomy.areas[k].id) for k in range(len(taxonomy.areas)) if k != c]
        rival = max(others, default=(0.0, None))
        status = "ambiguous" if rival[0] >= THRESHOLD and s - rival[0] < AMBIGUITY_MARGIN else "matched"
        results.append((area.id, area.label, round(s, 1), status, rival[1] if status == "ambiguous" else None))
    if len(_ASSIGNMENTS) > 1 << 14:
        _ASSIGNMENTS.clear()
    _ROW_OWNERS[id(taxonomy)] = taxonomy   # keeps the version keyed by id() alive
    _ASSIGNMENTS[memo] = results
    return results


# ---- version choice ---------------------------------------------------------------

def _doc_date(rec: Record) -> Optional[str]:
    if rec.document_date:
        return rec.document_date
    for kind in ("document", "signed", "meeting"):
        for d in rec.dates:
            if d.kind == kind:
                return d.iso
    return None


def choose_taxonomy(rec: Record, directory: Path | str | None = None) -> Optional[TaxonomyChoice]:
    return _choose(rec, directory)[0]


def _choose(rec: Record, directory: Path | str | None = None) -> tuple[Optional[TaxonomyChoice], dict[str, list[Match]]]:
    """The choice, and the matches of the focus areas against every version."""
    taxonomies = load_taxonomies(directory)
    if not taxonomies:
        return None, {}
    texts = [fa.text for fa in rec.focus_areas]
    date = _doc_date(rec)
    ranked = []
    matches = {}
    for t in taxonomies.values():
        ms = matches[t.id] = match_texts(texts, t) if texts else []
        hits = [m for m in ms if m.status != "local"]
        ranked.append((len(hits), t.covers_date(date), sum(m.score for m in hits), t.id))
    ranked.sort(reverse=True)
    n, in_window, _, best = ranked[0]
    t = taxonomies[best]
    if n:
        date_note = _date_note(t, date)
        runner = ranked[1] if len(ranked) > 1 else None
        vs = f"; next best {runner[3]}: {runner[0]}" if runner else ""
        tie = " (tie on wording broken by date)" if runner and runner[0] == n and in_window and not runner[1] else ""
        return TaxonomyChoice(id=best, reason=f"wording: {n} of {len(texts)} focus areas match {t.short_label}{vs}{tie}; {date_note}"), matches
    dated = [taxonomies[x[3]] for x in ranked if x[1]]
    if dated:
        # the newest version whose window holds the date
        t = max(dated, key=lambda x: x.documents_from or "")
        what = "no focus area matches any version" if texts else "no focus areas"
        return TaxonomyChoice(id=t.id, reason=f"date: {what}; {_date_note(t, date)}"), matches
    return None, matches


def _date_note(t: Taxonomy, date: Optional[str]) -> str:
    if not date:
        return "no document date"
    window = f"{t.short_label} window {t.documents_from} – {t.documents_to or 'open'}"
    return f"document date {date} is {'in' if t.covers_date(date) else 'outside'} the {window}"


def assign(rec: Record, taxonomy: str | None = None) -> None:
    """Fill rec.focus_areas[i] canonical fields and rec.taxonomy (in place)."""
    texts = [fa.text for fa in rec.focus_areas]
    if taxonomy and taxonomy != "auto":
        t = get_taxonomy(taxonomy)
        rec.taxonomy = TaxonomyChoice(id=t.id, reason="given by the user")
        ms = match_texts(texts, t)
    else:
        rec.taxonomy, matches = _choose(rec)
        if rec.taxonomy is None:
            return
        t = get_taxonomy(rec.taxonomy.id)
        ms = matches[t.id] if texts else []   # the choice already matched every version
    for fa, m in zip(rec.focus_areas, ms):
        _set_fields(fa, taxonomy=t.id, canonical_id=m.canonical_id, canonical_label=m.canonical_label,
                    score=m.score, status=m.status)


def _set_fields(model, **values) -> None:
    """model.name = value for each, as pydantic's __setattr__ does it for a plain field of
    a model without validate_assignment (stored, marked set), in one step instead of a
    generic __setattr__ call per field."""
    model.__dict__.update(values)
    model.__pydantic_fields_set__.update(values)
