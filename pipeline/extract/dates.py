"""Dates: every date expression -> `dates` (typed, ISO, precision), `validity`, `remiss.deadline`.

What counts as a date mention (the same rules are used for the gold files):
- a full date: ISO "2019-02-01", "[den] 4 september 2019", "4 sept. 2019", "1/1 2021"
  (precision day); the text of the mention is the date itself, without "den";
- a day and month without a year: "den 8 april" (precision day, the year is taken from the
  document date, else from the nearest earlier year in the text; `year_inferred`);
- a month and year: "[i] maj 2015", "juni 2016" (precision month);
- a year, only when it is written as a date, never a bare number: "år 2020" / "året 2020",
  a season "våren 2021" / "hösten 2020" / "säsongen 2023" (text includes that word), a year
  after a time preposition "under 2021", "sedan 2015", "från 2020", "till 2022", "för 2003"
  (not before an amount: "för 2000 kronor"), "inför",
  "efter", "före", "fram till", "jämfört med", "i början/slutet av" (text is the year), and
  a year range "2015-2019" / "2021–2022" (two mentions, one per year). Precision year.
- NOT dates: years inside case numbers ("KS 2023/740", "1.4.1-356/2016", "2024:1552"),
  a bare year in a name or title with no preposition ("Åtgärdsplan 2021",
  "Trygghetsmätningen 2021"), a month name alone ("i maj"), phone numbers, "12–17 år".

Kinds, decided in this order:
1. `signed`: in the digital attestation section, or in an attestation table found in the
   text ("… har godkänts digitalt av:" up to its last dated row), or on a protocol's
   "Justerat/Justeras 2015-11-19" line;
2. `document`: the first full date of the head block (the Till-block date); when the
   header found no document date, the first full date before the body (a protocol's
   "Sammanträdesdatum" line);
3. a cue right before the date (after any earlier date in the same sentence), nearest wins:
   `deadline` (senast, remisstiden, tillhanda, besvaras, sista dag), `valid_from` (från och
   med, fr.o.m., gäller/giltighet från, träder i kraft), `valid_to` (till och med, t.o.m.,
   gäller till, löper/löpte ut, upphör); "till" or a dash after a `valid_from` date closes
   the range (`valid_to`). A year range is `valid_from`/`valid_to` when its sentence names
   an agreement (överenskommelse, avtal), a programme or plan, "perioden", or validity
   (gäller, giltig) before it;
4. the nearest cue word anywhere in the sentence: a meeting (sammanträde, möte, styrgrupp,
   pensionärsråd, informeras, "information lämnas", behandlats, presenterats) -> `meeting`;
   a past act (ingick, tecknade, slöts, antogs, beslutade, genomfördes, inkom, bildades,
   remitterade, föreslog, …) -> `event`; a bare year is never a meeting;
5. otherwise `mentioned`.
The same (iso, kind) seen twice is one mention with several evidence spans; mentions are
listed in order of first appearance.

A valid_to cue after "remisstiden"/"svarstiden" ("Remisstiden går ut den …") is a deadline.

`validity` is the validity of the document's subject. Candidates are valid_from/valid_to
mentions not in a sentence about an earlier agreement (tidigare, föregående, förra, gamla,
before the date: "gäller t.o.m. 2027 och ersätter den tidigare" still counts) and, in a
remiss answer (remiss.from set or "remiss" in the head block), only in sentences that speak
of the proposal (förslag, föreslås, remiss), so the dates of the board's own current
agreement are not taken for those of the proposal; failing those, sentences that do not
speak of the board's own agreement (lokala, nuvarande, gällande, nämndens …: "Programmet är
tänkt att gälla fr.o.m. 1 juli 1999"). The finest-precision from–to
pair given in one sentence wins, each year-only end refined by a finer date of the same
year ("2024–2027" + "från och med 1 januari 2024" -> 2024-01-01 .. 2027); without a pair,
the finest (then first) single valid_from and valid_to. `remiss.deadline` is the first deadline in a sentence about the
remiss answer (remiss, svar, besvara, yttra); the header extractor's `remiss.from` is kept.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from ..rxgate import FoldedScan, gated

MONTHS = {"januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
          "augusti": 8, "september": 9, "oktober": 10, "november": 11, "december": 12}
MONTH_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
              "sept": 9, "okt": 10, "nov": 11, "dec": 12}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH_ANY = _MONTH + "|" + "|".join(sorted((m + r"\.?" for m in MONTH_ABBR), key=len, reverse=True))
_SEASONS = "våren|hösten|sommaren|vintern|säsongen|år|året"
_CUES = r"under|sedan|från|till|inför|efter|före|fram till|jämfört med|i början av|i slutet av|t\.o\.m\.|fr\.o\.m\."
_NOT_AMOUNT = (r"(?!\s+(?:kr\b|kronor|miljon|tusen|personer|st\b|stycken|procent|elever|barn|unga|ungdomar|invånare|"
               r"bostäder|lägenheter|timmar))")
_YEAR = r"(?:19|20)\d\d"
_NOT_BEFORE = r"(?<![\d/.:\-])"          # not the tail of a case number or another number
_NOT_AFTER = r"(?![\d/:]|-\d)"

# Patterns that open with a digit put it first and test what may not precede it in a
# look-behind after it, so the scan jumps from one possible first digit to the next:
# _YEAR_FIRST = _NOT_BEFORE + (_YEAR); _DAY(x) = (?<![x])([1-9]|[12]\d|3[01]) wherever the
# day is followed by a non-digit, as in every pattern below (then one reading at most fits).
_YEAR_FIRST = r"((?:19|20)(?<![\d/.:\-]..)\d\d)"


def _day(not_before: str) -> str:
    return rf"([1-9](?<![{not_before}].)(?:(?<=[12])\d|(?<=3)[01])?)"


# (name, regex); earlier patterns win when matches overlap. In the others, a leading
# look-ahead for the first character lets the scan skip other positions before the look-behinds.
PATTERNS: list[tuple[str, re.Pattern]] = [
    ("range", re.compile(_YEAR_FIRST + rf"\s?[-–]\s?({_YEAR})" + _NOT_AFTER)),
    ("iso", re.compile(_YEAR_FIRST + r"-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?!\d)")),
    ("dmy", re.compile(_day(r"\d/") + rf"(?::[ae])?\s+({_MONTH_ANY})\s+({_YEAR})" + _NOT_AFTER, re.I)),
    ("numeric", re.compile(_day(r"\d/.") + rf"/([1-9]|1[0-2])\s+({_YEAR})" + _NOT_AFTER)),
    ("my", re.compile(rf"(?=[jfmasond])(?<![\w])({_MONTH})\s+({_YEAR})" + _NOT_AFTER, re.I)),
    ("dm", re.compile(_day(r"\d/") + rf"\s+({_MONTH})\b(?!\s+\d)", re.I)),
    ("season", re.compile(rf"(?=[vhså])\b((?:{_SEASONS})\s+({_YEAR}))" + _NOT_AFTER, re.I)),
    ("cued_year", re.compile(rf"(?=[usftiej])\b(?:{_CUES})\s+({_YEAR})" + _NOT_AFTER, re.I)),
    # "prioriteringar för 2003", but not an amount ("för 2000 kronor")
    ("cued_year", re.compile(rf"(?=f)\bför\s+({_YEAR})" + _NOT_AFTER + _NOT_AMOUNT, re.I)),
]


# The case-insensitive patterns cannot let re skip ahead (it tries them at every position).
# Each of them is a word or phrase of at most `reach` characters, whitespace and a year;
# the whitespace before a year is the whole run before it, so a match starts `reach` or
# fewer characters before that run, at a word start. _year_led tries them only there.
def _reach(alternatives: str) -> int:
    return max(len(re.sub(r"\\(.)", r"\1", a)) for a in alternatives.split("|"))


_YEAR_LED = {PATTERNS[4][1]: _reach(_MONTH), PATTERNS[6][1]: _reach(_SEASONS),
             PATTERNS[7][1]: _reach(_CUES), PATTERNS[8][1]: len("för")}
_MAX_REACH = max(_YEAR_LED.values())
# the patterns that open with a year (_YEAR_FIRST): a match starts where a year does
_YEAR_OPENED = {PATTERNS[0][1], PATTERNS[1][1]}
# the patterns that open with a day (_day: a digit 1-9 after no digit) followed by a month
# name (dmy, dm: after white space, maybe after ":a"/":e") or by "/" (numeric)
_DAY_OPENED = {PATTERNS[2][1], PATTERNS[3][1], PATTERNS[5][1]}
# a year (= _YEAR), or a day such a match may start with: a digit or two, then "/" or white
# space and what a month name's first letter can be under re.IGNORECASE ("ſ" for "s"),
# maybe after ":a"/":e" in any case. One scan finds both (a scan of the text costs about
# the same whatever it looks for, when it opens with one character set: re jumps between
# its characters), and they never overlap where it matters: a year never starts at the
# second digit of a day, and a day starting inside a year follows a digit (no _day does).
_NUMBER_RX = re.compile(r"[1-9](?:(?P<year>(?<=1)9|(?<=2)0)\d\d|\d?(?:(?::[aeAE])?\s+[ADFJMNOSadfjmnosſ]|/))")
_WORD_START = re.compile(r"(?<!\w)\w")


def _years(text: str) -> tuple[list[int], list[int], list[int]]:
    """(where each year starts, where the whitespace run before each year after whitespace
    starts, where each day that may open a _DAY_OPENED match starts). The finditer misses
    no year that can open a match of _YEAR_FIRST or follow whitespace: one it skips
    overlaps an earlier one, so follows a digit; nor any such day, for the same reason."""
    starts, runs, days = [], [], []
    for y in _NUMBER_RX.finditer(text):
        k = y.start()
        if y.lastgroup is None:   # not a year
            days.append(k)
            continue
        starts.append(k)
        while k > 0 and text[k - 1].isspace():   # str.isspace() is what \s matches
            k -= 1
        if k < y.start():
            runs.append(k)
    return starts, runs, days


def _word_starts(text: str, runs: list[int]) -> list[tuple[int, int]]:
    """(p, k): each word start p (a \\w character after none) at most _MAX_REACH
    characters before a whitespace run k of _years. The _YEAR_LED patterns open with a
    letter at a word start, so no match of theirs starts anywhere else."""
    return [(m.start(), k) for k in runs for m in _WORD_START.finditer(text, max(0, k - _MAX_REACH), k)]


def _matches_at(rx: re.Pattern, text: str, starts) -> list[re.Match]:
    """= list(rx.finditer(text)) when every match of rx starts at one of `starts` (sorted):
    the same scan, tried only there."""
    found, pos = [], 0
    for p in starts:
        if p >= pos:
            m = rx.match(text, p)
            if m:
                found.append(m)
                pos = m.end()
    return found


def _year_led(rx: re.Pattern, text: str, word_starts: list[tuple[int, int]]) -> list[re.Match]:
    """= list(rx.finditer(text)) for a pattern of _YEAR_LED (`word_starts`: _word_starts):
    tried at the only places a match can start, the word starts within its reach of a year."""
    reach = _YEAR_LED[rx]
    return _matches_at(rx, text, sorted({p for p, k in word_starts if p >= k - reach}))


DEADLINE_CUES = r"senast|remisstid\w*|tillhanda|besvaras|sista (?:dag|datum)\w*|svarsdatum"
FROM_CUES = (r"från och med|fr\.\s?o\.\s?m\.?|fr o m|(?:gäller|gälla|giltighet|giltig|gällande) från|"
             r"träder i kraft|börjar gälla")
TO_CUES = r"till och med|t\.\s?o\.\s?m\.?|t o m|(?:gäller|giltig|gälla) till|löper ut|löpte ut|upphör\w*|går ut"
_CUE_RX = re.compile(rf"(?P<deadline>{DEADLINE_CUES})|(?P<valid_from>{FROM_CUES})|(?P<valid_to>{TO_CUES})", re.I)
# (tried on the few dozen characters before each date: case-sensitively over their fold)
_CUE_SCAN = FoldedScan(_CUE_RX)
MEETING_RX = gated(re.compile(r"sammanträd\w*|sammanträtt|samverkansgrupp\w*|diskuterat?s\b|\bmöte\w*|styrgrupp\w*|förvaltningsgrupp\w*|pensionärsråd\w*|"
                              r"funktionshinderråd\w*|informeras|information\w* lämnas|behandla\w*|presenterat?s?\b|"
                              r"föredra\w*", re.I))
EVENT_RX = gated(re.compile(r"\b(?:ingick|ingicks|tecknade|tecknades|slöts|slöt|antogs|antog|beslutade|beslöt|beslutades|"
                      r"fattade|fattades|undertecknade|undertecknades|genomfördes|genomförde|inkom|inträffade|"
                      r"startade|startades|inleddes|infördes|reviderades|skickades|publicerades|"
                      r"bildades|bildade|bildats|genomfört|genomförts|remitterade|remitterades|föreslog|föreslogs|"
                      r"godkände|godkändes|lämnade|lämnades|tecknat|tecknats|antagits|beslöts)\b", re.I))
REMISS_TIME_RX = gated(re.compile(r"remisstid|svarstid", re.I))
PROPOSAL_RX = gated(re.compile(r"förslag|föreslå|remiss", re.I))
# what has a period of validity: an agreement, a programme or plan, "the period"
AGREEMENT_OR_VALIDITY_RX = re.compile(r"överenskommelse|avtal|gäll|giltig|program|\w*plan(?:en)?\b|strategi|"
                                      r"perioden", re.I)
EARLIER_RX = gated(re.compile(r"\b(?:tidigare|föregående|förra|gamla)\b", re.I))
REMISS_RX = gated(re.compile(r"remiss|svar|besvara|yttra", re.I))
# the board's own agreement, as opposed to the proposal it answers on
OWN_RX = gated(re.compile(r"\b(?:lokala?|vår|våra|nämndens|förvaltningens|nuvarande|gällande|befintliga?)\b", re.I))
# where a document is signed: the digital attestation table (when segmentation did not make
# it a section) up to its last dated row, and a "Justerat 2015-11-19" line of a protocol
ATTEST_INTRO_RX = gated(re.compile(r"godkänts digitalt|attesterat av|signerats? (?:digitalt|elektroniskt)|"
                                   r"elektroniskt (?:signerad|undertecknad)", re.I))
SIGNED_LINE_RX = gated(re.compile(rf"^[ \t]*(?:justerat|justeras|justeringsdatum|justeringsdag|undertecknat|signerat)"
                                  rf"\b[^\n\d]{{0,20}}{_YEAR}-\d\d-\d\d[ \t]*$", re.I | re.M))
_ISO_IN_LINE = re.compile(rf"{_YEAR}-\d\d-\d\d")
_ABBREV_END = re.compile(r"(?:\bfr\.o\.m|\bt\.o\.m|\bbl\.a|\bt\.ex|\bdnr|\bca|\bs\.k|\bnr|\bjfr|\bo\.s\.v|(?<!\S)\d{1,2})$", re.I)
PRECISION_RANK = {"day": 0, "month": 1, "year": 2}


@dataclass
class Mention:
    iso: str
    text: str
    start: int
    end: int
    precision: str
    kind: str = "mentioned"
    year_inferred: bool = False
    sentence: tuple[int, int] = (0, 0)
    spans: list[tuple[int, int]] = field(default_factory=list)


def find_mentions(text: str, default_year: Optional[int] = None) -> list[Mention]:
    """All date mentions in `text`, untyped, in text order (overlaps resolved by PATTERNS order)."""
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []
    starts, runs, days = _years(text)
    word_starts = _word_starts(text, runs)

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for name, rx in PATTERNS:
        if rx in _YEAR_LED:
            matches = _year_led(rx, text, word_starts)
        elif rx in _YEAR_OPENED:
            matches = _matches_at(rx, text, starts)
        elif rx in _DAY_OPENED:
            matches = _matches_at(rx, text, days)
        else:
            matches = rx.finditer(text)
        for m in matches:
            if not free(m.start(), m.end()):
                continue
            new = _to_mentions(name, m, text, default_year, found)
            if new:
                taken.append((m.start(), m.end()))
                found.extend(new)
    found.sort(key=lambda x: x.start)
    return found


def _to_mentions(name: str, m: re.Match, text: str, default_year, found) -> list[Mention]:
    g = m.groups()
    if name == "range":
        a, b = int(g[0]), int(g[1])
        if b <= a or b - a > 30:
            return []
        return [Mention(g[0], g[0], m.start(1), m.end(1), "year"), Mention(g[1], g[1], m.start(2), m.end(2), "year")]
    if name == "iso":
        return [Mention(m.group(0), m.group(0), m.start(), m.end(), "day")]
    if name == "dmy":
        month = _month(g[1])
        return [Mention(f"{g[2]}-{month:02d}-{int(g[0]):02d}", m.group(0), m.start(), m.end(), "day")]
    if name == "numeric":
        return [Mention(f"{g[2]}-{int(g[1]):02d}-{int(g[0]):02d}", m.group(0), m.start(), m.end(), "day")]
    if name == "my":
        return [Mention(f"{g[1]}-{_month(g[0]):02d}", m.group(0), m.start(), m.end(), "month")]
    if name == "dm":
        year = default_year or _year_before(found, m.start())
        if year is None:
            return []
        return [Mention(f"{year}-{_month(g[1]):02d}-{int(g[0]):02d}", m.group(0), m.start(), m.end(), "day",
                        year_inferred=True)]
    if name == "season":
        return [Mention(g[1], g[0], m.start(1), m.end(1), "year")]
    if name == "cued_year":
        return [Mention(g[0], g[0], m.start(1), m.end(1), "year")]
    return []


def _month(word: str) -> int:
    w = word.lower().rstrip(".")
    return MONTHS.get(w) or MONTH_ABBR[w]


def _year_before(found: list[Mention], pos: int) -> Optional[int]:
    years = [x for x in found if x.start < pos and not x.year_inferred]
    return int(max(years, key=lambda x: x.start).iso[:4]) if years else None


# A sentence ends only at a whitespace run (see _is_boundary) holding a line break, after
# . ! or ?, or at either end of the text; any other run is never a boundary. The scan
# jumps from one of ".!?\n" to the next (a pattern opening with a character set) instead
# of testing every position.
_BOUNDARY_RUN = re.compile(r"[.!?\n](?:(?<=\n)\s*|(?<=[.!?])\s+)")


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: a sentence ends at ". " before a capital (not after an abbreviation or
    a number), at a blank line, or at a line break that does not continue wrapped prose."""
    return list(_sentences_cached(text))


