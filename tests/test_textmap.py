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


def test_length_changing_sub_keeps_common_prefix_and_suffix_in_place():
    # a line-break hyphen joined: no letter of either half moves (it used to shift by one)
    raw = "ÖVERENS-\nKOMMELSE"
    out = MappedText.identity(raw).sub(r"-\n", "-")
    assert out.text == "ÖVERENS-KOMMELSE"
    assert [raw[out.offsets[i]] for i in range(len(out))] == list(out.text)
    joined = MappedText.identity("samverkans-\növerenskommelse").sub(r"(\w+)-\n(\w+)", r"\1\2")
    assert joined.source_span(10, 25) == (12, 27) and joined.source_span(0, 10) == (0, 10)
    # a glued word split: the inserted space maps to the letter after it
    split = MappedText.identity("förvaltningenhar beslutat").sub(r"ningenhar", "ningen har")
    assert split.text == "förvaltningen har beslutat"
    assert split.source_span(14, 17) == (13, 16) and split.offsets[13] == 13
    # nothing in common: spread over the match as before
    bullet = MappedText.identity("»« Unga").sub("»«", "-")
    assert bullet.text == "- Unga" and bullet.offsets[0] == 0 and bullet.source_span(2, 6) == (3, 7)
