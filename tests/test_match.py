"""Canonical lists, fuzzy matching and version choice (pipeline/match.py, pipeline/nlp.py).

Gold: corpus/gold/matching.json (expected canonical id, version and status of every focus
area in the seeds, written by reading the documents) and tests/data/match_pairs.csv
(labelled positive and hard-negative pairs; precision/recall reported at THRESHOLD).
"""
from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline import match
from pipeline.nlp import get_nlp, lemmas, match_keys
from pipeline.record import FocusArea, Record, Source

ROOT = Path(__file__).resolve().parent.parent
GOLD = json.loads((ROOT / "corpus/gold/matching.json").read_text(encoding="utf-8"))
PAIRS = ROOT / "tests/data/match_pairs.csv"
FIXTURE_2027 = ROOT / "tests/data/taxonomy-2027"


def seed_gold(stem: str) -> dict:
    return json.loads((ROOT / "corpus/gold" / f"{stem}.json").read_text(encoding="utf-8"))


def make_record(texts: list[str], date: str | None = None) -> Record:
    return Record(doc_id="t", source=Source(path="t.txt", sha256="t", format="txt"), document_date=date,
                  focus_areas=[FocusArea(text=t) for t in texts])


def damaged_002_areas() -> list[str]:
    """The six areas as they stand in the OCR-damaged seed 002 (bullets of its area list)."""
    text = (ROOT / "corpus/002_6a855a06a73e563a.txt").read_text(encoding="utf-8")
    block = text.split("Prioriterade samverkansomraden\n", 1)[1].split("Pagaende", 1)[0]
    return [m.strip() for m in re.findall(r"^- (.+)$", block, flags=re.M)]


# ---- seeds against gold --------------------------------------------------------------

@pytest.mark.parametrize("stem", sorted(GOLD))
def test_seed_areas_match_gold(stem):
    expected = GOLD[stem]
    rec = make_record([e["text"] for e in expected], seed_gold(stem).get("document_date"))
    match.assign(rec)
    versions = {e["taxonomy"] for e in expected}
    assert rec.taxonomy is not None and {rec.taxonomy.id} == versions, rec.taxonomy
    got = [{"text": fa.text, "canonical_id": fa.canonical_id, "taxonomy": fa.taxonomy, "status": fa.status}
           for fa in rec.focus_areas]
    assert got == expected
    for fa in rec.focus_areas:  # labels and scores filled consistently
        if fa.status == "local":
            assert fa.canonical_label is None and fa.score < match.THRESHOLD
        else:
            assert fa.canonical_label == match.get_taxonomy(fa.taxonomy).area(fa.canonical_id).label
            assert fa.score >= match.THRESHOLD


def test_damaged_002_areas_still_match():
    damaged = damaged_002_areas()
    assert damaged[0] == "Unga 1 risk for kriminalitet" and "Otillaten paverkan" in damaged
    rec = make_record(damaged)
    match.assign(rec)
    assert rec.taxonomy.id == "sok-2019"
    assert [fa.canonical_id for fa in rec.focus_areas] == [e["canonical_id"] for e in GOLD["002_6a855a06a73e563a"]]
    assert all(fa.status == "matched" for fa in rec.focus_areas)


def test_local_area_not_forced_even_against_every_version():
    for tid in match.load_taxonomies():
        rec = make_record(["Våld i nära relation"])
        match.assign(rec, tid)
        assert rec.focus_areas[0].status == "local" and rec.focus_areas[0].canonical_id is None, tid


@pytest.mark.skipif(importlib.util.find_spec("pipeline.extract.focus") is None,
                    reason="focus-area extractor not in the tree yet")
@pytest.mark.parametrize("stem", sorted(GOLD))
def test_seed_end_to_end(stem):
    from pipeline.process import process_path
    rec = process_path(ROOT / "corpus" / f"{stem}.txt")
    got = [(fa.canonical_id, fa.taxonomy, fa.status) for fa in rec.focus_areas]
    assert got == [(e["canonical_id"], e["taxonomy"], e["status"]) for e in GOLD[stem]]


# ---- labelled pairs -------------------------------------------------------------------