def _boundary_candidates(text: str) -> list[tuple[int, int]]:
    """The whitespace runs (maximal, in order) that may end a sentence: see _BOUNDARY_RUN."""
    n = len(text)
    runs = []
    if text[:1].isspace():
        j = 0
        while j < n and text[j].isspace():
            j += 1
        runs.append((0, j))
    for m in _BOUNDARY_RUN.finditer(text):
        i = m.start()
        if text[i] == "\n":
            while i > 0 and text[i - 1].isspace():   # str.isspace() is what \s matches
                i -= 1
        else:
            i += 1   # after the mark
        if not runs or i >= runs[-1][1]:
            runs.append((i, m.end()))
    if text[-1:].isspace() and (not runs or runs[-1][1] != n):
        i = n
        while i > 0 and text[i - 1].isspace():
            i -= 1
        runs.append((i, n))
    return runs


@lru_cache(maxsize=4)
def _sentences_cached(text: str) -> tuple[tuple[int, int], ...]:
    # dates and stance both split the same document text
    out, start, n = [], 0, len(text)
    for i, j in _boundary_candidates(text):
        # a run holding two line breaks or ending the text is one (_is_boundary's first
        # test, made here without a call: most boundaries are blank lines)
        if j == n or text.count("\n", i, j) >= 2 or _is_boundary(text, i, j):
            if i > start:
                out.append((start, i))
            start = j
    if start < len(text):
        out.append((start, len(text)))
    return tuple(out)


