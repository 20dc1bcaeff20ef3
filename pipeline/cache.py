"""Batch state: a content-hash cache and per-document journal in one SQLite file.

The state lives in `OUT/.remiss-state.sqlite`. Each finished document is committed in
its own transaction (WAL mode), so `kill -9` at any moment loses at most the documents
that were still being processed, never a half-written one; the next run finds the rest
in the cache and processes only what is missing. Beside each record the cache keeps the
few numbers the run summary needs (pages, OCR pages, errors), so a warm run reports
without parsing any record.

The sha256 of a file is the cache key, but a warm run does not read every file again:
the `files` table maps a path to the sha256 found last time together with the file's
stat signature (device, inode, size, mtime and ctime in nanoseconds). When the
signature is unchanged the file's bytes are taken to be unchanged. ctime is set by the
kernel on every write, rename or chmod and cannot be set back by a program (unlike
mtime, `touch -d`), so an edit that keeps the size and forges the mtime is still seen.
A file changed within `RACY_SECONDS` of being hashed is not remembered (the next run
hashes it again), since a second write in the same clock tick could leave the
signature as it was. What stays trusted: a file system that does not update ctime
(some FUSE or network mounts) or a system clock set back; `remiss run --rehash` hashes
every file again.

A cache key is the document's sha256 plus a *fingerprint* of everything that decides
its record: the pipeline version, a digest of the pipeline's source files, the model
files under models/ (spaCy pipeline, lexicons, name lists, taxonomies), the Tesseract
version and the run options. Change any of them and every document is redone.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Optional

from . import __version__

STATE_NAME = ".remiss-state.sqlite"
RACY_SECONDS = 2.0   # files changed this recently before hashing are hashed again next time
PACKAGE_DIR = Path(__file__).resolve().parent
MODELS_DIR = PACKAGE_DIR.parent / "models"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,          -- sha256 of (document sha256, fingerprint)
    sha256 TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    failed INTEGER NOT NULL,       -- 1 if the record has errors
    pages INTEGER,                 -- source.pages          } what the run summary needs, so a
    ocr_pages INTEGER,             -- len(source.ocr_pages) } warm run parses no record (before
    errors TEXT,                   -- JSON [[stage, message]] } `record`: read without its overflow pages)
    seconds REAL,
    created REAL,
    record TEXT NOT NULL           -- Record JSON (UTF-8 bytes as the worker sent them, or text)
);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,         -- absolute path as given (symlinks not resolved)
    stat TEXT NOT NULL,            -- "dev:inode:size:mtime_ns:ctime_ns" when hashed
    sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
"""
# columns added after the first release; older state databases get them (NULL: read from the record)
_ADDED_COLUMNS = {"pages": "INTEGER", "ocr_pages": "INTEGER", "errors": "TEXT"}


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _tree_digest(root: Path, patterns: Iterable[str]) -> str:
    h = hashlib.sha256()
    if root.exists():
        files = sorted({p for pat in patterns for p in root.rglob(pat) if p.is_file()})
        for p in files:
            if "__pycache__" in p.parts:
                continue
            h.update(str(p.relative_to(root)).encode())
            h.update(file_sha256(p).encode())
    return h.hexdigest()


@lru_cache(maxsize=1)
def _tesseract_version() -> str:
    try:
        out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).splitlines()[0].strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        return "none"


@lru_cache(maxsize=1)
def component_versions() -> dict[str, str]:
    """Everything besides the options that decides a record (cached per process).
    REMISS_PIPELINE_FINGERPRINT, when set, replaces it: a deployment (or a benchmark
    running beside edits to the source tree) can pin its own version string."""
    pinned = os.environ.get("REMISS_PIPELINE_FINGERPRINT")
    if pinned:
        return {"pinned": pinned}
    return {
        "pipeline": __version__,
        "code": _tree_digest(PACKAGE_DIR, ["*.py", "*.json", "*.yaml", "*.yml", "*.tsv", "*.txt"]),
        "models": _tree_digest(MODELS_DIR, ["*"]),
        "tesseract": _tesseract_version(),
    }


