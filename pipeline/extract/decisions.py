"""Proposed decisions -> `proposed_decisions` [{number, text, actor, action}].

Where: every `decision` section ("Förslag till beslut", "Förvaltningens förslag (till
beslut)", "Trafikkontorets förslag", "Beslut", …), in text order.

Conventions (the gold files follow them):
- `text` is the decision without its number ("1.", "1)", "1 "), whitespace-normalised,
  otherwise as written, including its final period. A decision that ends with a colon keeps
  its sub-points ("- att …", "a) …", or a numbered line that is not the next decision number,
  e.g. "medelsreserv: 2. Till kommunstyrelsens förfogande") in its text.
- A numbered line starts a new decision when its number is the next one expected and it
  is not a sub-point (the previous decision ended with a colon and the line has no decision
  verb). Unnumbered paragraphs and sentences are decisions when they contain a decision
  verb; other lines in the section (signatures printed under the proposal) are skipped.
- An introduction "(Förvaltningen föreslår att) <board> beslutar (att)(:)" followed by
  numbered items or "att …" lines (the older list form) is not itself a decision: each item
  is, with the board of the introduction as its `actor` (first letter upper-cased) and its
  text without the number or the leading "att" ("godkänna förvaltningens svar …").
- The same decision proposed again later (a second decision section at the end of the
  document, often with small differences such as a missing final period or OCR noise) is
  one decision: the first wording is kept and both spans are cited. Same number (or both
  unnumbered) and folded text similarity >= 0.8.
- The proposal restated in the body ("Förvaltningen föreslår att <board> godkänner …", in
  the views or closing sections) is cited as a further span of the decision it repeats.
- `actor` is the board named as the subject of the decision, as written
  ("Idrottsnämnden", "Skärholmens stadsdelsnämnd", "Nämnden"); None for impersonal
  (passive) decisions ("Ärendet läggs till handlingarna.", "Paragrafen justeras omedelbart.").
- `action` is one label of the controlled vocabulary ACTIONS (active, passive and
  infinitive forms map to the same label): godkänner, överlämnar, lägger till handlingarna,
  justerar omedelbart (also "Paragrafen förklaras omedelbart justerad"), tillstyrker,
  avstyrker, återremitterar, ger i uppdrag (also "uppdrar"), noterar (also "tar del av"),
  antar, fastställer, föreslår, hemställer, avslår, bifaller, besvarar, begär, anmäler,
  delegerar, upphäver, beslutar; None when no verb of the list is found. When one decision has several verbs ("godkänner … och
  överlämnar …") the action is the first one in the text, the main clause verb. "beslutar
  att <verb>" takes the label of <verb> when it is in the vocabulary, else "beslutar".
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Optional

from ..rxgate import gated, searches
from ..segment import fold

# label -> regex over the decision text (active, passive and infinitive forms)
ACTIONS: dict[str, str] = {
    "lägger till handlingarna": r"\b(?:lägger|läggs|lägga)\b[^.]{0,40}?\btill handlingarna",
    "justerar omedelbart": r"\bjuster(?:ar|as|a)\b[^.]{0,30}?\bomedelbart|\bomedelbart justera[dts]?\b|"
                           r"förklaras omedelbart justerad",
    "ger i uppdrag": r"\b(?:ger|ges|ge)\b[^.]{0,80}?\bi uppdrag\b|\buppdrar\b|\buppdras\b",
    "godkänner": r"\bgodkänn(?:er|s|a)\b",
    "överlämnar": r"\böverlämn(?:ar|as|a)\b",
    "tillstyrker": r"\btillstyrk(?:er|s|a)\b",
    "avstyrker": r"\bavstyrk(?:er|s|a)\b",
    "återremitterar": r"\båterremitter(?:ar|as|a)\b",
    "noterar": r"\bnoter(?:ar|as|a)\b|\btar del av\b",
    "antar": r"\bant(?:ar|as|a)\b",
    "fastställer": r"\bfastställ(?:er|s|a)\b",
    "föreslår": r"\bföreslå(?:r|s)?\b",
    "hemställer": r"\bhemställ(?:er|s|a)\b",
    "avslår": r"\bavslå(?:r|s)?\b",
    "bifaller": r"\bbifall(?:er|s|a)\b",
    "besvarar": r"\bbesvar(?:ar|as|a)\b",
    "begär": r"\bbegär(?:s|a)?\b",
    "anmäler": r"\banmäl(?:er|s|a)\b",
    "delegerar": r"\bdeleger(?:ar|as|a)\b",
    "upphäver": r"\bupphäv(?:er|s|a)\b",
    "beslutar": r"\bbeslut(?:ar|as)\b",
}
_ACTION_RX = [(label, gated(rx, re.I)) for label, rx in ACTIONS.items()]   # every decision tries all
_BESLUTAR_ATT = re.compile(r"\bbeslutar\s+att\s+", re.I)
# a subject that names a board: "Idrottsnämnden", "Skärholmens stadsdelsnämnd", "Nämnden"
_ACTOR_RX = re.compile(r"^([A-ZÅÄÖ][\w\-–]*(?:\s+(?:och\s+)?[\w\-–]+){0,4}?\s*(?:nämnd|nämnden|styrelse|styrelsen|"
                       r"fullmäktige|utskott|utskottet)|[A-ZÅÄÖ][\wåäö\-]*(?:nämnden|styrelsen|fullmäktige|utskottet)|"
                       r"Nämnden|Styrelsen|Utskottet|Stadsdelsnämnden)$")
_NUM_RX = re.compile(r"^\s*(\d{1,2})(?:[.)]\s*|\s+)(?=\S)")
_SUB_RX = re.compile(r"^\s*(?:[-•–*▪]\s+|[a-z][.)]\s+|att\s)")
# "(Kontoret föreslår att) (kommunstyrelsen föreslår) <board> beslutar/besluta (att|följande)(:)"
_INTRO_RX = gated(re.compile(r"^(?:.*?\bföreslår\s+att\s+)?(?:[\w\-– ]+?\s+föreslår\s+)?(?P<actor>[\w\-– ]+?)\s+"
                             r"(?:beslutar|besluta|att besluta|fattar följande beslut)(?:\s+(?:att|följande))?\s*:?$", re.I))
_ATT_RX = re.compile(r"^\s*att\s+(?=\S)")
# the older list form flattened onto one line: an introduction and two or more "att" items
_INLINE_ATT_RX = gated(re.compile(r"^(?:.*?\bföreslår\s+att\s+)?(?:[\w\-– ]+?\s+föreslår\s+)?(?P<actor>[\w\-– ]+?)\s+"
                                  r"(?:beslutar|besluta)\s+att\s+(?P<first>\S)(?=.*[,;]\s+att\s)", re.I))
# sentence ends, and a colon before a list's first number ("… besluta följande: 1. Kommunfullmäktige …")
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=(?:\d{1,2}[.)]?\s+)?[A-ZÅÄÖ])|(?<=:)\s+(?=1[.)]\s+\S)")


_ACTION_PATTERNS = [rx for _, rx in _ACTION_RX]


_NONSPACE = re.compile(r"\S+")
_LINE = re.compile(r"[^\n]+")
_NUMBER_AT_END = re.compile(r"(?:^|:)\s*\d{1,2}[.)]$")
_BLANKS = re.compile(r"[ \t]+")
_ATT_ITEM = re.compile(r"[,;]\s+att\s+")
_ATT_TAIL = re.compile(r"\s+att\s*$")
_CLOSED = re.compile(r"[.:;]$")
_NEXT_NUMBER_TAIL = re.compile(r"(?<=[.!?])\s+\d{1,2}[.)]?$")


@lru_cache(maxsize=1 << 12)
def action_of(text: str) -> tuple[Optional[str], Optional[re.Match]]:
    """The action label of a decision text and the match of its verb (first verb wins).
    Memoised: every line of every decision section is asked, and proposals are written
    from the same few phrasings (the match is only read for its position)."""
    best = None
    for (label, _), m in zip(_ACTION_RX, searches(_ACTION_PATTERNS, text)):
        if m and (best is None or m.start() < best[1].start()):
            best = (label, m)
    if best is None:
        return None, None
    label, m = best
    if label == "beslutar":
        inf = _BESLUTAR_ATT.match(text, m.start())
        if inf:
            rest = text[inf.end():]
            for lab, rx in _ACTION_RX:
                mm = rx.match(rest)
                if mm and lab != "beslutar":
                    return lab, m
    return label, m


def actor_of(text: str, verb: Optional[re.Match]) -> Optional[str]:
    if verb is None:
        # a verb outside the vocabulary ("Stadsdelsnämnden utser …"): the shortest board name
        # at the start that a lower-case word (the verb) follows
        words = list(_NONSPACE.finditer(text))
        for k in range(1, min(6, len(words) - 1) + 1):
            m = _ACTOR_RX.match(text[:words[k - 1].end()])
            if m and words[k].group()[:1].islower():
                return m.group(1)
        return None
    subject = text[:verb.start()].strip()
    m = _ACTOR_RX.match(subject)
    return m.group(1) if m else None


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Non-blank line spans, then split into sentences where a line holds several decisions
    (flattened exports put a whole section on one line)."""
    out = []
    for m in _LINE.finditer(text[start:end]):
        s, e = start + m.start(), start + m.end()
        line = text[s:e]
        if not line.strip():
            continue
        pieces, pos = [], 0
        for sm in _SENT_SPLIT.finditer(line):
            if _NUMBER_AT_END.search(line[pos:sm.start()]):
                continue  # "1. Nämnden …", "medelsreserv: 2. Till …": the number starts what follows
            pieces.append((pos, sm.start()))
            pos = sm.end()
        pieces.append((pos, len(line)))
        for a, b in pieces:
            seg = line[a:b]
            lead = len(seg) - len(seg.lstrip())
            if seg.strip():
                out.append((s + a + lead, s + a + len(seg.rstrip())))
    return out