_LIST_ITEM = re.compile(r"\d{1,2}[.)]\s")


def _is_boundary(text: str, i: int, j: int) -> bool:
    """Is the whitespace run text[i:j] a sentence boundary?"""
    run = text[i:j]
    prev = text[i - 1] if i > 0 else ""
    nxt = text[j] if j < len(text) else ""
    if run.count("\n") >= 2 or not nxt:
        return True
    if "\n" in run:
        # a wrapped line continues when the next line starts lower case or with a digit
        # ("senast den\n15 mars 2024") after a word, comma or digit
        digit = nxt.isdigit() and not _LIST_ITEM.match(text, j, j + 4)   # not a list item
        return not ((prev.isalnum() or prev in ",–-") and (nxt.islower() or digit))
    if prev in ".!?" and (nxt.isupper() or nxt in "”\""):
        before = text[max(0, i - 9):i - 1]
        # every _ABBREV_END match ends (maybe before a last line break) in a digit or one
        # of m a x r k v, in any case: the word before most marks ends otherwise
        last = before[-2:-1] if before.endswith("\n") else before[-1:]
        if not (last.isdecimal() or last.lower() in "maxrkv"):
            return True
        return not _abbrev_end(before)
    return False


_ABBREVS = ("fr.o.m", "t.o.m", "bl.a", "t.ex", "dnr", "ca", "s.k", "nr", "jfr", "o.s.v")   # = _ABBREV_END's


