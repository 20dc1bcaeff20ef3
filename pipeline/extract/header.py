"""Header metadata: doc_type, title, recipient_body, issuing_body, case_officer,
document_date, diarienummer, remiss.from.

The head of a tjänsteutlåtande (everything before the first section heading) holds a
Handläggare/Telefon block, a "Till <board> <date>" block and the title. The same
fields are found when the document has been flattened to one line, because every
pattern here treats any run of white space alike and the title is cut at the first
known heading, subtitle ("Svar på remiss …") or Dnr.

A value that is not in the document stays None: nothing is guessed.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Optional

from ..rxgate import gated
from . import Context, Out

W = r"[A-ZÅÄÖa-zåäöéü]"
BOARD_SUFFIX = (r"(?:stadsdelsnämnd(?:en)?|nämnd(?:en)?|styrelsen?|fullmäktige|kontoret|förvaltningen|"
                r"stadsdelsförvaltning(?:en)?|departementet|Regeringskansliet|Länsstyrelsen)")
# "Kommunstyrelsen", "Hässelby-Vällingby stadsdelsnämnd", "Miljö- och hälsoskyddsnämnden"
# a district name may have a lower-case second word ("Maria-Gamla stans stadsdelsnämnd")
BOARD = (rf"(?:[A-ZÅÄÖ]{W}*(?:-[A-ZÅÄÖ]?{W}+)*(?:\s+[a-zåäö]{W}*s(?=\s+stadsdels))?s?\s+(?:och\s+{W}+\s+)?{BOARD_SUFFIX}"
         rf"|[A-ZÅÄÖa-zåäö]{W}*(?:-\s+och\s+{W}+)?{BOARD_SUFFIX})")
ISO_DATE = r"(?:19|20)\d\d-[01]\d-[0-3]\d"
PHONE = r"\+?\d[\d \-–]{5,}\d"

HANDLAGGARE_RX = gated(re.compile(
          r"Handläggare\s*:?\s+(?P<name>[A-ZÅÄÖ][^\n\d:,\t]*?)\s*(?:[\n,\t]|(?=Telefon|Tel\.?|Tfn|Till\b|E-post|$))"))
PHONE_RX = re.compile(rf"(?:Telefon|Tel\.?|Tfn\.?)\s*:?\s*(?P<phone>{PHONE})", re.I)
# = (?:^|\s)Till…, the white space before "Till" tested after it: re then looks for the
# literal "Till" at memchr speed instead of trying the pattern at every position
TILL_RX = re.compile(rf"Till(?<!\STill)\s*:?\s+(?P<body>{BOARD}(?:\s+{BOARD})?)(?:\s+(?P<date>{ISO_DATE}))?")
YTTRANDE_TILL_RX = re.compile(rf"\b(?:Yttrande|Svar|Remissvar)\s+till\s+(?P<body>{BOARD})")
DATE_LABEL_RX = re.compile(rf"(?:Datum\s*:?\s*)?(?P<date>{ISO_DATE})")
REMISS_FROM_RX = gated(re.compile(
          rf"\b(?:[Rr]emiss(?:en|underlag|underlaget)?)\s+fr[aå]n\s+(?P<body>{BOARD})"
          rf"|(?P<body2>{BOARD})\s+har\s+(?:remitterat|skickat\s+[^.]{{0,80}}?på\s+remiss"
          rf"|(?:gett|givit|berett)\s+[^.]{{0,80}}?tillfälle\s+att\s+(?:yttra\s+sig|lämna\s+synpunkter)"
          rf"|begärt\s+(?:ett\s+)?yttrande|bjudit\s+in\s+[^.]{{0,80}}?att\s+(?:yttra\s+sig|lämna\s+synpunkter))"))
# Diarienummer shapes vary by authority: "KS 2023/740", "SDN 2019/123", "1.2.3-456/2019",
# "T2019-01234", "TN 2019-0812". After a Dnr label take the whole number; unlabelled,
# only the registry-prefix + year/number shape.
# Patterns scanned over the whole text open with their first character, the word-boundary
# test written as a look-behind after it ("D(?<!\wD)" = "\bD"): re then jumps from one
# possible first character to the next instead of trying the pattern at every position.
DNR_LABELLED_RX = re.compile(   # = \b(?:Dnr|Dnr\.|Diarienr|Diarienummer|Vårt dnr|Ert dnr|Ärendenummer)…
    r"(?:D(?<!\wD)(?:nr|nr\.|iarienr|iarienummer)|V(?<!\wV)årt dnr|E(?<!\wE)rt dnr|Ä(?<!\wÄ)rendenummer)\s*:?\s*"
    r"(?P<dnr>(?:[A-ZÅÄÖ]{1,6}[ -]?)?\d[\d.]*(?:[-/:][\d.]*\d)+)")
# = (?<![\w/])(?P<dnr>[A-ZÅÄÖ]{2,6} …
DNR_SHAPE_RX = re.compile(r"(?P<dnr>[A-ZÅÄÖ](?<![\w/].)[A-ZÅÄÖ]{1,5} (?:19|20)\d\d[/:-]\d{1,6})(?![\w/])")

DOC_TYPE_WORDS = [("tjänsteutlåtande", r"Tjänsteutlåtande"), ("yttrande", r"Yttrande"),
                  ("remissvar", r"Remissvar"), ("protokoll", r"(?:Protokoll|Protokollsutdrag)"),
                  ("utlåtande", r"Utlåtande")]
SUBTITLE_RX = re.compile(r"(?:(?<=[^.\s])\s+|\n\s*\n\s*)(?=(?:Svar på remiss|Svar pa remiss|Remiss från|Dnr\b|Diarienummer))")


_LINE = re.compile(r"[^\n]+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_WORD_TILL = re.compile(r"^\w+ till ")


def _norm(s: str) -> str:
    # = re.sub(r"\s+", " ", s).strip() (str.split() splits at what \s matches), faster
    return " ".join(s.split())


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def extract(ctx: Context, out: Out) -> None:
    text = ctx.text
    head = ctx.sections[0] if ctx.sections and ctx.sections[0].kind == "head" else None
    hs, he = (head.start, head.end) if head else (0, 0)
    head_text = text[hs:he]
    field_ends = [hs]

    # Case officer: Handläggare + Telefon, both in the head; a phone elsewhere (Växel, Fax) never counts.
    m = HANDLAGGARE_RX.search(head_text)
    if m:
        name = _norm(m.group("name"))
        officer_spans = [(hs + m.start("name"), hs + m.end("name"))]
        out.set("case_officer", {"name": name, "phone": None})
        out.cite("case_officer.name", officer_spans)
        field_ends.append(hs + m.end())
        p = PHONE_RX.search(head_text, m.end())
        if p and p.start() - m.end() < 80:
            out.values["case_officer"]["phone"] = _norm(p.group("phone"))
            out.cite("case_officer.phone", [(hs + p.start("phone"), hs + p.end("phone"))])
            field_ends.append(hs + p.end())

    # Recipient: "Till <board> [date]"; or "Yttrande till <board>".
    t = TILL_RX.search(head_text)
    if t:
        out.set("recipient_body", _cap(_norm(t.group("body"))), [(hs + t.start("body"), hs + t.end("body"))])
        field_ends.append(hs + t.end())
        if t.group("date"):
            out.set("document_date", t.group("date"), [(hs + t.start("date"), hs + t.end("date"))])
    else:
        y = YTTRANDE_TILL_RX.search(head_text)
        if y:
            out.set("recipient_body", _cap(_norm(y.group("body"))), [(hs + y.start("body"), hs + y.end("body"))])
    if "document_date" not in out.values:
        d = DATE_LABEL_RX.search(head_text)
        if d:
            out.set("document_date", d.group("date"), [(hs + d.start("date"), hs + d.end("date"))])
            field_ends.append(hs + d.end())

    _title(ctx, out, hs, he, max(field_ends))
    _diarienummer(ctx, out, hs, he)
    _remiss_from(ctx, out)
    _doc_type(ctx, out, head_text, hs)
    _issuing_body(ctx, out)


LETTERHEAD_LINE_RX = re.compile(
    rf"^(?:[A-ZÅÄÖ]{W}*(?:-[A-ZÅÄÖ]{W}+)*s? stadsdelsförvaltning|[A-ZÅÄÖ]{W}*(?:förvaltningen|kontoret)"
    rf"|(?:Avdelningen|Enheten|Sektionen|Staben|Kansliet)\b.*|[A-ZÅÄÖ]{W}* (?:avdelningen|enheten)"
    rf"|Staben|Kansliet|Stockholms stad|{BOARD})$")
TYPE_LINE_RX = re.compile(rf"^(?:{'|'.join(w for _, w in DOC_TYPE_WORDS)})(?:\s+till\s+{BOARD})?:?$", re.I)
# lines of the head that are fields, not title: Dnr, dates, meeting data, paragraph numbers
DNR_OR_DATE_LINE_RX = re.compile(
    rf"^(?:(?:Dnr|Diarienummer|Datum|Sammanträdesdatum|Sammanträde|Justerare|Handläggare|Telefon|Tfn)\b.*"
    rf"|{ISO_DATE}|§\s*\d+\w?)$", re.I)


# how a LETTERHEAD_LINE_RX line ends (its names, BOARD_SUFFIX) or starts (keep in step)
_LETTERHEAD_ENDS = ("stadsdelsförvaltning", "förvaltningen", "kontoret", "avdelningen", "enheten", "Staben",
                    "Kansliet", "Stockholms stad", "nämnd", "nämnden", "styrelse", "styrelsen", "fullmäktige",
                    "departementet", "Regeringskansliet", "Länsstyrelsen")
_LETTERHEAD_STARTS = ("Avdelningen", "Enheten", "Sektionen", "Staben", "Kansliet")


def _letterhead(line: str) -> bool:
    """= bool(LETTERHEAD_LINE_RX.match(line)) for a stripped line: most lines neither end
    nor start as one does, and the pattern tries a board name at every capital."""
    return (line.endswith(_LETTERHEAD_ENDS) or line.startswith(_LETTERHEAD_STARTS)) \
        and bool(LETTERHEAD_LINE_RX.match(line))


_TYPE_WORD_LEAD_RX = re.compile(rf"\s*(?:{'|'.join(w for _, w in DOC_TYPE_WORDS)})\s+(?=[A-ZÅÄÖ])")


def _title(ctx: Context, out: Out, hs: int, he: int, after: int) -> None:
    """The first paragraph of the head after the Handläggare/Till fields that is not
    letterhead, a document-type line ("Tjänsteutlåtande", "Yttrande till X") or a Dnr or
    date line; cut before a subtitle ("Svar på remiss från …", "Dnr …"). A document
    whose head has nothing else is titled by its type line ("Yttrande till X")."""
    text = ctx.text
    fallback = None
    for ps, pe in _paragraphs(text, after, he):
        # drop the paragraph's leading letterhead, field and type lines
        for line in _LINE.finditer(text[ps:pe]):
            l = line.group(0).strip()
            if _letterhead(l) or DNR_OR_DATE_LINE_RX.match(l):
                continue
            if TYPE_LINE_RX.match(l):
                if fallback is None and _WORD_TILL.match(l):
                    fs = ps + line.start() + line.group(0).index(l)
                    fallback = (fs, fs + len(l))
                continue
            ps += line.start()
            break
        else:
            continue
        # a flattened head is one "paragraph": skip a leading type word there
        m = _TYPE_WORD_LEAD_RX.match(text, ps, pe)
        if m and "\n" not in text[ps:pe].strip():
            ps = m.end()
        sub = SUBTITLE_RX.search(text, ps, pe)
        end = sub.start() if sub and sub.start() > ps else pe
        title = _norm(text[ps:end])
        if title and len(title) <= 300:
            out.set("title", title, [(ps, end)])
            return
    if fallback:
        out.set("title", _norm(text[fallback[0]:fallback[1]]), [fallback])


def _paragraphs(text: str, start: int, end: int):
    """Spans of the blank-line separated paragraphs in [start, end), stripped."""
    pos = start
    for m in _BLANK_LINE.finditer(text[start:end] + "\n\n"):
        ps, pe = pos, min(start + m.start(), end)
        pos = start + m.end()
        while ps < pe and text[ps].isspace():
            ps += 1
        while pe > ps and text[pe - 1].isspace():
            pe -= 1
        if pe > ps:
            yield ps, pe


def _diarienummer(ctx: Context, out: Out, hs: int, he: int) -> None:
    seen: dict[str, list] = {}
    for m in DNR_LABELLED_RX.finditer(ctx.text):
        seen.setdefault(_norm(m.group("dnr")), []).append((m.start("dnr"), m.end("dnr")))
    for m in DNR_SHAPE_RX.finditer(ctx.text):
        key = _norm(m.group("dnr"))
        if key in seen or hs <= m.start() < he:
            seen.setdefault(key, []).append((m.start("dnr"), m.end("dnr")))
    if seen:
        out.values["diarienummer"] = list(seen)
        for i, (k, spans) in enumerate(seen.items()):
            out.cite(f"diarienummer[{i}]", spans)


# what every REMISS_FROM_RX match holds: searched first, since the full pattern tries a
# board name at every letter of the text (~0.7 ms a document). A match starts at its cue
# or at a board name directly before it, and a board name is made of these characters
# only, so no match starts before the run of them that ends at the first cue.
# (two patterns, each opening with its first character so that re jumps between its
# candidates; a match of the second starts at the white space before "har")
# (both open with a literal, which re finds at memchr speed: no gate, whose needles would
# each be a scan of the text, and the case of "[Rr]" tested after "emiss")
_REMISS_FROM_CUE = re.compile(r"emiss(?<=[Rr]emiss)(?:en|underlag|underlaget)?\s+fr[aå]n")
_HAR_CUE = re.compile(r"h(?<=\sh)ar\s+(?:remitterat|skickat|gett|givit|berett|begärt|bjudit)")
_BOARD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖabcdefghijklmnopqrstuvwxyzåäöéü-")


def _first_cue(text: str) -> Optional[int]:
    """Where the first cue starts ("[Rr]emiss… från", or the white space before "har …")."""
    cues = [m.start() - 1 for m in (_REMISS_FROM_CUE.search(text),) if m]
    cues += [m.start() - 1 for m in (_HAR_CUE.search(text),) if m]
    return min(cues) if cues else None


def _remiss_from(ctx: Context, out: Out) -> None:
    text = ctx.text
    lo = _first_cue(text)
    if lo is None:
        return
    while lo > 0 and (text[lo - 1] in _BOARD_CHARS or text[lo - 1].isspace()):
        lo -= 1
    m = REMISS_FROM_RX.search(text, lo)
    if not m:
        return
    g = "body" if m.group("body") else "body2"
    out.values.setdefault("remiss", {"from": None, "deadline": None})
    out.values["remiss"]["from"] = _cap(_norm(m.group(g)))
    out.cite("remiss.from", [(m.start(g), m.end(g))])


_TYPE_WORD_LINE_RXS = [(kind, re.compile(rf"(?:^|\n)\s*({word})\b", re.I)) for kind, word in DOC_TYPE_WORDS]


def _doc_type(ctx: Context, out: Out, head_text: str, hs: int) -> None:
    # 1. an explicit type word at the start of a line in the head (or of a flattened head)
    for kind, rx in _TYPE_WORD_LINE_RXS:
        m = rx.search(head_text)
        if m:
            out.set("doc_type", kind, [(hs + m.start(1), hs + m.end(1))])
            return
    # 2. the shape of an official's report: a case officer, or a proposal to a board
    decision = ctx.sections_of("decision")
    if "case_officer" in out.values or decision:
        spans = [(decision[0].heading_start, decision[0].heading_end)] if decision else []
        out.set("doc_type", "tjänsteutlåtande", spans)
        return
    out.set("doc_type", "other")


# = \b(?P<org>[A-ZÅÄÖ]{W}*…stadsdelsförvaltning|[A-ZÅÄÖ]{W}*(?:kontor|förvaltning))…, the
# capital first (see DNR_LABELLED_RX)
ORG_RX = re.compile(
    rf"(?P<org>[A-ZÅÄÖ](?<!\w.)(?:{W}*(?:-[A-ZÅÄÖ]{W}+)*(?:\s+[a-zåäö]{W}*s(?=\s+stadsdels))?s?\s+stadsdelsförvaltning|"
    rf"{W}*(?:kontor|förvaltning)))(?P<suffix>en|et|ets|ens|s)?\b")


# ORG_RX matches only letters of W, "-" and white space, and holds "kontor" or "förvaltning":
# it is scanned over the runs of such characters around those words only (it tries a
# name at every capital of the text, backtracking over each word)
_ORG_RUN = re.compile(rf"(?:{W}|[-\s])*")


def _org_matches(text: str) -> list[re.Match]:
    """= list(ORG_RX.finditer(text))."""
    runs = set()
    rev = None
    for word in ("kontor", "förvaltning"):
        i = text.find(word)
        while i != -1:
            if rev is None:
                rev = text[::-1]
            end = _ORG_RUN.match(text, i).end()
            runs.add((len(text) - _ORG_RUN.match(rev, len(text) - i).end(), end))
            i = text.find(word, end)
    # one character past the run: what a match's closing \b sees after it
    return [m for a, b in sorted(runs) for m in ORG_RX.finditer(text, a, b + 1)]


CAPS_ORG_RX = gated(re.compile(
          r"^(?P<place>[A-ZÅÄÖ]+(?:-[A-ZÅÄÖ]+)*(?: [A-ZÅÄÖ]+)?S?) (?P<kind>STADSDELSFÖRVALTNING|STADSDELSNÄMND)$", re.M))


def _district_board(ctx: Context, out: Out) -> str:
    """The district board ("Vantörs stadsdelsnämnd") the document belongs to: the
    recipient, a letterhead line, or the board in the proposal."""
    recipient = out.values.get("recipient_body") or ""
    if "stadsdelsnämnd" in recipient:
        return recipient
    head = ctx.sections[0]
    m = re.search(r"^([A-ZÅÄÖ][\w-]*s?) stadsdelsnämnd$", _uncap(ctx.text[head.start:head.end]), re.M)
    if m:
        return m.group(0)
    for sec in ctx.sections_of("decision"):
        b = re.search(r"([A-ZÅÄÖ][\w-]*s?) stadsdelsnämnd", ctx.text[sec.start:sec.end])
        if b:
            return b.group(0)
    return ""


def _uncap(text: str) -> str:
    """ALL-CAPS letterhead lines ("VANTÖRS STADSDELSNÄMND") in ordinary case; same length."""
    def case(m: re.Match) -> str:
        first, _, rest = m.group("place").partition(" ")
        place = "-".join(p.capitalize() for p in first.split("-")) + (" " + rest.lower() if rest else "")
        return place + " " + m.group("kind").lower()
    return CAPS_ORG_RX.sub(case, text)


# after an organisation's name, a "<X>s förslag/synpunkter" heading (the line is matched
# from the name's end: no pattern is compiled for each name)
_PROPOSAL_AFTER = re.compile(r"s? (förslag|synpunkter)(.*)")


def _issuing_body(ctx: Context, out: Out) -> None:
    """The body that wrote the document. For minutes (protokoll), the board named in
    the head. Otherwise the administration named in the signature or letterhead, in
    "<X>s förslag/synpunkter" headings, or whose district matches the board it reports
    to; mentions count too. When the document speaks only of "förvaltningen" and its
    district board is known, the district's stadsdelsförvaltning is the author."""
    text = _uncap(ctx.text)
    head = ctx.sections[0]
    if out.values.get("doc_type") == "protokoll":
        m = re.search(rf"^(?P<b>{BOARD})$", text[head.start:head.end], re.M)
        if m:
            out.set("issuing_body", m.group("b"), [(head.start + m.start("b"), head.start + m.end("b"))])
            return
    board = _district_board(ctx, out)
    district = re.sub(r"s?\s+stadsdelsnämnd(en)?$", "", board) if board else None
    scores: Counter = Counter()
    spans: dict[str, list] = {}
    for m in _org_matches(text):
        org = _norm(m.group("org"))
        suffix = m.group("suffix") or ""
        if org in ("Förvaltning", "Stadsdelsförvaltning") or org.endswith("skontor") and suffix == "":
            continue
        name = org if " " in org else org + ("et" if org.endswith("kontor") else "en")
        if " " not in org and not suffix:
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        line = text[line_start:line_end if line_end >= 0 else len(text)].strip()
        score = 1
        if line == m.group(0) or line.startswith(m.group(0)) and _PROPOSAL_AFTER.fullmatch(line, len(m.group(0))):
            score += 3  # signature/letterhead line or "<X>s förslag" heading
        if district and org.startswith(district):
            score += 3
        if org.startswith("Stadsledningskontor") and district:
            score -= 1
        scores[name] += score
        spans.setdefault(name, []).append((m.start(), m.end()))
    if scores:
        best, score = scores.most_common(1)[0]
        if score >= 3:
            out.set("issuing_body", best, spans[best][:3])
            return
    generic = re.search(r"\b(?:[Ss]tadsdelsförvaltningen|Förvaltningens? )", text) if board else None
    if generic:
        out.set("issuing_body", board.replace("stadsdelsnämnd", "stadsdelsförvaltning"),
                [(generic.start(), generic.end())])
