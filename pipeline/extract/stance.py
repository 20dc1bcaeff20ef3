"""Stance -> `stance` (positive / negative / neutral / mixed), evidence = the sentences showing it.

The stance is the position the document takes on the matter it answers. Sentences of every
section except the head block are read for cue phrases (matched on the folded text, so
OCR-damaged å/ä/ö still match):
- positive: "ställer sig (i huvudsak) positiv till", "ser (också) positivt på", "tillstyrker",
  "välkomnar", "ställer sig bakom", "anser/tycker att … är bra", "är (i huvudsak) positiv till";
- negative: "avstyrker", "ställer sig negativ till", "ser negativt på", "motsätter sig",
  "kan inte ställa sig bakom", "anser inte att", "är (också) kritisk/negativ till", "avvisar";
- neutral: "har inga (ytterligare) synpunkter", "ingen erinran", "inga invändningar",
  "läggs/lägger … till handlingarna".
Both positive and negative cues -> mixed; only one polarity -> that; only neutral cues ->
neutral; no cue at all -> None (a proposal to approve the office's own agreement takes
no stance). Positive and negative cues count only in a remiss answer (the header found
the remiss sender, or the head block or a decision speaks of a remiss or yttrande): "Kontoret
anser att avtalet är bra" in a proposal to approve the office's own agreement is no stance.
The stance sentences are cited as evidence.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from ..segment import _FOLD_PAIRS, fold
from .dates import sentences

# folded cues (lower case, å/ä -> a, ö -> o)
CUES: dict[str, list[str]] = {
    "positive": [r"staller sig (?:\w+ ){0,3}positiv", r"ser (?:\w+ )?positivt pa", r"\btillstyrk(?:er|s)\b",
                 r"\bvalkomnar\b", r"staller sig bakom", r"(?:anser|tycker) att [^.]{0,160}?\bar (?:\w+ )?bra\b",
                 r"\bar (?:\w+ ){0,3}positiv(?:a)? till"],
    "negative": [r"\bavstyrk(?:er|s)\b", r"staller sig (?:\w+ ){0,3}negativ", r"ser (?:\w+ )?negativt pa",
                 r"motsatter sig", r"kan inte stalla sig bakom", r"\banser inte att", r"\bar (?:\w+ ){0,3}(?:kritisk|negativ) till",
                 r"\bavvisar\b"],
    "neutral": [r"har inga (?:\w+ )?synpunkter", r"ingen erinran", r"inga invandningar",
                r"\b(?:laggs|lagger|lagga)\b[^.]{0,40}?till handlingarna"],
}
# one alternation per kind: a sentence shows a kind when any of its cues is found
_RX = {k: re.compile("|".join(f"(?:{c})" for c in v)) for k, v in CUES.items()}
# words without which no cue of the kind can match (each cue above holds one of them outside
# any optional part): most sentences lack them all and skip the regex. Keep in step with CUES.
_NEEDLES = {"positive": ("positiv", "tillstyrk", "valkomnar", "bakom", "bra"),
            "negative": ("avstyrk", "negativ", "motsatter", "bakom", "anser inte", "kritisk", "avvisar"),
            "neutral": ("synpunkter", "erinran", "invandningar", "handlingarna")}


# what fold(sentence) holds when a needle is in it, as found in the text folded in place
# (white space not collapsed): the needles' words ("anser inte" -> "anser"), pieces shared
_WORD_NEEDLES = ("positiv", "styrk", "valkomnar", "bakom", "bra", "negativ", "motsatter", "anser", "kritisk",
                 "avvisar", "synpunkter", "erinran", "invandningar", "handlingarna")
assert all(any(w in n for w in _WORD_NEEDLES) for ns in _NEEDLES.values() for n in ns)


def _cue_sentences(text: str, sents: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences of `sents` that may hold a cue (_kinds is () for the others): those
    holding a needle word, found in one fold of the whole text. Most sentences hold none,
    and most are new to the process (each would be folded and memoised)."""
    if not sents:
        return sents
    base = sents[0][0]   # (the text before the first sentence is not read)
    part = text[base:sents[-1][1]]
    low = part.lower()
    if len(low) != len(part) or "\u03a3" in part:
        return sents   # lower-casing moves offsets or depends on context: no in-place fold
    for a, b in _FOLD_PAIRS:
        if a in low:
            low = low.replace(a, b)
    hits = set()
    starts = [s - base for s, _ in sents]
    for n in _WORD_NEEDLES:
        i = low.find(n)
        while i != -1:
            k = bisect_right(starts, i) - 1
            if k >= 0 and base + i + len(n) <= sents[k][1]:
                hits.add(k)
            i = low.find(n, i + 1)
    return [sents[k] for k in sorted(hits)]


@lru_cache(maxsize=1 << 14)
def _kinds(sentence: str) -> tuple[str, ...]:
    """The kinds of cue a sentence holds (memoised: standard phrasings recur across documents)."""
    f = fold(sentence)
    return tuple(kind for kind, rx in _RX.items() if any(n in f for n in _NEEDLES[kind]) and rx.search(f))


def classify(found: dict[str, list]) -> str | None:
    pos, neg, neu = (bool(found[k]) for k in ("positive", "negative", "neutral"))
    if pos and neg:
        return "mixed"
    if pos:
        return "positive"
    if neg:
        return "negative"
    return "neutral" if neu else None


def _answers_remiss(ctx, out) -> bool:
    """A remiss answer: the header found who sent the remiss, or the head block or a
    decision speaks of a remiss ("som svar på remissen")."""
    remiss = out.values.get("remiss")
    remiss_from = remiss.get("from") if isinstance(remiss, dict) else getattr(remiss, "from_", None)
    heads = ctx.sections_of("head")
    head = ctx.text[heads[0].start:heads[0].end] if heads else ""
    decisions = " ".join(ctx.text[s.start:s.end] for s in ctx.sections_of("decision"))
    if remiss_from:
        return True
    f = fold(head + " " + decisions)
    return "remiss" in f or "yttrande" in f


def extract(ctx, out) -> None:
    text = ctx.text
    heads = ctx.sections_of("head")
    body_start = heads[0].end if heads else 0
    remiss_answer = _answers_remiss(ctx, out)
    found: dict[str, list[tuple[int, int]]] = {k: [] for k in CUES}
    for s, e in _cue_sentences(text, [x for x in sentences(text) if x[1] > body_start]):
        for kind in _kinds(text[s:e]):
            found[kind].append((s, e))
    if not remiss_answer:
        # a document that answers no remiss takes a position only by filing the matter
        # ("läggs till handlingarna"); its office's view of its own proposal is no stance
        found["positive"], found["negative"] = [], []
    stance = classify(found)
    if stance is None:
        return
    kinds = {"mixed": ("positive", "negative"), "neutral": ("neutral",)}.get(stance, (stance,))
    spans = sorted({sp for k in kinds for sp in found[k]})
    out.set("stance", stance, spans)
