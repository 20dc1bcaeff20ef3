"""Build the Swedish lexicon used by the repair stage (pipeline/repair.py).

Inputs (pinned): Debian's hunspell-sv-se dictionary (/usr/share/hunspell/sv_SE.dic/.aff)
and wordfreq==3.1.1's Swedish frequency list. Output in models/lexicon/ (marisa-trie==1.4.1
structures, gzipped; read by pipeline/lexicon.py): forms.marisa.gz, every lower-cased word
form -> (roles, zipf*100); skeletons.marisa.gz, the skeleton (å/ä→a, ö→o, é→e) -> forms
index, so nothing is built at run time; meta.json.

Context model (bigrams.marisa.gz, unigrams.marisa.gz): counts of adjacent word pairs in
clean Swedish text: the Swedish paragraphs of Debian's libreoffice-help-sv (fetched with
`apt-get download`, unpacked, not installed; about 150,000 words), the Swedish book in
Debian's cfi-sv ("Copyright finns inte", about 100,000 words) and the hand-written genre
variants corpus/variants/v*.txt (not the held-out h*.txt). Never the seeds, seed 002's
gold, the held-out documents or the clean side of the OCR pairs, which the repair stage
is evaluated on. (The benchmark's damaged corpus, scripts/bench_repair.py, is OCR of the
odd-numbered help pages: speed only, no accuracy.)

roles is a bit set (see pipeline/lexicon.py): WORD (stands alone), BEGIN / MIDDLE / END
(may be that part of a compound, from the dictionary's COMPOUNDBEGIN/MIDDLE/END flags),
PROPER (the dictionary writes it capitalised), STEM (a headword of the .dic).
Forms are expanded from the .dic stems with the .aff suffix rules (the Swedish
dictionary has no prefixes and only compound flags as continuation flags). Frequencies
come from wordfreq; wordfreq words missing from Hunspell are kept with roles=0, so the
repair stage can rank them but never treats them as proof that a word exists (wordfreq
holds many accent-stripped forms like "fran", "pa").

Compound ends (ends.marisa.gz): the reversed skeletons of the forms that may end a
compound, derived from forms.marisa.gz; skeleton_keys.marisa.gz: the skeletons alone;
skeleton_roles.gz: the roles of their forms (`write_ends`).

Precomputed readings (readings.marisa.gz): see `write_readings`; rebuilt last, and alone
with --readings-only after any change to the repair search (the stage ignores a stale
table: its fingerprint no longer matches). --readings-only also rewrites ends.marisa.gz,
skeleton_keys.marisa.gz and skeleton_roles.gz.

Run: .venv/bin/python scripts/build_lexicon.py [--dic DIR] [--out models/lexicon] [--readings-only]
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import tempfile
from pathlib import Path

WORD, BEGIN, MIDDLE, END, PROPER, STEM = 1, 2, 4, 8, 16, 32
ROOT = Path(__file__).resolve().parents[1]
_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "à": "a", "ü": "u"})


def _save(trie, path: Path) -> None:
    # gzip with mtime=0: the same inputs give byte-identical files
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(trie.tobytes())


def write_lexicon(out: Path, entries: list[tuple[str, int, int]]) -> None:
    """forms.marisa.gz (form -> roles, zipf*100), skeletons.marisa.gz (skeleton -> forms
    with roles: the index the candidate search looks damaged words up in) and meta.json
    (the best zipf of a word with roles, by length: the search's bound)."""
    import marisa_trie

    _save(marisa_trie.RecordTrie("<BH", [(f, (r, z)) for f, r, z in entries]), out / "forms.marisa.gz")
    _save(marisa_trie.BytesTrie([(f.translate(_FOLD), f.encode("utf-8")) for f, r, _ in entries if r]),
          out / "skeletons.marisa.gz")
    max_zipf = [0.0] * 64
    for f, r, z in entries:
        n = min(len(f), 63)
        if r and z / 100 > max_zipf[n]:
            max_zipf[n] = z / 100
    meta = _meta(out)
    meta.update(max_zipf=max_zipf, forms=len(entries),
                sources=["hunspell-sv (Debian) sv_SE.dic/.aff", "wordfreq==3.1.1 sv large"])
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_ends(out: Path) -> int:
    """ends.marisa.gz: the skeletons of the forms with the END role, reversed (a marisa
    Trie: the compound search finds every possible end part of a string with one prefix
    lookup of the string reversed); skeleton_keys.marisa.gz: the skeletons of
    skeletons.marisa.gz alone, a plain Trie (its prefix walks are ten times faster), and
    skeleton_roles.gz: the roles of each skeleton's forms or-ed together, one byte per
    key id of skeleton_keys. All derived from the lexicon files."""
    import marisa_trie

    forms = marisa_trie.RecordTrie("<BH").frombytes(gzip.decompress((out / "forms.marisa.gz").read_bytes()))
    keys = {k.translate(_FOLD)[::-1] for k, (r, _) in forms.items() if r & END}
    _save(marisa_trie.Trie(keys), out / "ends.marisa.gz")
    skels = marisa_trie.BytesTrie().frombytes(gzip.decompress((out / "skeletons.marisa.gz").read_bytes()))
    skel_keys = marisa_trie.Trie(skels.iterkeys())
    _save(skel_keys, out / "skeleton_keys.marisa.gz")
    roles = bytearray(len(skel_keys))
    for skel, form in skels.iteritems():
        roles[skel_keys[skel]] |= forms[form.decode("utf-8")][0][0] & 0xFF
    with open(out / "skeleton_roles.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(bytes(roles))
    return len(keys)


def write_readings(out: Path) -> int:
    """readings.marisa.gz: what the repair search makes of (pipeline/repair.py
    `table_entry`: the reading, flags, the readings for the context model) the skeleton
    of every word wordfreq lists with a dictionary role and the word as English OCR
    commonly writes it (`ocr_renderings`), so that at run time most correct words and
    most damaged forms of listed words are answered by one lookup. Stamped in meta.json
    with the search's fingerprint and the sizes of the lexicon files: a table from
    another search or lexicon is never used."""
    import sys

    import marisa_trie

    sys.path.insert(0, str(ROOT))
    from pipeline import lexicon as lexmod, repair

    lex = lexmod.load(out)
    lex.readings = None
    repair.lexicon = lexmod.lexicon = lambda: lex     # the lexicon just built, no table
    listed = [k for k, (r, z) in lex.entry.__self__.trie.items()
              if r & WORD and z > 0 and k.isalpha() and k.islower()]
    keys = sorted({k.translate(_FOLD) for k in listed} | {d for k in listed for d in ocr_renderings(k)})
    items = []
    for n, k in enumerate(keys):
        items.append((k, repair.table_entry(k)))
        if n % 20000 == 0:
            print(f"readings: {n}/{len(keys)}", flush=True)
    _save(marisa_trie.BytesTrie(items), out / "readings.marisa.gz")
    meta = _meta(out)
    meta["readings"] = {"keys": len(items), "fingerprint": repair.search_fingerprint(),
                        "lexicon": lexmod._files_stamp(out),
                        "keys_from": "skeletons of the forms with a dictionary role and a wordfreq "
                                     "frequency, and those forms as English OCR commonly writes them "
                                     "(OCR_RENDERINGS)"}
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(items)


# English OCR's commonest renderings of a dotted letter (besides the letter without its
# dots), measured on Swedish scans (issue 5): "tjdnsteutlaitande", "6verlamnar", "méten"
OCR_RENDERINGS = {"å": ("a", "d", "é"), "ä": ("a", "d", "é"), "ö": ("o", "6", "é", "d")}
MAX_RENDERINGS = 200    # words with more dotted letters get only their skeleton


def ocr_renderings(form: str) -> list[str]:
    """The form as English OCR commonly writes it, every dotted letter rendered in each
    of its common ways ("möjlig" -> "mojlig", "m6jlig", "méjlig", "mdjlig")."""
    import itertools

    opts = [OCR_RENDERINGS.get(c, (c,)) for c in form]
    n = 1
    for o in opts:
        n *= len(o)
    if n == 1 or n > MAX_RENDERINGS:
        return []
    return ["".join(p) for p in itertools.product(*opts)]


def _meta(out: Path) -> dict:
    p = out / "meta.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


_BIGRAM_TOKEN = re.compile(r"[^\W\d_]+|\d+|[.!?:;]")


def bigram_tokens(text: str) -> list[str]:
    """Lower-cased words, '<num>' for numbers and '<s>' at sentence starts."""
    toks = ["<s>"]
    for m in _BIGRAM_TOKEN.finditer(text):
        t = m.group(0)
        if t in ".!?:;":
            if toks[-1] != "<s>":
                toks.append("<s>")
        else:
            toks.append("<num>" if t.isdigit() else t.lower())
    return toks


def write_bigrams(out: Path, texts: list[str]) -> int:
    """The context model of the repair stage: pair and word counts (pairs seen once are
    kept: the training text is small) -> bigrams.marisa.gz, unigrams.marisa.gz."""
    from collections import Counter

    import marisa_trie

    pairs: Counter = Counter()
    words: Counter = Counter()
    for text in texts:
        toks = bigram_tokens(text)
        words.update(toks)
        pairs.update(f"{a} {b}" for a, b in zip(toks, toks[1:]))
    _save(marisa_trie.RecordTrie("<I", sorted((k, (v,)) for k, v in pairs.items())), out / "bigrams.marisa.gz")
    _save(marisa_trie.RecordTrie("<I", sorted((k, (v,)) for k, v in words.items())), out / "unigrams.marisa.gz")
    meta = _meta(out)
    meta["bigrams"] = {"tokens": sum(words.values()), "pairs": len(pairs), "types": len(words),
                       "built_from": [f"{PROSE_PKG} (Debian), Swedish paragraphs of the help pages",
                                      f"{BOOK_PKG} (Debian), the book's text",
                                      "corpus/variants/v*.txt (not the held-out h*.txt)"],
                       "not_from": "the seeds (corpus/0*.txt), seed 002's hand-corrected gold, "
                                   "the held-out documents, or anything the repair evaluation reads"}
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return meta["bigrams"]["tokens"]


def parse_aff(path: Path) -> tuple[dict, dict]:
    """Suffix rules by flag: flag -> [(strip, add, contflags, compiled condition)] and the
    compound flag names."""
    sfx: dict[str, list] = {}
    opts: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if parts[0] in ("COMPOUNDBEGIN", "COMPOUNDMIDDLE", "COMPOUNDEND", "ONLYINCOMPOUND",
                        "NEEDAFFIX", "FORBIDDENWORD", "COMPOUNDPERMITFLAG") and len(parts) > 1:
            opts[parts[0]] = parts[1]
        if parts[0] == "SFX" and len(parts) >= 5:
            flag, strip, add, cond = parts[1], parts[2], parts[3], parts[4]
            strip = "" if strip == "0" else strip
            add, _, cont = add.partition("/")
            add = "" if add == "0" else add
            sfx.setdefault(flag, []).append((strip, add, cont, re.compile("(?:" + cond + ")$")))
    return sfx, opts


def expand(dic: Path, aff: Path) -> dict[str, int]:
    sfx, opts = parse_aff(aff)
    cb, cm, ce = opts.get("COMPOUNDBEGIN", "X"), opts.get("COMPOUNDMIDDLE", "U"), opts.get("COMPOUNDEND", "Y")
    only, need, forbid = opts.get("ONLYINCOMPOUND", "Z"), opts.get("NEEDAFFIX", "¤"), opts.get("FORBIDDENWORD", "%")

    def roles_of(flags: str) -> int:
        r = 0 if (only in flags or need in flags) else WORD
        if cb in flags:
            r |= BEGIN
        if cm in flags:
            r |= MIDDLE
        if ce in flags:
            r |= END
        return r

    forms: dict[str, int] = {}

    def add(form: str, r: int) -> None:
        if r:
            key = form.lower()
            # PROPER: the dictionary writes it capitalised (a name), so a repair keeps
            # its capital even in mid-sentence
            if r & WORD and form[:1].isupper() and not form.isupper():
                r |= PROPER
            forms[key] = forms.get(key, 0) | r

    lines = dic.read_text(encoding="utf-8").splitlines()[1:]
    for line in lines:
        word, _, flags = line.partition("/")
        word = word.strip()
        if not word or forbid in flags:
            continue
        # STEM: a dictionary headword (for verbs, the infinitive: "stärka", not "starka")
        add(word, roles_of(flags) | (STEM if roles_of(flags) & WORD else 0))
        # a suffixed form may end a compound when the stem may (hunspell's rule);
        # it may begin/middle one only if the suffix's continuation flags say so
        end_ok = END if ce in flags else 0
        for f in flags:
            for strip, suffix, cont, cond in sfx.get(f, ()):
                if not cond.search(word) or (strip and not word.endswith(strip)):
                    continue
                stem = word[: len(word) - len(strip)] if strip else word
                add(stem + suffix, roles_of(cont) | end_ok if cont else WORD | end_ok)
    return forms


# ---------------------------------------------------------------- Swedish running text

PROSE_PKG = "libreoffice-help-sv"   # Debian: the office suite's Swedish help, 2,500 pages of prose
BOOK_PKG = "cfi-sv"                 # Debian: "Copyright finns inte", a Swedish non-fiction book


def fetch_deb(package: str, dest: Path) -> Path:
    """Unpack a Debian package (without installing it or its dependencies) into dest."""
    import subprocess

    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", package], cwd=dest, check=True, capture_output=True)
    deb = next(dest.glob(f"{package}_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(dest / "x")], check=True)
    return dest / "x"


_PARA = re.compile(r'<p id="[^"]*" class="paragraph"[^>]*>(.*?)</p>', re.S)
_TAG = re.compile(r"<[^>]+>")
_SV_FUNCTION = set("och att som är en ett för på i det med av till den de om har kan inte "
                   "eller från du vid när så ska också".split())


def book_paragraphs(root: Path) -> list[str]:
    """The paragraphs of the book in cfi-sv (one HTML file)."""
    import html

    text = (root / "usr/share/doc/cfi-sv/cfi.html").read_text(encoding="latin-1")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
    paras = (" ".join(html.unescape(_TAG.sub("", p)).split())
             for p in re.split(r"<(?:p|br|h\d|li|div)\b[^>]*>", text, flags=re.I))
    return [p for p in paras if len(p.split()) >= 4]


def prose_paragraphs(root: Path, part: int) -> list[str]:
    """Swedish help paragraphs (sentences of at least 8 words) from the unpacked help,
    files taken alternately (part 0: even-numbered, part 1: odd-numbered pages)."""
    import html

    files = sorted((root / "usr/share/libreoffice/help/sv/text").rglob("*.html"))
    out = []
    for k, f in enumerate(files):
        if k % 2 != part:
            continue
        for m in _PARA.finditer(f.read_text(encoding="utf-8", errors="replace")):
            p = " ".join(html.unescape(_TAG.sub("", m.group(1))).split())
            toks = p.lower().split()
            # untranslated pages stay English: keep paragraphs of Swedish function words
            if len(toks) >= 8 and p[-1:] in ".:!?" and \
                    sum(t in _SV_FUNCTION for t in toks) >= 0.15 * len(toks):
                out.append(p)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dic", default="/usr/share/hunspell", help="folder with sv_SE.dic/.aff")
    ap.add_argument("--out", default=str(ROOT / "models" / "lexicon"))
    ap.add_argument("--no-bigrams", action="store_true", help="keep the existing context model")
    ap.add_argument("--readings-only", action="store_true",
                    help="only recompute the precomputed readings (after a change to the repair search)")
    args = ap.parse_args()
    if args.readings_only:
        print(f"{write_ends(Path(args.out))} compound ends")
        print(f"{write_readings(Path(args.out))} precomputed readings")
        return
    from wordfreq import iter_wordlist, zipf_frequency

    d = Path(args.dic)
    forms = expand(d / "sv_SE.dic", d / "sv_SE.aff")
    zipf: dict[str, int] = {}
    for w in iter_wordlist("sv", wordlist="large"):
        z = zipf_frequency(w, "sv", wordlist="large")
        if z < 1.0:
            break
        if w.isalpha():
            zipf[w] = round(z * 100)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    keys = sorted(set(forms) | set(zipf))
    write_lexicon(out, [(k, forms.get(k, 0), zipf.get(k, 0)) for k in keys])
    print(f"{len(forms)} hunspell forms, {len(zipf)} wordfreq words, {len(keys)} entries -> {out}")
    if not args.no_bigrams:
        build_context_model(out)
    print(f"{write_ends(out)} compound ends")
    print(f"{write_readings(out)} precomputed readings")


def build_context_model(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = fetch_deb(PROSE_PKG, Path(tmp) / "help")
        texts = prose_paragraphs(root, part=0) + prose_paragraphs(root, part=1)
        texts += book_paragraphs(fetch_deb(BOOK_PKG, Path(tmp) / "book"))
    # the variants v01…: not the held-out documents (h01…), kept unseen for evaluation
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "variants").glob("v[0-9]*.txt"))]
    n = write_bigrams(out, texts)
    print(f"context model: {n} tokens -> {out / 'bigrams.marisa.gz'}")

if __name__ == "__main__":
    main()