def _abbrev_end(before: str) -> bool:
    """= bool(_ABBREV_END.search(before)), by endswith: re tries that pattern's eleven
    case-insensitive alternatives at every position of the string."""
    s = before[:-1] if before[-1:] == "\n" else before   # ($ matches before a last line break)
    low = s.lower()
    if len(low) != len(s):
        return bool(_ABBREV_END.search(before))
    low = low.replace("ſ", "s")   # what re.IGNORECASE matches for "s" ("K" is lowered to "k")
    if low.endswith(_ABBREVS):
        for a in _ABBREVS:
            k = len(s) - len(a)
            if low.endswith(a) and (k == 0 or not (s[k - 1].isalnum() or s[k - 1] == "_")):   # \b: no \w before
                return True
    n = 0   # (?<!\S)\d{1,2}$: one or two digits after white space or none
    while n < 3 and n < len(s) and s[-1 - n].isdecimal():
        n += 1
    return 0 < n < 3 and (n == len(s) or s[-1 - n].isspace())


def sentence_of(spans: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return spans[i] if i >= 0 and spans[i][0] <= pos < spans[i][1] else (pos, pos)


def signing_regions(text: str) -> list[tuple[int, int]]:
    """Spans where dates are signing dates, found in the text itself (see ATTEST_INTRO_RX)."""
    return list(_signing_regions(text))


@lru_cache(maxsize=4)
def _signing_regions(text: str) -> tuple[tuple[int, int], ...]:
    # dates and signatories both ask, about the same document text
    out = [(m.start(), m.end()) for m in SIGNED_LINE_RX.finditer(text)]
    for m in ATTEST_INTRO_RX.finditer(text):
        pos, end, seen = m.end(), m.end(), False
        lines = text[m.end():].split("\n")
        if len(lines) > 1:
            for line in lines[1:12]:
                pos += len(line) + 1
                if _ISO_IN_LINE.search(line):
                    seen, end = True, pos
                elif seen and line.strip():
                    break
        else:
            # a flattened table: its rows' dates follow each other closely
            for d in _ISO_IN_LINE.finditer(text, m.end()):
                if d.start() - end > 120:
                    break
                end = d.end()
        out.append((m.start(), end))
    return tuple(out)


_RANGE_JOIN_RX = re.compile(r"\s*(?:till(?: den)?|[-–]|och)\s*")


def classify(text: str, mentions: list[Mention], head: tuple[int, int], attest: list[tuple[int, int]],
             document_iso: Optional[str], body_start: Optional[int] = None) -> None:
    """Set `kind` (and `sentence`) on each mention in place; see the module docstring."""
    doc_done = False
    sents = sentences(text)
    for i, m in enumerate(mentions):
        m.sentence = sentence_of(sents, m.start)
        s0, s1 = m.sentence
        if any(a <= m.start < b for a, b in attest):
            m.kind = "signed"
            continue
        # the document date: the first full date of the head block; when the header found
        # none, the first full date before the body (a "Sammanträdesdatum" line the segmenter
        # left outside the head)
        in_head = head[0] <= m.start < head[1] or (document_iso is None and body_start is not None
                                                   and m.start < body_start)
        if not doc_done and in_head and m.precision == "day" and not m.year_inferred \
                and (document_iso is None or m.iso == document_iso):
            m.kind, doc_done = "document", True
            continue
        prev = mentions[i - 1] if i > 0 and mentions[i - 1].sentence == m.sentence else None
        lo = max(s0, prev.end) if prev else s0
        prefix = text[lo:m.start]
        if prev is not None and prev.kind == "valid_from" and _RANGE_JOIN_RX.fullmatch(prefix) \
                and not _CUE_SCAN.search(prefix):
            m.kind = "valid_to"
            continue
        cue = None
        for c in _CUE_SCAN.finditer(prefix[-60:]):
            cue = c.lastgroup
        if cue == "valid_to" and REMISS_TIME_RX.search(prefix):
            cue = "deadline"   # "Remisstiden går ut den …" ends the answer time, not a validity
        if cue:
            m.kind = cue
            continue
        if m.precision == "year" and _is_range_part(text, m):
            m.kind = _range_kind(text, m, prev)
            continue
        m.kind = _sentence_kind(text, m)


_YEAR_RANGE_RX = re.compile(rf"{_YEAR}\s?[-–]\s?{_YEAR}")
_CUED_BEFORE_RX = re.compile(r"(?:år|året|våren|hösten|sommaren|vintern|säsongen|under|sedan|från|till)\s+$", re.I)


def _is_range_part(text: str, m: Mention) -> bool:
    around = text[max(0, m.start - 6):m.end + 6]
    return bool(_YEAR_RANGE_RX.search(around)) and not _CUED_BEFORE_RX.search(text[max(0, m.start - 12):m.start])


def _range_kind(text: str, m: Mention, prev: Optional[Mention]) -> str:
    first = not (prev is not None and prev.end >= m.start - 3 and prev.precision == "year")
    if AGREEMENT_OR_VALIDITY_RX.search(text[m.sentence[0]:m.start]):
        return "valid_from" if first else "valid_to"
    return "mentioned"


# the cue words of a mention's sentence: gated on the sentence, then scanned case-sensitively
# over its fold (a sentence starts and ends at white space or an end of the text, so the
# \b of the patterns sees the same there in the sentence as in the text)
_MEETING_SCAN = FoldedScan(MEETING_RX.rx)
_EVENT_SCAN = FoldedScan(EVENT_RX.rx)
_KINDS = (("meeting", MEETING_RX, _MEETING_SCAN), ("event", EVENT_RX, _EVENT_SCAN))


def _sentence_kind(text: str, m: Mention) -> str:
    s0, s1 = m.sentence
    best, best_dist = "mentioned", None
    sent = text[s0:s1]
    # a meeting is an occasion: a bare year ("diskuterats i samverkansgruppen sedan 2022") is none
    for kind, gate, scan in _KINDS if m.precision != "year" else _KINDS[1:]:
        if not gate.may_match(sent):
            continue
        for c in scan.finditer(sent):
            start, end = s0 + c.start(), s0 + c.end()
            dist = m.start - end if end <= m.start else start - m.end
            if dist < 0:
                continue
            if best_dist is None or dist < best_dist:
                best, best_dist = kind, dist
    return best


def validity(text: str, mentions: list[Mention], remiss_answer: bool = False) -> tuple[Optional[Mention], Optional[Mention]]:
    def about_subject(m: Mention, strict: bool) -> bool:
        sent = text[m.sentence[0]:m.sentence[1]]
        if EARLIER_RX.search(text[m.sentence[0]:m.end]):   # "… gäller till 2027 och ersätter den tidigare"
            return False
        # in a remiss answer the subject is the proposal: its dates are given in proposal terms;
        # failing those, sentences that do not speak of the board's own agreement
        if not remiss_answer:
            return True
        return bool(PROPOSAL_RX.search(sent)) if strict else not OWN_RX.search(sent)

    valid = [m for m in mentions if m.kind in ("valid_from", "valid_to")]
    cands = [m for m in valid if about_subject(m, True)] or [m for m in valid if about_subject(m, False)]

    def finest(kind: str, within: Optional[str] = None) -> Optional[Mention]:
        xs = [m for m in cands if m.kind == kind and (within is None or m.iso.startswith(within))]
        return min(xs, key=lambda m: (PRECISION_RANK[m.precision], m.start)) if xs else None

    pairs = []
    for a in cands:
        if a.kind != "valid_from":
            continue
        for b in cands:
            if b.kind == "valid_to" and b.sentence == a.sentence and b.start > a.start:
                pairs.append((max(PRECISION_RANK[a.precision], PRECISION_RANK[b.precision]), a.start, a, b))
                break
    if pairs:
        _, _, a, b = min(pairs, key=lambda p: (p[0], p[1]))
        # a year-only end ("2024–2027") is refined by a finer date of the same year ("1 januari 2024")
        return finest("valid_from", a.iso) or a, finest("valid_to", b.iso) or b
    return finest("valid_from"), finest("valid_to")


_WS = re.compile(r"\s+")


def _ws(s: str) -> str:
    """= _WS.sub(" ", s): most mentions hold no white space but single spaces (every other
    white space character is unprintable)."""
    return s if s.isprintable() and "  " not in s else _WS.sub(" ", s)


_REMISS_WORD_RX = re.compile(r"remiss", re.I)


def extract(ctx, out) -> None:
    text = ctx.text
    doc_iso = out.values.get("document_date")
    heads = ctx.sections_of("head")
    head = (heads[0].start, heads[0].end) if heads else (0, 0)
    attest = [(s.heading_start if s.heading_start >= 0 else s.start, s.end) for s in ctx.sections_of("attestation")]
    attest += signing_regions(text)
    body = [s.heading_start if s.heading_start >= 0 else s.start for s in ctx.sections
            if s.kind in ("decision", "summary", "background", "matter")]
    default_year = int(doc_iso[:4]) if doc_iso else None
    if default_year is None:
        first = next((m for m in find_mentions(text[head[0]:head[1]]) if m.precision == "day"), None)
        default_year = int(first.iso[:4]) if first else None
    mentions = find_mentions(text, default_year)
    classify(text, mentions, head, attest, doc_iso, min(body) if body else None)

    merged: dict[tuple[str, str], Mention] = {}
    for m in mentions:
        key = (m.iso, m.kind)
        if key in merged:
            merged[key].spans.append((m.start, m.end))
        else:
            m.spans = [(m.start, m.end)]
            merged[key] = m
    for m in merged.values():
        out.append("dates", {"iso": m.iso, "text": _ws(m.text), "kind": m.kind,
                             "precision": m.precision, "year_inferred": m.year_inferred}, m.spans)

    head_text = text[head[0]:head[1]]
    remiss = out.values.get("remiss")
    remiss_from = remiss.get("from") if isinstance(remiss, dict) else getattr(remiss, "from_", None)
    remiss_answer = bool(remiss_from) or bool(_REMISS_WORD_RX.search(head_text))
    v_from, v_to = validity(text, mentions, remiss_answer)
    if v_from or v_to:
        out.set("validity", {"from": v_from.iso if v_from else None, "to": v_to.iso if v_to else None},
                [(x.start, x.end) for x in (v_from, v_to) if x])

    deadline = next((m for m in mentions if m.kind == "deadline"
                     and REMISS_RX.search(text[m.sentence[0]:m.sentence[1]])), None)
    if deadline is not None:
        remiss = out.values.get("remiss")
        if remiss is None:
            remiss = out.values["remiss"] = {}
        elif not isinstance(remiss, dict):  # a model set by an earlier extractor
            remiss = out.values["remiss"] = remiss.model_dump(by_alias=True)
        remiss["deadline"] = deadline.iso
        out.cite("remiss.deadline", [(deadline.start, deadline.end)])
