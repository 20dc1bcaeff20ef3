"""Stage 8, batch: many paths -> records -> outputs; parallel, incremental, resumable.

`discover()` expands the paths given on the command line into document files
(directories recursively, skipping gold annotations, hidden files, unknown kinds and
symlinked directories, so a symlink loop cannot trap the walk).

`run()`:
1. hashes every file (sha256); byte-identical files are processed once and the other
   paths are kept in the record's `source.aliases`;
2. looks each document up in the cache (`pipeline.cache`: sha256 + pipeline, code,
   model and Tesseract versions + options); `force` redoes everything, `retry_errors`
   redoes documents that failed last time;
3. sends the rest to an executor (`pipeline.executors`: local worker processes or
   Dask) and commits each result to the state database as it arrives; processing
   keeps no records in memory, and a `kill -9` loses only the documents in flight;
4. writes the outputs (records.jsonl, parquet/, csv/, remiss.sqlite via
   `pipeline.store`, each atomically) from the state database, skipping the export
   when neither the inputs nor any record changed since the last one. Records are
   re-read from the database for each output, but `store.write_all` still builds
   each table in memory before writing it.

A path that does not exist becomes an error record, like a document that cannot be read.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from . import store
from .cache import State, cache_key, file_sha256, fingerprint
from .executors import DaskExecutor, LocalExecutor, Result, Task
from .ingest import DOCUMENT_SUFFIXES
from .process import Options, error_record, process_path
from .record import Record

# gold annotations and OCR test pairs are test data, not documents to process
SKIP_DIRS = {"gold", "ocr_pairs", "ocr_bench", ".git", "__pycache__", ".venv", "out", "build"}


@dataclass
class BatchConfig:
    workers: Optional[int] = None          # default os.cpu_count()
    executor: str = "local"                # local | dask
    scheduler: Optional[str] = None        # tcp://host:port for dask
    timeout: Optional[float] = 300.0       # seconds per document
    max_memory_mb: Optional[int] = 2048    # address-space cap per local worker
    max_tasks_per_worker: int = 200        # recycle workers after this many documents
    force: bool = False
    retry_errors: bool = False


@dataclass
class ErrorRow:
    path: str
    stage: str
    message: str


@dataclass
class Summary:
    documents: int = 0        # distinct documents in the outputs (incl. missing paths)
    failed: int = 0
    pages: int = 0
    ocr_pages: int = 0
    processed: int = 0        # run in this batch
    cached: int = 0           # taken from the cache
    duplicates: int = 0       # extra paths with identical bytes
    seconds: float = 0.0
    processed_pages: int = 0
    processed_ocr_pages: int = 0
    workers_started: int = 0
    peak_rss_mb: float = 0.0  # highest peak RSS of any worker
    exported: bool = False
    errors: list[str] = field(default_factory=list)          # one line each (kept for callers)
    error_rows: list[ErrorRow] = field(default_factory=list)

    def add_record(self, rec: Record) -> None:
        self.documents += 1
        self.pages += rec.source.pages
        self.ocr_pages += len(rec.source.ocr_pages)
        if rec.errors:
            self.failed += 1
            for e in rec.errors:
                self.errors.append(e.message)
                self.error_rows.append(ErrorRow(rec.source.path, e.stage, e.message))


@dataclass
class Progress:
    """What a progress display is told: planned totals first, then each finished result."""
    start: Callable[[int, int], None] = lambda to_process, cached: None
    advance: Callable[[Result], None] = lambda result: None


def discover(paths: Iterable[Path | str]) -> tuple[list[Path], list[Path]]:
    """(document files, missing paths). Files named explicitly are kept whatever their
    suffix, so a wrongly named file gets a clear error rather than silence."""
    found: list[Path] = []
    missing: list[Path] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        if p.is_dir():
            candidates = []
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                for name in sorted(files):
                    f = Path(root) / name
                    if not name.startswith(".") and f.suffix.lower() in DOCUMENT_SUFFIXES \
                            and not name.endswith(".clean.txt"):
                        candidates.append(f)
        elif p.exists() or p.is_symlink():
            candidates = [p]   # files, and broken or looping symlinks (reported when read)
        else:
            missing.append(p)
            continue
        for f in candidates:
            key = _identity(f)
            if key not in seen:
                seen.add(key)
                found.append(f)
    return found, missing


def _identity(f: Path) -> Path:
    try:
        return f.resolve(strict=True)
    except (OSError, RuntimeError):  # broken link or symlink loop
        return f.absolute()


def _hash(path: Path) -> Optional[str]:
    try:
        return file_sha256(path) if path.is_file() else None
    except OSError:
        return None  # unreadable: the worker turns it into an error record


def make_executor(config: BatchConfig, options: Options):
    if config.executor == "dask":
        if not config.scheduler:
            raise ValueError("--executor dask needs --scheduler tcp://HOST:PORT")
        return DaskExecutor(config.scheduler, timeout=config.timeout, options=options)
    if config.executor != "local":
        raise ValueError(f"unknown executor {config.executor!r} (local or dask)")
    return LocalExecutor(config.workers, max_tasks=config.max_tasks_per_worker, timeout=config.timeout,
                         max_memory_mb=config.max_memory_mb, options=options)


def run(paths: Iterable[Path | str], out_dir: Path | str, options: Options = Options(),
        config: BatchConfig = BatchConfig(), progress: Optional[Progress] = None,
        on_traceback: Optional[Callable[[str, str], None]] = None) -> Summary:
    """Process documents into `out_dir`. Returns the summary; the records are in the outputs."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    progress = progress or Progress()
    files, missing = discover(paths)
    summary = Summary()

    # 1. identity of every file; byte-identical files collapse onto the first path
    fp = fingerprint(options)
    order: list[tuple[Optional[str], str]] = []          # (cache key or None, path) in output order
    by_key: dict[str, list[str]] = {}
    sha_of: dict[str, str] = {}
    unreadable: list[str] = []
    for f in files:
        digest = _hash(f)
        if digest is None:
            unreadable.append(str(f))
            order.append((None, str(f)))
            continue
        key = cache_key(digest, fp)
        if key in by_key:
            by_key[key].append(str(f))
            summary.duplicates += 1
        else:
            by_key[key] = [str(f)]
            sha_of[key] = digest
            order.append((key, str(f)))

    state = State(out_dir)
    try:
        # 2. cache
        hits = {} if config.force else state.get_many(list(by_key))
        if config.retry_errors:
            hits = {k: e for k, e in hits.items() if not e.failed}
        tasks = [Task(path=paths_[0], sha256=sha_of[k], key=k, options=options)
                 for k, paths_ in by_key.items() if k not in hits]
        summary.cached = len(by_key) - sum(1 for t in tasks if t.key)
        progress.start(len(tasks), summary.cached)

        # 3. process, committing each document as it finishes
        # files that cannot even be hashed fail at once in ingest; no worker needed
        uncached: dict[str, str] = {p: process_path(p, options).to_json() for p in unreadable}
        if tasks:
            executor = make_executor(config, options)
            for res in executor.map_unordered(_sized(tasks)):
                if res.key:
                    state.put(res.key, res.sha256 or "", fp, res.failed, res.record_json, res.seconds)
                else:
                    uncached[res.path] = res.record_json
                summary.processed += 1
                summary.processed_pages += res.pages
                summary.processed_ocr_pages += res.ocr_pages
                summary.peak_rss_mb = max(summary.peak_rss_mb, res.peak_rss_mb)
                if res.traceback and on_traceback:
                    on_traceback(res.path, res.traceback)
                progress.advance(res)
            summary.workers_started = executor.started_workers
            summary.peak_rss_mb = max([summary.peak_rss_mb] + executor.warmup_rss_mb)

        # 4. outputs, from the state database
        # the set of (record, paths) in the outputs; the same set given in another order
        # (a directory instead of a file list) needs no new export
        signature = hashlib.sha256(json.dumps(sorted(
            [[k or "", p, by_key.get(k or "", [])] for k, p in order] + [["", str(m), []] for m in missing]
        )).encode()).hexdigest()
        up_to_date = (not tasks and state.meta("export_signature") == signature
                      and (out_dir / "records.jsonl").exists() and (out_dir / "remiss.sqlite").exists())
        for rec in _records(state, order, by_key, uncached, missing):
            summary.add_record(rec)
        if not up_to_date and summary.documents:
            store.write_all(_RecordList(state, order, by_key, uncached, missing), out_dir)
            state.set_meta("export_signature", signature)
            summary.exported = True
    finally:
        state.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _sized(tasks: list[Task]) -> Iterator[Task]:
    """Largest files first, so a long document does not start last and hold up the end."""
    def size(t: Task) -> int:
        try:
            return os.stat(t.path).st_size
        except OSError:
            return 0
    yield from sorted(tasks, key=size, reverse=True)


def _records(state: State, order, by_key, uncached, missing) -> Iterator[Record]:
    """The batch's records in input order, read back from the state database, with the
    paths of this run (a cached record may have been made under another name)."""
    for key, path in order:
        if key is None:
            raw = uncached.get(path)
            rec = Record.model_validate_json(raw) if raw else error_record(Path(path), "ingest", f"{path}: cannot read")
        else:
            raw = next(state.records([key]), None)
            if raw is None:   # cannot happen unless the state database was edited during the run
                rec = error_record(Path(path), "batch", f"{Path(path).name}: result lost")
            else:
                rec = Record.model_validate_json(raw)
            names = by_key[key]
            rec.source.path = names[0]
            rec.source.aliases = names[1:]
        yield rec
    for p in missing:
        yield error_record(p, "ingest", f"{p}: no such file or directory")


class _RecordList:
    """Re-iterable view of the batch's records for `store.write_all` (which walks them
    more than once); records are parsed from the state database on each pass."""

    def __init__(self, *args):
        self.args = args

    def __iter__(self) -> Iterator[Record]:
        return _records(*self.args)

    def __len__(self) -> int:
        order, missing = self.args[1], self.args[4]
        return len(order) + len(missing)