def pair_metrics(threshold: float) -> tuple[float, float, int, int]:
    tp = fp = fn = n = 0
    for row in csv.DictReader(PAIRS.open(encoding="utf-8")):
        area = match.get_taxonomy(row["taxonomy"]).area(row["area_id"])
        pred, gold = match.score(row["text"], area) >= threshold, row["label"] == "1"
        tp += pred and gold
        fp += pred and not gold
        fn += gold and not pred
        n += 1
    return tp / (tp + fp), tp / (tp + fn), n, tp + fn


def test_pairs_precision_recall_at_threshold(capsys):
    p, r, n, pos = pair_metrics(match.THRESHOLD)
    with capsys.disabled():
        print(f"\nmatch pairs: {n} ({pos} positive, {n - pos} hard negative); "
              f"threshold {match.THRESHOLD}: precision {p:.3f} recall {r:.3f}")
    assert n >= 100 and pos >= 60 and n - pos >= 40
    assert p >= 0.99 and r >= 0.95


def test_pairs_threshold_is_not_trivial():
    # a threshold far lower lets hard negatives through; far higher loses damaged/variant forms
    assert pair_metrics(70)[0] < 0.99
    assert pair_metrics(99)[1] < 0.95


def test_row_scores_are_the_pairwise_scores():
    """A text's scores against a version's areas, computed against every name at once,
    are score(text, area) pair by pair, exactly (labelled pairs, gold texts, the names
    themselves, every version)."""
    with PAIRS.open(encoding="utf-8") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    texts += [m["text"] for areas in GOLD.values() for m in areas]
    texts += damaged_002_areas() + ["", "och", "Unga", "platser platser platser"]
    for t in match.load_taxonomies().values():
        texts += [n for a in t.areas for n in a.names]
    for t in match.load_taxonomies().values():
        names = match._names(t)
        for text in texts:
            assert match._row_scores(match_keys(text), names) == tuple(match.score(text, a) for a in t.areas), text


def test_assigned_fields_as_if_set_one_by_one():
    """assign() stores the canonical fields in one step (match._set_fields): the same
    model as setting them one by one, which holds while FocusArea does not validate
    assignments (then it would have to go through __setattr__)."""
    assert not FocusArea.model_config.get("validate_assignment")
    rec = make_record(["Otrygga platser", "Något helt annat"])
    match.assign(rec)
    ref = make_record(["Otrygga platser", "Något helt annat"])
    for fa, got in zip(ref.focus_areas, rec.focus_areas):
        for name in ("taxonomy", "canonical_id", "canonical_label", "score", "status"):
            setattr(fa, name, getattr(got, name))
    assert rec.focus_areas[0].canonical_id and rec.focus_areas[1].status == "local"
    assert [fa.__dict__ for fa in rec.focus_areas] == [fa.__dict__ for fa in ref.focus_areas]
    assert [fa.model_fields_set for fa in rec.focus_areas] == [fa.model_fields_set for fa in ref.focus_areas]


# ---- assignment behaviour ---------------------------------------------------------------

def test_one_to_one_assignment():
    t = match.get_taxonomy("sok-2023")
    res = match.match_texts(["Otrygga platser", "Brottsutsatta platser", "Systemhotande brott"], t)
    claimed = [m.canonical_id for m in res if m.canonical_id]
    assert len(claimed) == len(set(claimed)) == 2
    assert "sok-2023.platser" in claimed and "sok-2023.systemhotande" in claimed
    assert sum(m.status == "local" for m in res) == 1


def test_optimal_not_greedy_assignment():
    # greedy would give the first text its best area and leave the second without one
    t = match.get_taxonomy("sok-2019")
    res = match.match_texts(["Särskilt utsatta och sårbara brottsoffer",
                             "Riktat arbete mot avgränsade platser och utsatta områden"], t)
    assert [m.canonical_id for m in res] == ["sok-2019.brottsoffer", "sok-2019.platser"]


def test_same_area_named_twice_shares_result():
    t = match.get_taxonomy("sok-2023")
    res = match.match_texts(["Systemhotande brottslighet", "systemhotande  brottslighet"], t)
    assert [m.canonical_id for m in res] == ["sok-2023.systemhotande"] * 2