def fingerprint(options) -> str:
    """Digest of component versions and the options that change records (not `verbose`)."""
    opts = {k: v for k, v in asdict(options).items() if k != "verbose"}
    blob = json.dumps({"versions": component_versions(), "options": opts}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def cache_key(sha256: str, fp: str) -> str:
    return hashlib.sha256(f"{sha256}:{fp}".encode()).hexdigest()


def stat_signature(st: os.stat_result) -> str:
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


@dataclass
class Brief:
    """What the run summary needs of a cached record."""
    failed: bool
    pages: int
    ocr_pages: int
    errors: list[tuple[str, str]]    # (stage, message)


def brief_of(record_json: str | bytes) -> Brief:
    """The Brief of a record's JSON (for rows written before the columns existed)."""
    rec = json.loads(record_json)
    src = rec.get("source") or {}
    errors = [(e.get("stage", ""), e.get("message", "")) for e in rec.get("errors") or []]
    return Brief(bool(errors), src.get("pages") or 0, len(src.get("ocr_pages") or []), errors)


class State:
    """The cache/journal database. One writer (the batch's main process)."""

    def __init__(self, out_dir: Path):
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / STATE_NAME
        # path -> stat signature of each file whose sha256 `digests` found trustworthy:
        # a worker handed the hash takes it as the file's when the signature still holds
        self.signatures: dict[str, str] = {}
        self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")  # durable per commit in WAL on process crash
        self.conn.executescript(_SCHEMA)
        have = {row[1] for row in self.conn.execute("PRAGMA table_info(cache)")}
        for name, typ in _ADDED_COLUMNS.items():
            if name not in have:
                self.conn.execute(f"ALTER TABLE cache ADD COLUMN {name} {typ}")

    def _chunked(self, sql: str, keys: list[str]) -> Iterator[tuple]:
        """Rows of `sql` (with one IN list) for every key, 500 at a time."""
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            yield from self.conn.execute(sql.format(",".join("?" * len(chunk))), chunk)

    def briefs(self, keys: list[str]) -> dict[str, Brief]:
        """The cached documents among `keys`, with what the summary needs of each."""
        found: dict[str, Brief] = {}
        sql = "SELECT key, failed, pages, ocr_pages, errors FROM cache WHERE key IN ({})"
        for key, failed, pages, ocr, errors in self._chunked(sql, keys):
            if pages is None or errors is None:   # a row from before these columns
                found[key] = brief_of(next(self.records([key])))
            else:
                found[key] = Brief(bool(failed), pages, ocr or 0, [tuple(e) for e in json.loads(errors)])
        return found

    def put(self, key: str, sha256: str, fp: str, record_json: str | bytes, seconds: float, brief: Brief) -> None:
        """Commit one document (its own transaction)."""
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("INSERT OR REPLACE INTO cache (key, sha256, fingerprint, failed, record, seconds, "
                              "created, pages, ocr_pages, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              (key, sha256, fp, int(brief.failed), record_json, seconds, time.time(),
                               brief.pages, brief.ocr_pages, json.dumps(brief.errors, ensure_ascii=False)))

    def digests(self, paths: list[Path], rehash: bool = False) -> list[Optional[str]]:
        """sha256 of each file (None: not a readable regular file), read from the `files`
        table when the file's stat signature is the one recorded with it (see above)."""
        absolute = [os.path.abspath(p) for p in paths]
        known = {} if rehash else {p: (sig, sha) for p, sig, sha in
                                   self._chunked("SELECT path, stat, sha256 FROM files WHERE path IN ({})", absolute)}
        out: list[Optional[str]] = []
        learnt = []
        for path, absolute_path in zip(paths, absolute):
            try:
                st = os.stat(path)
            except OSError:
                out.append(None)   # broken link, loop, no permission: the worker reports it
                continue
            if not stat.S_ISREG(st.st_mode):
                out.append(None)
                continue
            sig = stat_signature(st)
            hit = known.get(absolute_path)
            if hit and hit[0] == sig:
                out.append(hit[1])
                self.signatures[str(path)] = sig
                continue
            now = time.time_ns()
            try:
                digest = file_sha256(path)
            except OSError:
                out.append(None)
                continue
            out.append(digest)
            if now - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_SECONDS * 1e9:
                learnt.append((absolute_path, sig, digest))
                self.signatures[str(path)] = sig
        if learnt:
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", learnt)
        return out

    def records(self, keys: Iterable[str]) -> Iterator[str | bytes]:
        for k in keys:
            row = self.conn.execute("SELECT record FROM cache WHERE key = ?", (k,)).fetchone()
            if row:
                yield row[0]

    def meta(self, name: str) -> Optional[str]:
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    def close(self) -> None:
        self.conn.close()
