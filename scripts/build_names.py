"""Build the Swedish name lists in models/names/ (committed, so runtime needs no network).

Sources (both pinned dev dependencies, nothing is fetched at build time):
- faker==40.54.0, provider person/sv_SE: the 500 most common female and 500 male given
  names (Isof name statistics 2023) and the 500 most common surnames (Skatteverket 2025);
- gender-guesser==0.4.0, data/nam_dict.txt (Jörg Michael's name dictionary, GFDL): given
  names with a Swedish frequency class of at least MIN_SWEDISH_FREQ;
- names-dataset==3.3.1 (Apache-2.0; first and last names with a per-country popularity
  rank): the names ranked in Sweden ("SE"), given names up to MAX_GIVEN_RANK and surnames
  up to MAX_SURNAME_RANK. This adds the names in use in Stockholm that the two older lists
  lack (Finnish, Persian, Arabic, Somali … given names: "Mirja", "Omid"). The source is
  noisy at its tail, so a candidate is dropped when its lower-case form is a Swedish word
  in the hunspell sv_SE dictionary (Debian hunspell-sv-se: "Hund", "Fotograf"), when it
  ranks better in Sweden as the other kind of name ("Eriksson" as a given name), or when
  it is not shaped like a name.

Outputs one name a line, sorted (no network at build time; the sources are installed packages): models/names/given.txt, models/names/surnames.txt.
Run: .venv/bin/python scripts/build_names.py
"""
from __future__ import annotations

import os
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "models" / "names"
MIN_SWEDISH_FREQ = 1          # nam_dict frequency classes run 1 (rare) .. 13 (D, very common); any Swedish use counts
SWEDEN_COLUMN = 18            # index of "sweden" in gender_guesser.detector.Detector.COUNTRIES
MAX_GIVEN_RANK = 4000         # names-dataset SE ranks; beyond these the lists are mostly noise
MAX_SURNAME_RANK = 10000
HUNSPELL_SV = Path("/usr/share/hunspell/sv_SE.dic")
_NAME_SHAPE = re.compile(r"[A-ZÅÄÖÉÜ][a-zåäöéüë]+(?:-[A-ZÅÄÖÉÜ][a-zåäöéüë]+)?")


def faker_names() -> tuple[set[str], set[str]]:
    from faker.providers.person.sv_SE import Provider
    given = set(Provider.first_names_female) | set(Provider.first_names_male)
    return given, set(Provider.last_names)


def nam_dict_swedish_given() -> set[str]:
    import gender_guesser
    from gender_guesser.detector import Detector
    assert Detector.COUNTRIES[SWEDEN_COLUMN] == "sweden"
    path = Path(os.path.dirname(gender_guesser.__file__)) / "data" / "nam_dict.txt"
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line[0] in "#=":
            continue
        freq = line[30 + SWEDEN_COLUMN:31 + SWEDEN_COLUMN].strip()
        if not freq or int(freq, 16) < MIN_SWEDISH_FREQ:
            continue
        name = line.split()[1]
        if "+" in name or not re.fullmatch(r"[A-ZÅÄÖÉÜ][\wåäöéüÅÄÖ'-]+", name):
            continue
        names.add(name)
    return names


def swedish_words() -> set[str]:
    """Lower-case entries of the hunspell sv_SE dictionary (common words, not names)."""
    words = set()
    for line in HUNSPELL_SV.read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
        w = line.split("/", 1)[0].strip()
        if w and w[0].islower():
            words.add(w)
    return words


def names_dataset_swedish(words: set[str]) -> tuple[set[str], set[str]]:
    from names_dataset import NameDataset
    nd = NameDataset()

    def ranked(table: dict) -> dict[str, int]:
        return {n: a["rank"]["SE"] for n, a in table.items() if (a.get("rank") or {}).get("SE")}

    first, last = ranked(nd.first_names), ranked(nd.last_names)

    def keep(name: str, rank: int, limit: int, other: dict[str, int]) -> bool:
        return (rank <= limit and bool(_NAME_SHAPE.fullmatch(name)) and name.lower() not in words
                and other.get(name, 10 ** 9) >= rank)

    given = {n for n, r in first.items() if keep(n, r, MAX_GIVEN_RANK, last)}
    surnames = {n for n, r in last.items() if keep(n, r, MAX_SURNAME_RANK, first)}
    return given, surnames


def main() -> None:
    given, surnames = faker_names()
    given |= nam_dict_swedish_given()
    nd_given, nd_surnames = names_dataset_swedish(swedish_words())
    given |= nd_given
    surnames |= nd_surnames
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "given.txt").write_text("\n".join(sorted(given)) + "\n", encoding="utf-8")
    (OUT / "surnames.txt").write_text("\n".join(sorted(surnames)) + "\n", encoding="utf-8")
    print(f"{len(given)} given names, {len(surnames)} surnames -> {OUT}")


if __name__ == "__main__":
    main()