def test_ambiguous_when_two_areas_close(tmp_path, monkeypatch):
    (tmp_path / "x-1.yaml").write_text(
        "id: x-1\nlabel: X\nareas:\n"
        "  - {id: x-1.a, label: Otrygga platser}\n"
        "  - {id: x-1.b, label: Platser i centrum}\n"
        "  - {id: x-1.c, label: Ekonomisk brottslighet}\n", encoding="utf-8")
    monkeypatch.setenv("REMISS_TAXONOMY_DIR", str(tmp_path))
    # a text naming two areas at once fits both equally well
    rec = make_record(["Otrygga platser i centrum", "Ekonomisk brottslighet"])
    match.assign(rec)
    assert rec.taxonomy.id == "x-1"
    assert rec.focus_areas[0].status == "ambiguous" and rec.focus_areas[0].canonical_id in {"x-1.a", "x-1.b"}
    assert rec.focus_areas[1].status == "matched"


def test_given_taxonomy_wins_and_is_reported():
    rec = make_record([e["text"] for e in GOLD["000_bf1a5e90f9748335"]], "2023-09-28")
    match.assign(rec, "sok-2019")
    assert rec.taxonomy.id == "sok-2019" and "given" in rec.taxonomy.reason
    # only the area that kept its name matches the older list
    assert [fa.canonical_id for fa in rec.focus_areas if fa.status != "local"] == ["sok-2019.brottsoffer"]


def test_unknown_taxonomy_is_an_error():
    with pytest.raises(KeyError, match="sok-1999"):
        match.assign(make_record(["Otillåten påverkan"]), "sok-1999")


@pytest.mark.parametrize("date,expected", [("2019-03-07", "sok-2015"), ("2021-02", "sok-2019"),
                                           ("2024-05-23", "sok-2023"), (None, None)])
def test_version_from_date_without_areas(date, expected):
    rec = make_record([], date)
    match.assign(rec)
    assert (rec.taxonomy.id if rec.taxonomy else None) == expected
    if expected:
        assert rec.taxonomy.reason.startswith("date:")


def test_wording_beats_date():
    # a 2019-dated document listing the new 2019 areas is about SÖK 2019, not the 2015 agreement
    rec = make_record([e["text"] for e in GOLD["001_c41f3676d29cb85a"]], "2019-03-01")
    match.assign(rec)
    assert rec.taxonomy.id == "sok-2019" and rec.taxonomy.reason.startswith("wording: 6 of 6")


# ---- canonical data ---------------------------------------------------------------------

def test_canonical_lists_as_in_sources():
    tx = match.load_taxonomies()
    assert {"sok-2015", "sok-2019", "sok-2023"} <= set(tx)
    assert len(tx["sok-2015"].areas) == 3 and len(tx["sok-2019"].areas) == 6 and len(tx["sok-2023"].areas) == 5
    t23 = tx["sok-2023"]
    assert [len(a.goals) for a in t23.areas] == [3, 3, 3, 3, 2]
    assert "Stärka parternas förmåga att motverka otillåten påverkan." in t23.area("sok-2023.systemhotande").goals
    for t in tx.values():
        assert t.source.get("document")
        ids = [a.id for a in t.areas]
        assert len(ids) == len(set(ids)) and all(i.startswith(t.id + ".") for i in ids)


def test_crosswalk_covers_every_area_with_reasons():
    links = match.load_crosswalk()
    tx = match.load_taxonomies()
    for old, new in [("sok-2015", "sok-2019"), ("sok-2019", "sok-2023")]:
        ls = [ln for ln in links if (ln.from_ or "").startswith(old + ".") or (ln.to or "").startswith(new + ".")]
        assert {ln.from_ for ln in ls if ln.from_} == {a.id for a in tx[old].areas}
        assert {ln.to for ln in ls if ln.to} == {a.id for a in tx[new].areas}
        assert all(ln.reason and ln.relation in match.RELATIONS for ln in ls)
    rel = {(ln.from_, ln.to): ln.relation for ln in links}
    assert rel[("sok-2019.unga-i-risk", "sok-2023.unga-i-riskzon")] == "renamed"
    assert rel[("sok-2019.avhoppare", "sok-2023.kriminella-miljoer")] == "merged_into"
    assert rel[("sok-2019.vbe", "sok-2023.kriminella-miljoer")] == "merged_into"
    assert rel[("sok-2019.otillaten-paverkan", "sok-2023.systemhotande")] == "merged_into"


