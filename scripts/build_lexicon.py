"""Build the Swedish lexicon used by the repair stage (pipeline/repair.py).

Inputs (pinned): Debian's hunspell-sv-se dictionary (/usr/share/hunspell/sv_SE.dic/.aff)
and wordfreq==3.1.1's Swedish frequency list. Output: models/lexicon/forms.tsv.gz, one
line per lower-cased word form: `form<TAB>roles<TAB>zipf*100`.

roles is a bit set (see pipeline/lexicon.py): WORD (stands alone), BEGIN / MIDDLE / END
(may be that part of a compound, from the dictionary's COMPOUNDBEGIN/MIDDLE/END flags),
PROPER (the dictionary writes it capitalised), STEM (a headword of the .dic).
Forms are expanded from the .dic stems with the .aff suffix rules (the Swedish
dictionary has no prefixes and only compound flags as continuation flags). Frequencies
come from wordfreq; wordfreq words missing from Hunspell are kept with roles=0, so the
repair stage can rank them but never treats them as proof that a word exists (wordfreq
holds many accent-stripped forms like "fran", "pa").

Run: .venv/bin/python scripts/build_lexicon.py [--dic DIR] [--out models/lexicon]
"""
from __future__ import annotations

import argparse
import gzip
import re
from pathlib import Path

WORD, BEGIN, MIDDLE, END, PROPER, STEM = 1, 2, 4, 8, 16, 32


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dic", default="/usr/share/hunspell", help="folder with sv_SE.dic/.aff")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "models" / "lexicon"))
    args = ap.parse_args()
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
    # mtime=0 and sorted keys: the same inputs give byte-identical output
    with open(out / "forms.tsv.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write("".join(f"{k}\t{forms.get(k, 0)}\t{zipf.get(k, 0)}\n" for k in keys).encode("utf-8"))
    print(f"{len(forms)} hunspell forms, {len(zipf)} wordfreq words, {len(keys)} entries -> {out / 'forms.tsv.gz'}")


if __name__ == "__main__":
    main()
