"""Parties -> `parties`: the organisations named as parties to the cooperation.

Sources, in this order (duplicates, case-insensitive, are listed once):
1. the agreement the document is about: the first "överenskommelse/avtal … mellan X och Y"
   in the head block (everything before the first decision section), the decision or the
   summary ("mellan Stockholms stad och Polisregion
   Stockholm"); if there is none there, "X och Y ingick/tecknade … överenskommelse" in the
   same sections;
2. enumerations of cooperating parties anywhere: "Samverkande parter (utöver A och B) är
   C, D och E", "… består samverkande parter av representanter från …", "Utöver A och B
   är i dagsläget C, D … engagerade i samverkansarbetet", "I rådet/styrgruppen ingår C, D
   och E", "en arbetsgrupp med representanter för C och D", "Utöver A och B deltar C och D
   i arbetet", "(för)valtningen samarbetar/samverkar (sedan 2002) med C och D", "…
   tillsammans med C och D". An item ends at a stop word or a lower-case participle
   ("… och Stockholmshem arbetat med …").
Items are split on commas, "och", "samt"; generic references to the principal parties
("förvaltningen", "polisen", "staden", "nämnden", …) are dropped since they name no
organisation; a trailing period of validity ("2021–2022") is dropped; the first letter is
upper-cased ("trafikkontoret" -> "Trafikkontoret"), the rest is as written.
"""
from __future__ import annotations

import re

from ..rxgate import gated

GENERIC = {"förvaltningen", "stadsdelsförvaltningen", "stadsdelsförvaltningarna", "polisen", "lokalpolisområdet",
           "lokalpolisområdena", "staden", "nämnden", "nämnderna", "kommunen", "parterna", "myndigheterna",
           "kontoret", "stadsdelsnämnden", "stadsdelsnämnderna", "polismyndigheten"}
_STOP = {"i", "om", "för", "med", "enligt", "som", "samt", "är", "har", "ska", "kan", "och", "vilket", "där", "till",
         "avseende", "gällande", "från", "under", "inom", "på", "kring", "om",
         # words that begin the next line of a flattened title block
         "svar", "remiss", "dnr", "yttrande", "förslag", "sammanfattning", "handläggare", "tjänsteutlåtande"}
_MELLAN = gated(re.compile(r"(?:överenskommelse|avtal)\w*\s+(?:\w+\s+){0,2}?mellan\s+(.+?)\s+och\s+(\S+(?:[ \t]*\n?[ \t]*\S+){0,5})",
                           re.I))
_SIGNED = gated(re.compile(r"(?:^|(?<=[.\n]))\s*([A-ZÅÄÖ][^\n.]{2,80}?)\s+och\s+([a-zåäöA-ZÅÄÖ][^\n.]{2,60}?)\s+"
                           r"(?:ingick|tecknade|har ingått|har tecknat)\b[^.]{0,60}?(?:överenskommelse|avtal)"))
_ENUM = [
    gated(re.compile(r"[Ss]amverkande\s+parter\s+(?:lokalt\s+)?(?P<body>.+?)(?:\.(?=\s|$)|$)", re.S)),
    gated(re.compile(r"[Ss]amverkansparter(?:na)?\s+(?:är|utgörs av)\s+(?P<body>(?:[A-ZÅÄÖ]|\w+(?:förvaltningen|kontoret)\b)"
                     r".+?)(?:\.(?=\s|$)|$)", re.S)),
    gated(re.compile(r"Utöver\s+(?P<ut>.+?)\s+är\s+(?:i dag(?:släget)?\s+|enligt förslaget\s+)?(?P<body>.+?)\s+engagerade\s+i\s+"
                     r"samverkan", re.S)),
]
# parties named in running text: the clause goes on after the names, so the body ends at
# the first stop word or participle ("… och Stockholmshem arbetat med …", "Polisen ska …").
# Each opens with its first letter and tests the word boundary after it ("m(?<!\wm)ed" =
# "\bmed"), so re jumps from one such letter to the next (tests/test_parties.py).
_RUNNING = [
    gated(re.compile(r"[Ii](?<!\w.)\s+(?:rådet|styrgruppen|arbetsgruppen|samverkansgruppen|samverkansrådet|gruppen)\s+"
                     r"(?:föreslås\s+|ska\s+|kommer\s+att\s+)?(?:ingå|ingår)\s+"
                     r"(?:i dag\s+)?(?P<body>[^.]+)")),
    gated(re.compile(r"m(?<!\wm)ed\s+representanter\s+(?:för|från)\s+(?P<body>[^.]+)")),
    gated(re.compile(r"[Uu](?<!\w.)töver\s+(?P<ut>[^.]+?)\s+(?:deltar|medverkar|ingår)\s+(?:även\s+|också\s+)?(?P<body>[^.]+)")),
    gated(re.compile(r"s(?<!\ws)am(?:arbetar|verkar)\b(?:\s+\w+){0,3}?\s+med\s+(?P<body>[^.]+)")),
    gated(re.compile(r"t(?<!\wt)illsammans\s+med\s+(?P<body>[^.]+?)(?=\s+(?:tagit|tagits|tar|har|tog)\b|\.|$)")),
]
# a lower-case participle or supine ends a party's name in running text ("Stockholmshem arbetat med")
_VERBISH = re.compile(r"[a-zåäö]{2,}(?:at|ats|it|its|ade|ades|ande)")
_FILLER = re.compile(r"^(?:är|består|enligt förslaget|i dag(?:släget)?|utöver|av|representanter|från|lokalt)\b\s*,?\s*", re.I)