def test_bad_crosswalk_is_rejected(tmp_path):
    shutil.copy(ROOT / "models/taxonomies/sok-2023.yaml", tmp_path)
    (tmp_path / "crosswalk.yaml").write_text(
        "links:\n  - {from: sok-2023.platser, to: sok-2023.nope, relation: renamed, reason: x}\n")
    with pytest.raises(ValueError, match="sok-2023.nope"):
        match.load_taxonomies(tmp_path)
    (tmp_path / "crosswalk.yaml").write_text(
        "links:\n  - {from: sok-2023.platser, to: null, relation: vanished, reason: x}\n")
    with pytest.raises(ValueError, match="vanished"):
        match.load_taxonomies(tmp_path)


def test_new_version_is_a_data_change_only(tmp_path, monkeypatch):
    for f in (ROOT / "models/taxonomies").glob("*.yaml"):
        shutil.copy(f, tmp_path)
    for f in FIXTURE_2027.glob("*.yaml"):
        shutil.copy(f, tmp_path)
    monkeypatch.setenv("REMISS_TAXONOMY_DIR", str(tmp_path))
    rec = make_record(["Barn och unga i riskzon", "Gängkriminalitet och kriminella nätverk",
                       "Mäns våld mot kvinnor", "Trafiksäkerhet"], "2027-09-01")
    match.assign(rec)
    assert rec.taxonomy.id == "sok-2027"
    assert [(fa.canonical_id, fa.status) for fa in rec.focus_areas] == [
        ("sok-2027.barn-och-unga", "matched"), ("sok-2027.gangkriminalitet", "matched"),
        ("sok-2027.vald-i-nara-relation", "matched"), (None, "local")]
    # the seeds still match their own versions with the extra version present
    rec = make_record([e["text"] for e in GOLD["003_235d45cc36fe7281"]], "2024-05-23")
    match.assign(rec)
    assert rec.taxonomy.id == "sok-2023"


# ---- shared NLP -------------------------------------------------------------------------

def test_nlp_lemmas_and_keys():
    assert get_nlp() is get_nlp()  # loaded once per process
    assert lemmas("Otrygga platser") == ["otrygg", "plats"]
    assert match_keys("Otrygga brottsutsatta platser") == match_keys("Otrygga och brottsutsatta platser")
    assert match_keys("Otillaten paverkan") == match_keys("Otillåten påverkan")
    assert match_keys("Unga 1 risk for kriminalitet") == match_keys("Unga i risk för kriminalitet")
    doc = get_nlp()("Den övergripande samverkansöverenskommelsen ersätter samverkansavtalet.")
    assert [s.text for s in doc.spans["agreements"]] == ["samverkansöverenskommelsen", "samverkansavtalet"]
    assert len(list(get_nlp()("Första meningen. Andra meningen.").sents)) == 2


def test_match_keys_without_a_doc_are_spacys():
    """match_keys answers phrases of plain words (letters, nothing spaCy's tokenizer would
    split off) from the lookup table without making a Doc: the same keys as the Doc's
    tokens give, on labelled pairs, gold texts, names, frequent words and phrases of them;
    other phrases still go through spaCy."""
    import random

    from wordfreq import top_n_list

    from pipeline import nlp

    def doc_keys(text: str) -> tuple[str, str]:
        lemma_key, surface_key = [], []
        for t in nlp._lemmatized(re.sub(r"\s+", " ", text).strip().casefold()):
            if t.is_space or t.is_punct:
                continue
            surface = nlp._fix_ocr_token(t.lower_)
            if surface in nlp.STOPWORDS:
                continue
            lemma_key.append(nlp._stem_fold(t.lemma_ or surface))
            surface_key.append(nlp._stem_fold(surface))
        return " ".join(lemma_key), " ".join(surface_key)

    with PAIRS.open(encoding="utf-8") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    texts += [m["text"] for areas in GOLD.values() for m in areas] + damaged_002_areas()
    texts += [n for t in match.load_taxonomies().values() for a in t.areas for n in a.names]
    words = top_n_list("sv", 5000)
    rng = random.Random(7)
    texts += words + [" ".join(rng.sample(words, rng.randrange(1, 6))) for _ in range(2000)]
    texts += ["", "  ", "ÖKAD  TRYGGHET", "1 staden", "S:t Eriks", "e-handel", "brott/våld", "Unga i risk- och",
              "Trygghet (2019)", "våld i nära relationer.", "6vergripande samverkan"]
    plain = 0
    for text in texts:
        plain += nlp._plain_words(re.sub(r"\s+", " ", text).strip().casefold()) is not None
        assert match_keys(text) == doc_keys(text), text
    assert plain >= 0.9 * len(texts) and plain < len(texts)
