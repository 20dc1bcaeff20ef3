"""Build the Swedish name lists in models/names/ (committed, so runtime needs no network).

Sources (both pinned dev dependencies, nothing is fetched at build time):
- faker==40.54.0, provider person/sv_SE: the 500 most common female and 500 male given
  names (Isof name statistics 2023) and the 500 most common surnames (Skatteverket 2025);
- gender-guesser==0.4.0, data/nam_dict.txt (Jörg Michael's name dictionary, GFDL): given
  names with a Swedish frequency class of at least MIN_SWEDISH_FREQ.

Outputs one name a line, sorted: models/names/given.txt, models/names/surnames.txt.
Run: .venv/bin/python scripts/build_names.py
"""
from __future__ import annotations

import os
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "models" / "names"
MIN_SWEDISH_FREQ = 1          # nam_dict frequency classes run 1 (rare) .. 13 (D, very common); any Swedish use counts
SWEDEN_COLUMN = 18            # index of "sweden" in gender_guesser.detector.Detector.COUNTRIES


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


def main() -> None:
    given, surnames = faker_names()
    given |= nam_dict_swedish_given()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "given.txt").write_text("\n".join(sorted(given)) + "\n", encoding="utf-8")
    (OUT / "surnames.txt").write_text("\n".join(sorted(surnames)) + "\n", encoding="utf-8")
    print(f"{len(given)} given names, {len(surnames)} surnames -> {OUT}")


if __name__ == "__main__":
    main()