_YEAR_TAIL = re.compile(r"\s+(?:19|20)\d\d(?:\s?[-–]\s?(?:19|20)\d\d)?$")
_YEARS = re.compile(r"(?:19|20)\d\d(?:[-–](?:19|20)\d\d)?")
_NONSPACE = re.compile(r"\S+")
_LIST_SEPARATOR = re.compile(r",\s*|\s+och\s+|\s+samt\s+(?:från\s+)?")
# what an enumeration's body may open with, dropped
_LEAD_VERB = re.compile(r"^(?:är|består av|utgörs av)\s+(?:enligt förslaget\s+)?")
_LEAD_UTOVER_PAIR = re.compile(r"^utöver\s+(\S+)\s+och\s+(\S+)\s+(?=[A-ZÅÄÖa-zåäö])")
_LEAD_UTOVER = re.compile(r"^,?\s*utöver\s+")


def _lead_sub(rx: re.Pattern, s: str, repl: str = "") -> str:
    """= rx.sub(repl, s) for a pattern that opens with "^" (no re.M): tried at the start
    only, where sub() would try every position of the string."""
    m = rx.match(s)
    return s if m is None else (m.expand(repl) if repl else "") + s[m.end():]


def _clean(item: str) -> str | None:
    item = " ".join(item.split()).strip(" ,.;:")   # (= re.sub(r"\s+", " ", item).strip(" ,.;:"))
    if item[-1:].isdigit():   # (every match of _YEAR_TAIL ends with a digit)
        item = _YEAR_TAIL.sub("", item)
    prev = None
    while prev != item:
        prev = item
        item = _lead_sub(_FILLER, item).strip(" ,")
    if not item or item.lower() in GENERIC or len(item) < 3:
        return None
    return item[0].upper() + item[1:]


def _in_place(word: str, nxt: str) -> bool:
    """"i" before a capitalised place name belongs to the name ("Polismyndigheten i
    Stockholms län", "Svenska kyrkan i Maria Magdalena")."""
    return word == "i" and nxt[:1].isupper()


def _name_tail(text: str) -> str:
    """A name that runs from the start of `text` until a stop word or punctuation."""
    words = []
    toks = text.split()   # (= the \s+-separated words)
    for i, w in enumerate(toks):
        bare = w.rstrip(".,;:")
        if _in_place(bare, toks[i + 1] if i + 1 < len(toks) else ""):
            words.append(bare)
            continue
        if bare.lower() in _STOP or _YEARS.fullmatch(bare):
            break
        words.append(bare)
        if bare != w:
            break
    return " ".join(words)


def _until_stop(body: str) -> str:
    """`body` up to its first stop word (but "och", "samt") or lower-case participle, or the
    word after a generic party that is not a list separator ("polisen upprätta …")."""
    prev = ""
    toks = list(_NONSPACE.finditer(body))
    for i, m in enumerate(toks):
        w = m.group().rstrip(",;:")
        if _in_place(w, toks[i + 1].group() if i + 1 < len(toks) else "") and prev.lower() not in GENERIC:
            prev = m.group()
            continue
        if w.lower() in _STOP - {"och", "samt"} or _VERBISH.fullmatch(w) or (
                prev.lower() in GENERIC and w.lower() not in ("och", "samt")):
            return body[:m.start()]
        prev = m.group()   # with its comma: "polisen, Stockholmshem" goes on
    return body


def _split(body: str) -> list[str]:
    return [p for p in _LIST_SEPARATOR.split(body) if p.strip()]


def principal(text: str, regions: list[tuple[int, int]]) -> list[tuple[str, tuple[int, int]]]:
    for a, b in regions:
        m = _MELLAN.search(text, a, b)
        if m:
            x = " ".join(m.group(1).split())
            y = _name_tail(m.group(2))
            return [(x, m.span(1)), (y, (m.start(2), m.start(2) + len(y)))]
    for a, b in regions:
        m = _SIGNED.search(text[a:b])   # a slice, so that "^" is the start of the section
        if m:
            return [(m.group(1).strip(), (a + m.start(1), a + m.end(1))),
                    (m.group(2).strip(), (a + m.start(2), a + m.end(2)))]
    return []


def enumerated(text: str) -> list[tuple[str, tuple[int, int]]]:
    found = []
    for rx in _ENUM + _RUNNING:
        for m in rx.finditer(text):
            body = m.group("body")
            if "ut" in rx.groupindex and m.group("ut"):
                body = m.group("ut") + ", " + body
            body = _lead_sub(_LEAD_VERB, body.strip())
            # "utöver A och B" without commas: the clause is two single words
            body = _lead_sub(_LEAD_UTOVER_PAIR, body.strip(), r"\1, \2, ")
            body = _lead_sub(_LEAD_UTOVER, body)
            if rx in _RUNNING:
                body = _until_stop(body)
            for part in _split(body):
                found.append((part, m.span("body")))
    return found


def extract(ctx, out) -> None:
    text = ctx.text
    # the head block runs to the first decision (the title may have been taken for a heading)
    first_decision = next((s.heading_start for s in ctx.sections if s.kind == "decision"), None)
    regions = [(0, first_decision if first_decision is not None else ctx.sections[0].end)]
    regions += [(s.start, s.end) for s in ctx.sections if s.kind in ("decision", "summary")]
    seen: dict[str, int] = {}
    for raw, span in principal(text, regions) + enumerated(text):
        name = _clean(raw)
        if name is None:
            continue
        key = name.lower()
        if key in seen:
            out.cite(f"parties[{seen[key]}]", [span])
            continue
        seen[key] = out.append("parties", name, [span])