def _blank_between(text: str, a: int, b: int) -> bool:
    return "\n\n" in _BLANKS.sub("", text[a:b])


def parse_section(text: str, start: int, end: int) -> list[dict]:
    """Decisions of one decision section: dicts with number, text, spans."""
    items: list[dict] = []
    expected = 1
    prev_end = None
    intro_actor = None
    for s, e in _lines(text, start, end):
        line = text[s:e]
        intro = _INTRO_RX.match(line)
        if intro and not items and _ACTOR_RX.match(intro.group("actor")[:1].upper() + intro.group("actor")[1:]):
            a = intro.group("actor")
            intro_actor = a[:1].upper() + a[1:]
            prev_end = e
            continue
        inline = _INLINE_ATT_RX.match(line) if not items else None
        if inline and _ACTOR_RX.match(inline.group("actor")[:1].upper() + inline.group("actor")[1:]):
            # flattened "… <board> beslutar att A, att B, att C.": one decision per "att" item
            a = inline.group("actor")
            actor = a[:1].upper() + a[1:]
            bounds = [inline.start("first")] + [m.end() for m in _ATT_ITEM.finditer(line)] + [len(line)]
            for x, y in zip(bounds, bounds[1:]):
                raw = _ATT_TAIL.sub("", line[x:y].rstrip()) if y < len(line) else line[x:y]
                items.append({"number": None, "raw": raw, "start": s + x, "end": s + x + len(raw), "actor": actor})
            prev_end = e
            continue
        att = _ATT_RX.match(line) if intro_actor else None
        if att:   # "att godkänna …": one decision of the introduced board
            items.append({"number": None, "raw": line[att.end():], "start": s + att.end(), "end": e,
                          "actor": intro_actor})
            prev_end = e
            continue
        num = _NUM_RX.match(line)
        cur = items[-1] if items else None
        adjacent = cur is not None and prev_end == cur["end"]   # the previous line belongs to cur
        open_colon = cur is not None and cur["raw"].rstrip().endswith(":")
        has_verb = action_of(line)[0] is not None
        if num and int(num.group(1)) == expected and not (open_colon and not has_verb):
            items.append({"number": int(num.group(1)), "raw": line[num.end():], "start": s + num.end(), "end": e,
                          "actor": intro_actor})
            expected += 1
        elif adjacent and (open_colon or (cur.get("sub") and _SUB_RX.match(line))
                           or (not _blank_between(text, prev_end, s) and not num and line[:1].islower()
                               and (not has_verb or not _CLOSED.search(cur["raw"].rstrip())))):
            # a sub-point after a colon, or the wrapped rest of the decision
            cur["sub"] = cur.get("sub") or open_colon
            cur["raw"] += " " + line
            cur["end"] = e
        elif not num and has_verb and expected == 1 and (cur is None or cur["number"] is None):
            items.append({"number": None, "raw": line, "start": s, "end": e})
        elif num and has_verb and cur is None:
            # numbering that does not start at 1 is still a decision list
            items.append({"number": int(num.group(1)), "raw": line[num.end():], "start": s + num.end(), "end": e})
            expected = int(num.group(1)) + 1
        # anything else (names and titles printed under the proposal, notes) is not a decision
        prev_end = e
    out = []
    for it in items:
        body = " ".join(it["raw"].split())   # = re.sub(r"\s+", " ", …).strip(), faster
        # the number of the next numbered heading ("… kommunstyrelsen. 2. Bakgrund" flattened)
        body = _NEXT_NUMBER_TAIL.sub("", body)
        out.append({"number": it["number"], "text": body, "spans": [(it["start"], it["end"])],
                    "actor": it.get("actor")})
    return out


