"""Batch state: a content-hash cache and per-document journal in one SQLite file.

The state lives in `OUT/.remiss-state.sqlite`. Each finished document is committed in
its own transaction (WAL mode), so `kill -9` at any moment loses at most the documents
that were still being processed, never a half-written one; the next run finds the rest
in the cache and processes only what is missing.

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
import subprocess
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Optional

from . import __version__

STATE_NAME = ".remiss-state.sqlite"
PACKAGE_DIR = Path(__file__).resolve().parent
MODELS_DIR = PACKAGE_DIR.parent / "models"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,          -- sha256 of (document sha256, fingerprint)
    sha256 TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    failed INTEGER NOT NULL,       -- 1 if the record has errors
    record TEXT NOT NULL,          -- Record JSON
    seconds REAL,
    created REAL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
"""


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


@dataclass
class Entry:
    key: str
    sha256: str
    failed: bool
    record: str      # JSON
    seconds: float


class State:
    """The cache/journal database. One writer (the batch's main process)."""

    def __init__(self, out_dir: Path):
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / STATE_NAME
        self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")  # durable per commit in WAL on process crash
        self.conn.executescript(_SCHEMA)

    def get(self, key: str) -> Optional[Entry]:
        row = self.conn.execute("SELECT key, sha256, failed, record, seconds FROM cache WHERE key = ?",
                                (key,)).fetchone()
        return Entry(row[0], row[1], bool(row[2]), row[3], row[4] or 0.0) if row else None

    def get_many(self, keys: list[str]) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT key, sha256, failed, record, seconds FROM cache WHERE key IN ({','.join('?' * len(chunk))})"
            for row in self.conn.execute(q, chunk):
                found[row[0]] = Entry(row[0], row[1], bool(row[2]), row[3], row[4] or 0.0)
        return found

    def put(self, key: str, sha256: str, fp: str, failed: bool, record_json: str, seconds: float) -> None:
        """Commit one document (its own transaction)."""
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("INSERT OR REPLACE INTO cache VALUES (?, ?, ?, ?, ?, ?, ?)",
                              (key, sha256, fp, int(failed), record_json, seconds, time.time()))

    def records(self, keys: Iterable[str]) -> Iterator[str]:
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
