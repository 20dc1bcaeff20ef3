"""Stage 8, batch: many paths -> records -> outputs, one bad document never stops the rest.

`discover()` expands the paths given on the command line into document files
(directories recursively, skipping gold annotations, hidden files and unknown kinds);
`run()` processes them and writes every output. A path that does not exist becomes an
error record, like a document that cannot be read.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from .ingest import DOCUMENT_SUFFIXES
from .process import Options, error_record, process_path
from .record import Record
from . import store

SKIP_DIRS = {"gold", ".git", "__pycache__", ".venv", "out"}


@dataclass
class Summary:
    documents: int = 0
    failed: int = 0
    pages: int = 0
    ocr_pages: int = 0
    errors: list[str] = field(default_factory=list)


def discover(paths: Iterable[Path | str]) -> tuple[list[Path], list[Path]]:
    """(document files, missing paths). Files named explicitly are kept whatever their
    suffix, so a wrongly named file gets a clear error rather than silence."""
    found: list[Path] = []
    missing: list[Path] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        if p.is_file():
            candidates = [p]
        elif p.is_dir():
            candidates = []
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                for name in sorted(files):
                    f = Path(root) / name
                    if not name.startswith(".") and f.suffix.lower() in DOCUMENT_SUFFIXES \
                            and not name.endswith(".clean.txt"):
                        candidates.append(f)
        else:
            missing.append(p)
            continue
        for f in candidates:
            key = f.resolve() if not f.is_symlink() else f.absolute()
            if key not in seen:
                seen.add(key)
                found.append(f)
    return found, missing


def run(paths: Iterable[Path | str], out_dir: Path | str, options: Options = Options(),
        progress: Optional[Callable[[Record], None]] = None) -> tuple[list[Record], Summary]:
    files, missing = discover(paths)
    records: list[Record] = [error_record(p, "ingest", f"{p}: no such file or directory") for p in missing]
    for f in files:
        rec = process_path(f, options)
        records.append(rec)
        if progress:
            progress(rec)
    summary = Summary()
    for rec in records:
        summary.documents += 1
        summary.pages += rec.source.pages
        summary.ocr_pages += len(rec.source.ocr_pages)
        if rec.errors:
            summary.failed += 1
            summary.errors.extend(e.message for e in rec.errors)
    if records:
        store.write_all(records, Path(out_dir))
    return records, summary