def _similar(a: str, b: str, threshold: float) -> bool:
    """SequenceMatcher(None, a, b).ratio() >= threshold, its cheap upper bounds tried first
    (the length bound without building a matcher, then the bag of characters)."""
    if a == b:
        return threshold <= 1.0   # ratio() of equal strings is 1.0 (the same decision repeated)
    la, lb = len(a), len(b)
    if la + lb and 2.0 * min(la, lb) / (la + lb) < threshold:   # = real_quick_ratio()
        return False
    sm = SequenceMatcher(None, a, b)
    return sm.quick_ratio() >= threshold and sm.ratio() >= threshold


def _same(a: dict, b: dict) -> bool:
    if a["number"] != b["number"]:
        return False
    return _similar(fold(a["text"]).rstrip("."), fold(b["text"]).rstrip("."), 0.8)


# = \b(?:föreslår|förslår)…, the first letter before the boundary test (see parties._RUNNING)
_RESTATED = gated(re.compile(r"f(?<!\wf)(?:öreslår|örslår)\s+(?:därför\s+|att\s+)+(?=[A-ZÅÄÖa-zåäö])([^.]+\.?)"))


def restated(text: str, sections, found: list[dict]) -> None:
    """Add the spans of "… föreslår att <decision>" sentences outside the decision sections."""
    folded = [fold(d["text"]).rstrip(".") for d in found]
    for sec in sections:
        for m in _RESTATED.finditer(text, sec.start, sec.end):
            cand = fold(m.group(1)).rstrip(".")
            for d, fd in zip(found, folded):
                if _similar(fd, cand, 0.9):
                    d["spans"].append(m.span(1))
                    break


def extract(ctx, out) -> None:
    text = ctx.text
    found: list[dict] = []
    for sec in ctx.sections_of("decision"):
        for d in parse_section(text, sec.start, sec.end):
            twin = next((f for f in found if _same(f, d)), None)
            if twin is not None:
                twin["spans"].extend(d["spans"])
            else:
                found.append(d)
    restated(text, ctx.sections_of("views", "end", "summary"), found)
    for d in found:
        action, verb = action_of(d["text"])
        actor = d.get("actor") or actor_of(d["text"], verb)
        item = {"number": d["number"], "text": d["text"], "actor": actor, "action": action}
        out.append("proposed_decisions", item, d["spans"])
