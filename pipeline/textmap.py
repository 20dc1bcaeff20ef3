"""Text that remembers where every character came from.

Every stage after ingestion (layout clean-up, repair) rewrites text. A `MappedText`
carries, for each character, its offset in the document's raw text and a flag byte
(`REPAIRED` when a repair fixer produced it), so that spans found by the extractors can
be traced back to the page and offset of the source.

Rewrites go through `sub()` (regex substitution) or `TextBuilder`; both keep the map.
"""
from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from typing import Callable, Iterable, Union

REPAIRED = 1


@dataclass
class MappedText:
    text: str
    offsets: array  # len(text) + 1 source offsets; the last one is the end offset
    flags: bytearray  # len(text) flag bytes

    @classmethod
    def identity(cls, text: str, base: int = 0) -> "MappedText":
        return cls(text, array("q", range(base, base + len(text) + 1)), bytearray(len(text)))

    def __len__(self) -> int:
        return len(self.text)

    def __str__(self) -> str:
        return self.text

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets of the cleaned span [start, end)."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], max(self.offsets[end - 1] + 1, self.offsets[start])

    def any_flag(self, start: int, end: int, flag: int = REPAIRED) -> bool:
        return any(b & flag for b in self.flags[start:end])

    def slice(self, start: int, end: int) -> "MappedText":
        return MappedText(self.text[start:end], self.offsets[start:end + 1], self.flags[start:end])

    def sub(self, pattern: Union[str, re.Pattern], repl: Union[str, Callable[[re.Match], str]],
            flag: int = 0, count: int = 0) -> "MappedText":
        """Like `re.sub`, keeping the map. Replaced characters map to their match: one to
        one when the lengths agree; otherwise a common prefix and suffix map one to one and
        the rest is spread evenly over the rest of the match. `flag` is OR-ed
        into the flags of every replacement character that differs from the original."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        # a replacement string without a backslash is its own expansion (Match.expand
        # parses the template on every call)
        literal = None if callable(repl) or "\\" in repl else repl
        b = TextBuilder(self)
        pos = 0
        n = 0
        for m in rx.finditer(self.text):
            new = literal if literal is not None else repl(m) if callable(repl) else m.expand(repl)
            if new == m.group(0):
                continue
            b.keep(pos, m.start())
            b.replace(m.start(), m.end(), new, flag)
            pos = m.end()
            n += 1
            if count and n >= count:
                break
        if n == 0:
            return self
        b.keep(pos, len(self.text))
        return b.build()


class TextBuilder:
    """Assembles a new MappedText from pieces of an old one.

    The new offsets and flags are kept as a list of pieces (views of the source's arrays
    where they are copied as they are) and joined once in build(): one copy of each kept
    range instead of a slice, an extend and the array's regrowth (a document's text goes
    through a builder a dozen times). A builder builds once."""

    def __init__(self, src: MappedText):
        self.src = src
        self.parts: list[str] = []
        self._offsets: list = []     # buffers of int64 offsets, in order
        self._flags: list = []       # buffers of flag bytes, in order
        self._src_offsets = memoryview(src.offsets)
        self._src_flags = memoryview(src.flags)

    def keep(self, start: int, end: int) -> None:
        if end <= start:
            return
        s = self.src
        self.parts.append(s.text[start:end])
        self._offsets.append(self._src_offsets[start:end])
        self._flags.append(self._src_flags[start:end])

    def replace(self, start: int, end: int, new: str, flag: int = 0) -> None:
        """Put `new` where [start, end) of the source was."""
        if not new:
            return
        s = self.src
        old = s.text[start:end]
        self.parts.append(new)
        if len(new) == end - start:
            self._offsets.append(self._src_offsets[start:end])
            flags = s.flags[start:end]
            if flag:    # OR-ed into the characters that differ
                for i, (a, b) in enumerate(zip(new, old)):
                    if a != b:
                        flags[i] |= flag
            self._flags.append(flags)
        else:
            # a common prefix and suffix map one to one ("X-\nY" -> "X-Y" moves no letter);
            # the rest is spread evenly over the old rest, first to first, last to last
            n_old, n_new = end - start, len(new)
            p = q = 0
            while p < min(n_old, n_new) and new[p] == old[p]:
                p += 1
            while q < min(n_old, n_new) - p and new[-1 - q] == old[-1 - q]:
                q += 1
            m_old, m_new = n_old - p - q, n_new - p - q
            mid = array("q", (s.offsets[start + p + (round(k * (m_old - 1) / (m_new - 1)) if m_new > 1 and m_old > 0 else 0)]
                              for k in range(m_new)))
            self._offsets += (self._src_offsets[start:start + p], mid, self._src_offsets[end - q:end])
            self._flags.append(bytes([flag | (s.flags[start] if start < len(s.flags) else 0)]) * n_new)

    def insert(self, at: int, new: str, flag: int = 0) -> None:
        self.parts.append(new)
        self._offsets.append(array("q", [self.src.offsets[at]]) * len(new))
        self._flags.append(bytes([flag]) * len(new))

    def build(self) -> MappedText:
        text = "".join(self.parts)
        offs = array("q")
        offs.frombytes(b"".join(self._offsets))
        offs.append(offs[-1] + 1 if offs else self.src.offsets[-1])
        flags = bytearray().join(self._flags)
        # the views of the source are let go (an array cannot be resized while viewed)
        self._offsets = self._flags = self._src_offsets = self._src_flags = None
        return MappedText(text, offs, flags)


def concat(pieces: Iterable[MappedText], sep: str = "\n") -> MappedText:
    """Join texts (e.g. pages); separators map to the start of the following piece."""
    parts: list[str] = []
    offs = array("q")
    flags = bytearray()
    last = None
    for i, p in enumerate(pieces):
        if i and sep:
            parts.append(sep)
            offs.extend([p.offsets[0]] * len(sep))
            flags.extend(bytes(len(sep)))
        parts.append(p.text)
        offs.extend(p.offsets[:-1])
        flags.extend(p.flags)
        last = p.offsets[-1]
    offs.append(last if last is not None else 0)
    return MappedText("".join(parts), offs, flags)
