"""Shared Swedish NLP: one spaCy pipeline per process, plus matching keys.

The pipeline is `spacy.blank("sv")` + sentencizer + lookup lemmatizer (tables from
spacy-lookups-data) + a SpanRuler marking mentions of city–police agreements
("samverkansöverenskommelse", "samverkansavtal", "SÖK"). `scripts/build_spacy_model.py`
builds it and saves it under `models/spacy-sv/`; `get_nlp()` loads that copy once per
process (or builds it in memory when the saved copy is missing).

`match_keys(text)` turns a phrase into comparison keys for fuzzy matching: case-folded,
function words dropped, lemmatised (lookup) and Snowball-stemmed, diacritics folded, so
inflection ("platser"/"plats") and OCR damage that lost å/ä/ö ("Otillaten paverkan")
land on the same key.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Optional

import snowballstemmer
import spacy
from spacy.language import Language

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "spacy-sv"

# Agreement mentions, for version detection and for other extractors.
AGREEMENT_PATTERNS = [
    {"label": "AGREEMENT", "pattern": [{"LOWER": {"REGEX": r"^samverkans-?(över|ö?ver|6ver|dver)?enskommelse(n|r|rna)?$"}}]},
    {"label": "AGREEMENT", "pattern": [{"LOWER": {"REGEX": r"^samverkansavtal(et|en)?$"}}]},
    {"label": "AGREEMENT", "pattern": [{"TEXT": {"REGEX": r"^SÖK(:s)?$"}}]},
]

# Function words that carry nothing for matching area names (prepositions, conjunctions).
# "for", "pa", "fran" are för/på/från after OCR lost the diacritics.
STOPWORDS = frozenset("""och i för mot av samt på till med om som de det den en ett eller
att från vid inom under kring for pa fran & + / - – , . : ; ( ) 1""".split())

# OCR confusions inside words that lost their diacritics or got digits for letters.
_OCR_IN_WORD = str.maketrans({"6": "ö", "0": "o", "1": "l", "&": "ä", "$": "s"})
_STEMMER = snowballstemmer.stemmer("swedish")


def build_nlp() -> Language:
    nlp = spacy.blank("sv")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "agreements"})
    nlp.initialize()  # loads the lemma lookup table from spacy-lookups-data (and clears rulers)
    ruler.add_patterns(AGREEMENT_PATTERNS)
    return nlp


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared pipeline, loaded once per process."""
    if (MODEL_DIR / "config.cfg").exists():
        return spacy.load(MODEL_DIR)
    return build_nlp()


def lemmas(text: str) -> list[str]:
    """Lookup lemmas of the case-folded text (the tables are lower-case)."""
    return [t.lemma_ or t.lower_ for t in get_nlp()(text.casefold()) if not t.is_space]


def fold(s: str) -> str:
    """Drop diacritics (å→a, ö→o) so damaged and clean spellings compare equal."""
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _fix_ocr_token(tok: str) -> str:
    if tok == "1":  # a lone "1" between words is the preposition "i"
        return "i"
    if re.search(r"[a-zåäö]", tok) and re.search(r"[0-9&$]", tok):
        return tok.translate(_OCR_IN_WORD)
    return tok


@lru_cache(maxsize=1 << 16)
def _stem_fold(word: str) -> str:
    # the Snowball stemmer is pure Python (~60 µs a word) and words recur across phrases
    return fold(_STEMMER.stemWord(word))


def _lemmatized(text: str):
    """The text tokenised and lookup-lemmatised: the only components `match_keys` reads
    (the sentencizer and the agreement ruler set nothing it uses, and cost 3/4 of a call)."""
    nlp = get_nlp()
    if "lemmatizer" not in nlp.pipe_names:
        return nlp(text)
    return nlp.get_pipe("lemmatizer")(nlp.make_doc(text))


@lru_cache(maxsize=4096)
def match_keys(text: str) -> tuple[str, str]:
    """Two keys for one phrase: (lemma+stem key, surface-stem key), both folded.

    The lemma key handles irregular inflection; the surface key stays comparable when
    OCR damage keeps a word out of the lemma table (then both sides are only stemmed)."""
    text = re.sub(r"\s+", " ", text).strip().casefold()
    words = _plain_words(text)
    if words is not None:   # what spaCy would make of it, without a Doc (see _plain_words)
        table = _lemma_table()
        pairs = ((_lookup(table, w), w.lower()) for w in words)
    else:
        pairs = ((t.lemma_, t.lower_) for t in _lemmatized(text) if not (t.is_space or t.is_punct))
    lemma_key, surface_key = [], []
    for lemma, lower in pairs:
        surface = _fix_ocr_token(lower)
        if surface in STOPWORDS:
            continue
        lemma_key.append(_stem_fold(lemma or surface))
        surface_key.append(_stem_fold(surface))
    return " ".join(lemma_key), " ".join(surface_key)


@lru_cache(maxsize=1)
def _lemma_table():
    """The lookup lemmatizer's table, or None when the pipeline lemmatizes otherwise (of
    the pipeline loaded once per process)."""
    nlp = get_nlp()
    if "lemmatizer" not in nlp.pipe_names or nlp.get_pipe("lemmatizer").mode != "lookup":
        return None
    return nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup", {})


def _lookup(table, word: str) -> str:
    """The lemma spaCy's lookup lemmatizer gives a token with this text."""
    r = table.get(word, word)
    return r if isinstance(r, str) else r[0]


def _plain_words(text: str) -> Optional[list[str]]:
    """The words of a phrase (single spaces between them) when spaCy's tokenizer makes one
    token of each, none of them space or punctuation: letters only, no special case, no
    prefix, suffix or infix its rules would split off. The lookup lemmatizer then gives a
    token text's entry in its table, else the text. None when any word is otherwise, or
    the pipeline has no lookup lemmatizer: then spaCy itself is asked. (Making a Doc costs
    ~45 µs for a phrase with words the tokenizer has not seen: the first document naming
    an area pays it.)"""
    if not text or _lemma_table() is None:
        return None
    words = text.split(" ")
    return words if all(map(_plain_word, words)) else None


@lru_cache(maxsize=1 << 16)
def _plain_word(word: str) -> bool:
    tok = get_nlp().tokenizer
    return (word.isalpha() and word not in tok.rules
            and (tok.prefix_search is None or tok.prefix_search(word) is None)
            and (tok.suffix_search is None or tok.suffix_search(word) is None)
            and (tok.infix_finditer is None or next(tok.infix_finditer(word), None) is None))
