"""MappedText keeps every character's source offset through rewrites."""
from pipeline.textmap import REPAIRED, MappedText, concat


def test_identity_and_sub_keep_offsets():
    mt = MappedText.identity("Trafikndmnden dverldmnar")
    fixed = mt.sub(r"ndmnden", "nämnden", flag=REPAIRED)
    assert fixed.text == "Trafiknämnden dverldmnar"
    i = fixed.text.index("dverldmnar")
    assert fixed.source_span(i, i + 10) == (14, 24)
    assert fixed.any_flag(7, 13) and not fixed.any_flag(0, 7)


def test_length_changing_sub_maps_to_match():
    mt = MappedText.identity("a  b\r\nc")
    out = mt.sub(r"\r\n", "\n").sub(r" +", " ")
    assert out.text == "a b\nc"
    assert out.source_span(4, 5) == (6, 7)


def test_concat_pages():
    a, b = MappedText.identity("ett", 0), MappedText.identity("två", 4)
    joined = concat([a, b], sep="\n")
    assert joined.text == "ett\ntvå"
    assert joined.source_span(4, 7) == (4, 7)
