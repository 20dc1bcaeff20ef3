"""Parties: the running-text patterns find what their plain forms find."""
import random
import re

from pipeline.extract import parties

# the plain forms of parties._RUNNING, word boundary first
PLAIN = [
    r"\b[Ii]\s+(?:rådet|styrgruppen|arbetsgruppen|samverkansgruppen|samverkansrådet|gruppen)\s+"
    r"(?:föreslås\s+|ska\s+|kommer\s+att\s+)?(?:ingå|ingår)\s+(?:i dag\s+)?(?P<body>[^.]+)",
    r"\bmed\s+representanter\s+(?:för|från)\s+(?P<body>[^.]+)",
    r"\b[Uu]töver\s+(?P<ut>[^.]+?)\s+(?:deltar|medverkar|ingår)\s+(?:även\s+|också\s+)?(?P<body>[^.]+)",
    r"\b(?:samarbetar|samverkar)\b(?:\s+\w+){0,3}?\s+med\s+(?P<body>[^.]+)",
    r"\btillsammans\s+med\s+(?P<body>[^.]+?)(?=\s+(?:tagit|tagits|tar|har|tog)\b|\.|$)",
]


def test_running_patterns_find_what_their_plain_forms_find():
    pieces = ["i", "I", "ai", " ", "\n", "rådet", "gruppen", "styrgruppen", "ingår", "ingå", "ska", "i dag", "med",
              "amed", "representanter", "för", "från", "Utöver", "utöver", "xutöver", "deltar", "även", "samarbetar",
              "samverkar", "asamverkar", "tillsammans", "atillsammans", "tar", "har", ".", "Polisen", "X", "_", "ä"]
    rng = random.Random(2)
    texts = ["".join(rng.choice(pieces) + rng.choice([" ", "", "  "]) for _ in range(rng.randint(1, 12)))
             for _ in range(20000)]
    assert len(parties._RUNNING) == len(PLAIN)
    for rx, plain in zip(parties._RUNNING, PLAIN):
        ref = re.compile(plain)
        for t in texts:
            assert [(m.span(), m.groupdict()) for m in rx.finditer(t)] == \
                   [(m.span(), m.groupdict()) for m in ref.finditer(t)], (plain, t)
