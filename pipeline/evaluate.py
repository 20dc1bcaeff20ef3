"""Score records against gold annotations (`corpus/gold/<document stem>.json`).

Each field is turned into a multiset of strings per document (a scalar into zero or
one string; list items into one string each; "dates" into "iso|kind") and predicted
strings are matched one-to-one to gold strings under GROBID's four tiers:

- strict: identical;
- soft: identical after case folding and dropping punctuation and white space;
- levenshtein: normalised Levenshtein similarity >= 0.8;
- ratcliff_obershelp: difflib similarity >= 0.95.

Counts are summed over documents (micro-average) into precision, recall and F1 per
field and tier. A gold file scores only the fields it contains. `all_right` is the
share of documents whose every scored field is strictly right.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from rapidfuzz.distance import Levenshtein

from .record import Record

TIERS = ["strict", "soft", "levenshtein", "ratcliff_obershelp"]


def _get(d: dict, path: str):
    cur = d
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _items(d: dict, key: str) -> list[dict]:
    v = d.get(key)
    return v if isinstance(v, list) else []


def _s(v) -> Optional[str]:
    return None if v is None else str(v)


# field name -> (gold key that must be present, extractor from a record dict to strings)
def _scalar(path: str):
    return path.split(".")[0], lambda d: [x for x in [_s(_get(d, path))] if x is not None]


def _sub(key: str, sub: str):
    return key, lambda d: [_s(i.get(sub)) for i in _items(d, key) if i.get(sub) is not None]


FIELDS: dict[str, tuple[str, Callable[[dict], list[str]]]] = {
    "doc_type": _scalar("doc_type"),
    "title": _scalar("title"),
    "recipient_body": _scalar("recipient_body"),
    "issuing_body": _scalar("issuing_body"),
    "case_officer.name": _scalar("case_officer.name"),
    "case_officer.phone": _scalar("case_officer.phone"),
    "document_date": _scalar("document_date"),
    "diarienummer": ("diarienummer", lambda d: [str(x) for x in d.get("diarienummer") or []]),
    "remiss.from": _scalar("remiss.from"),
    "remiss.deadline": _scalar("remiss.deadline"),
    "proposed_decisions.text": _sub("proposed_decisions", "text"),
    "proposed_decisions.number": _sub("proposed_decisions", "number"),
    "proposed_decisions.actor": _sub("proposed_decisions", "actor"),
    "proposed_decisions.action": _sub("proposed_decisions", "action"),
    "stance": _scalar("stance"),
    "focus_areas.text": _sub("focus_areas", "text"),
    "focus_areas.goals": ("focus_areas", lambda d: [f"{a.get('text')} :: {g}" for a in _items(d, "focus_areas")
                                                    for g in a.get("goals") or []]),
    "signatories.name": _sub("signatories", "name"),
    "signatories.title": ("signatories", lambda d: [f"{s.get('name')} :: {s.get('title')}" for s in _items(d, "signatories")]),
    "signatories.signed_date": ("signatories", lambda d: [f"{s.get('name')} :: {s.get('signed_date')}"
                                                          for s in _items(d, "signatories")]),
    "attachments.title": _sub("attachments", "title"),
    "attachments.number": _sub("attachments", "number"),
    "dates": ("dates", lambda d: [f"{x.get('iso')}|{x.get('kind')}" for x in _items(d, "dates")]),
    "validity.from": _scalar("validity.from"),
    "validity.to": _scalar("validity.to"),
    "parties": ("parties", lambda d: [str(x) for x in d.get("parties") or []]),
    "sections.heading": _sub("sections", "heading"),
}
HEADER_FIELDS = ["doc_type", "title", "recipient_body", "issuing_body", "case_officer.name",
                 "case_officer.phone", "document_date", "diarienummer", "remiss.from"]


def _soft(s: str) -> str:
    return re.sub(r"[\W_]+", "", s.casefold())


MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "strict": lambda a, b: a == b,
    "soft": lambda a, b: _soft(a) == _soft(b),
    "levenshtein": lambda a, b: Levenshtein.normalized_similarity(a, b) >= 0.8,
    "ratcliff_obershelp": lambda a, b: difflib.SequenceMatcher(None, a, b).ratio() >= 0.95,
}


def count_matches(pred: list[str], gold: list[str], same: Callable[[str, str], bool]) -> int:
    """Greedy one-to-one matching, exact pairs first."""
    left = list(gold)
    n = 0
    rest = []
    for p in pred:
        if p in left and same(p, p):
            left.remove(p)
            n += 1
        else:
            rest.append(p)
    for p in rest:
        for i, g in enumerate(left):
            if same(p, g):
                del left[i]
                n += 1
                break
    return n


@dataclass
class Counts:
    tp: int = 0
    pred: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else (1.0 if not self.gold else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else (1.0 if not self.pred else 0.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    scores: dict[str, dict[str, Counts]] = field(default_factory=dict)  # field -> tier -> counts
    documents: int = 0
    all_right: int = 0
    wrong: dict[str, list[str]] = field(default_factory=dict)  # document -> fields not strictly right
    missing: list[str] = field(default_factory=list)  # gold documents without a record

    def f1(self, fname: str, tier: str = "strict") -> float:
        return self.scores[fname][tier].f1

    def min_strict_f1(self) -> float:
        return min((t["strict"].f1 for t in self.scores.values()), default=0.0)

    def to_dict(self) -> dict:
        return {
            "documents": self.documents,
            "all_fields_right": self.all_right / self.documents if self.documents else 0.0,
            "missing": self.missing,
            "fields": {f: {t: {"precision": c.precision, "recall": c.recall, "f1": c.f1,
                               "tp": c.tp, "pred": c.pred, "gold": c.gold} for t, c in tiers.items()}
                       for f, tiers in self.scores.items()},
            "wrong": self.wrong,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def format(self) -> str:
        lines = [f"{'field':28} {'P':>6} {'R':>6} {'F1':>6} | {'soft':>6} {'lev':>6} {'r/o':>6}   (n gold)"]
        for f, tiers in self.scores.items():
            s = tiers["strict"]
            lines.append(f"{f:28} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} | "
                         f"{tiers['soft'].f1:6.3f} {tiers['levenshtein'].f1:6.3f} "
                         f"{tiers['ratcliff_obershelp'].f1:6.3f}   ({s.gold})")
        share = self.all_right / self.documents if self.documents else 0.0
        lines.append(f"documents: {self.documents}; every field strictly right: {self.all_right} ({share:.0%})")
        for doc, fields in sorted(self.wrong.items()):
            lines.append(f"  {doc}: {', '.join(fields)}")
        if self.missing:
            lines.append(f"no record for: {', '.join(self.missing)}")
        return "\n".join(lines)


def load_gold(gold_dir: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(gold_dir).glob("*.json"))
            if not p.name.startswith("_") and p.stem != "matching"}


def evaluate(records: Iterable[Record], gold: dict[str, dict], fields: Optional[list[str]] = None) -> Report:
    by_stem = {Path(r.source.path).stem: r.to_dict() for r in records}
    report = Report()
    names = fields or list(FIELDS)
    for stem, g in gold.items():
        pred = by_stem.get(stem)
        if pred is None:
            report.missing.append(stem)
            continue
        report.documents += 1
        wrong = []
        for fname in names:
            key, get = FIELDS[fname]
            if key not in g:
                continue
            gv, pv = get(g), get(pred)
            tiers = report.scores.setdefault(fname, {t: Counts() for t in TIERS})
            for tier, same in MATCHERS.items():
                c = tiers[tier]
                c.tp += count_matches(pv, gv, same)
                c.pred += len(pv)
                c.gold += len(gv)
            if sorted(pv) != sorted(gv):
                wrong.append(fname)
        if wrong:
            report.wrong[stem] = wrong
        else:
            report.all_right += 1
    return report


def evaluate_target(gold_dir: Path, target: Path, fields: Optional[list[str]] = None) -> Report:
    """TARGET: an output directory with records.jsonl, a records.jsonl file, or documents."""
    from .store import read_jsonl
    target = Path(target)
    gold = load_gold(gold_dir)
    if target.is_dir() and (target / "records.jsonl").exists():
        records = read_jsonl(target / "records.jsonl")
    elif target.suffix == ".jsonl":
        records = read_jsonl(target)
    else:
        from .batch import discover
        from .process import process_path
        files, _ = discover([target])
        wanted = [f for f in files if f.stem in gold]
        records = [process_path(f) for f in wanted]
    return evaluate(records, gold, fields)
