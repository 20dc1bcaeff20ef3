"""The four matching tiers and the counting behind precision and recall."""
from pipeline.evaluate import MATCHERS, Counts, count_matches, evaluate
from pipeline.record import Record


def rec(path, **fields):
    return Record.model_validate({"doc_id": "x", "source": {"path": path, "sha256": "x", "format": "txt"}, **fields})


def test_tiers():
    assert MATCHERS["strict"]("Trafiknämnden", "Trafiknämnden")
    assert not MATCHERS["strict"]("Trafiknämnden", "trafiknämnden")
    assert MATCHERS["soft"]("Trafiknämnden.", "trafiknämnden")
    assert MATCHERS["levenshtein"]("Trafiknämnden", "Trafikndmnden")
    assert not MATCHERS["ratcliff_obershelp"]("Trafiknämnden", "Trafikndmnden")
    assert MATCHERS["ratcliff_obershelp"]("Unga i riskzon för destruktivt beteende",
                                          "Unga i riskzon för destruktivt beteende.")


def test_one_to_one_counting():
    assert count_matches(["a", "a"], ["a"], MATCHERS["strict"]) == 1
    c = Counts(tp=1, pred=2, gold=1)
    assert (c.precision, c.recall, round(c.f1, 3)) == (0.5, 1.0, 0.667)


def test_fields_absent_from_gold_are_not_scored_and_nulls_count():
    gold = {"a": {"title": "T", "case_officer": None}}
    report = evaluate([rec("dir/a.txt", title="T", case_officer={"name": "X"})], gold)
    assert report.f1("title") == 1.0
    assert report.scores["case_officer.name"]["strict"].pred == 1
    assert report.f1("case_officer.name") == 0.0
    assert "doc_type" not in report.scores
    assert report.wrong == {"a": ["case_officer.name"]}
