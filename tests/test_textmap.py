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


def test_builder_matches_a_char_by_char_reference():
    """TextBuilder joins views and buffers once in build(); the offsets and flags must be
    those of the plain definition, char by char, for any run of keep/replace/insert."""
    import random
    from array import array

    from pipeline.textmap import MappedText, TextBuilder

    def reference(src: MappedText, ops: list) -> tuple[str, list[int], list[int]]:
        text, offs, flags = [], [], []
        for op, a, b, new, flag in ops:
            if op == "keep" and b > a:
                text.append(src.text[a:b]); offs += src.offsets[a:b]; flags += src.flags[a:b]
            elif op == "replace" and new:
                old = src.text[a:b]
                text.append(new)
                if len(new) == b - a:
                    offs += src.offsets[a:b]
                    flags += [src.flags[a + i] | (flag if new[i] != old[i] else 0) for i in range(len(new))]
                else:
                    n_old, n_new = b - a, len(new)
                    p = q = 0
                    while p < min(n_old, n_new) and new[p] == old[p]:
                        p += 1
                    while q < min(n_old, n_new) - p and new[-1 - q] == old[-1 - q]:
                        q += 1
                    m_old, m_new = n_old - p - q, n_new - p - q
                    offs += src.offsets[a:a + p]
                    offs += [src.offsets[a + p + (round(k * (m_old - 1) / (m_new - 1)) if m_new > 1 and m_old > 0 else 0)]
                             for k in range(m_new)]
                    offs += src.offsets[b - q:b]
                    flags += [flag | (src.flags[a] if a < len(src.flags) else 0)] * n_new
            elif op == "insert":
                text.append(new); offs += [src.offsets[a]] * len(new); flags += [flag] * len(new)
        end = offs[-1] + 1 if offs else src.offsets[-1]
        return "".join(text), offs + [end], flags

    rng = random.Random(4)
    for _ in range(500):
        n = rng.randrange(0, 30)
        text = "".join(rng.choice("ab-\n ") for _ in range(n))
        src = MappedText(text, array("q", sorted(rng.randrange(0, 99) for _ in range(n + 1))),
                         bytearray(rng.choice([0, 0, 1, 2]) for _ in range(n)))
        ops, pos = [], 0
        while pos < n and len(ops) < 8:
            a = pos + rng.randrange(0, 3)
            b = min(n, a + rng.randrange(0, 6))
            kind = rng.choice(["keep", "replace", "insert"])
            new = "".join(rng.choice("ab-") for _ in range(rng.choice([0, b - a, rng.randrange(0, 7)]))) \
                if kind != "keep" else ""
            if kind == "insert" and a >= n:
                break
            ops.append((kind, min(a, n), max(min(a, n), b), new, rng.choice([0, 1, 4])))
            pos = max(min(a, n), b)
        bld = TextBuilder(src)
        for op, a, b, new, flag in ops:
            if op == "keep":
                bld.keep(a, b)
            elif op == "replace":
                bld.replace(a, b, new, flag)
            else:
                bld.insert(a, new, flag)
        out = bld.build()
        assert (out.text, list(out.offsets), list(out.flags)) == reference(src, ops), ops
