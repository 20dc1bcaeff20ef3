"""Stage 8, batch: many paths -> records -> outputs; parallel, incremental, resumable.

`discover()` expands the paths given on the command line into document files
(directories recursively, skipping gold annotations, hidden files, unknown kinds and
symlinked directories, so a symlink loop cannot trap the walk).

`run()`:
1. finds every file's sha256 (read from the state database when the file's size,
   mtime, ctime and inode are those recorded when it was last hashed; see
   `pipeline.cache`); byte-identical files are processed once and the other paths are
   kept in the record's `source.aliases`;
2. looks each document up in the cache (`pipeline.cache`: sha256 + pipeline, code,
   model and Tesseract versions + options); `force` redoes everything, `retry_errors`
   redoes documents that failed last time;
3. sends the rest to an executor (`pipeline.executors`: local worker processes or
   Dask) and commits each result to the state database as it arrives; processing
   keeps no records in memory, and a `kill -9` loses only the documents in flight;
4. writes the outputs (records.jsonl, parquet/, csv/, remiss.sqlite via
   `pipeline.store`, each atomically) from the state database, skipping the export
   when neither the inputs nor any record changed since the last one and every output
   file is there. Records are re-read from the database for each output, but
   `store.write_all` still builds each table in memory before writing it.

A warm run of an unchanged corpus stats the files, reads the summary columns of the
cache and stops: it reads no document, parses no record and imports neither the
workers' stages nor pandas (the imports below are deferred to where they are needed).

A path that does not exist becomes an error record, like a document that cannot be read.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional

from .cache import Brief, State, cache_key, fingerprint
from .formats import DOCUMENT_SUFFIXES

if TYPE_CHECKING:   # imported where needed: a warm run needs none of them
    from .executors import Result, Task
    from .options import Options
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
    rehash: bool = False                   # hash every file, not trusting an unchanged stat


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

    def add(self, path: str, brief: Brief) -> None:
        self.documents += 1
        self.pages += brief.pages
        self.ocr_pages += brief.ocr_pages
        if brief.errors:
            self.failed += 1
            for stage, message in brief.errors:
                self.errors.append(message)
                self.error_rows.append(ErrorRow(path, stage, message))


def brief_of_record(rec: "Record") -> Brief:
    return Brief(bool(rec.errors), rec.source.pages, len(rec.source.ocr_pages),
                 [(e.stage, e.message) for e in rec.errors])


@dataclass
class Progress:
    """What a progress display is told: planned totals first, then each finished result."""
    start: Callable[[int, int], None] = lambda to_process, cached: None
    advance: Callable[["Result"], None] = lambda result: None


def discover(paths: Iterable[Path | str]) -> tuple[list[Path], list[Path]]:
    """(document files, missing paths). Files named explicitly are kept whatever their
    suffix, so a wrongly named file gets a clear error rather than silence."""
    found: list[Path] = []
    missing: list[Path] = []
    seen: set[str] = set()
    for p in map(Path, paths):
        if p.is_dir():
            candidates = list(_walk(str(p), os.path.realpath(p)))
        elif p.exists() or p.is_symlink():
            candidates = [(str(p), "")]   # files, and broken or looping symlinks (reported when read)
        else:
            missing.append(p)
            continue
        for f, key in candidates:
            key = key or _identity(f)
            if key not in seen:
                seen.add(key)
                found.append(Path(f))
    return found, missing


def _walk(top: str, real_top: str) -> Iterator[tuple[str, str]]:
    """(path, resolved path) of every document file under `top` in sorted order, a
    directory's own files before its subdirectories (as os.walk). Symlinked
    directories are not entered. The resolved path of a file that is not a symlink is
    its name under the directory's resolved path, which saves resolving every file
    (a system call per path component); for a symlink it is "" (resolved by the caller)."""
    try:
        with os.scandir(top) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    subdirs = []
    for e in entries:
        if e.name.startswith("."):
            continue
        try:
            is_dir = e.is_dir()   # follows a symlink, like os.walk: a linked directory is not a file
        except OSError:
            is_dir = False
        if is_dir:
            if e.name not in SKIP_DIRS and not e.is_symlink():
                subdirs.append(e.name)
        elif os.path.splitext(e.name)[1].lower() in DOCUMENT_SUFFIXES and not e.name.endswith(".clean.txt"):
            yield e.path, "" if e.is_symlink() else os.path.join(real_top, e.name)
    for name in subdirs:
        yield from _walk(os.path.join(top, name), os.path.join(real_top, name))


def _identity(f: str) -> str:
    """The resolved path of a file (its absolute path if it cannot be resolved)."""
    try:
        return str(Path(f).resolve(strict=True))
    except (OSError, RuntimeError):  # broken link or symlink loop
        return os.path.abspath(f)


def make_executor(config: BatchConfig, options: "Options"):
    from .executors import DaskExecutor, LocalExecutor
    if config.executor == "dask":
        if not config.scheduler:
            raise ValueError("--executor dask needs --scheduler tcp://HOST:PORT")
        return DaskExecutor(config.scheduler, timeout=config.timeout, options=options)
    if config.executor != "local":
        raise ValueError(f"unknown executor {config.executor!r} (local or dask)")
    return LocalExecutor(config.workers, max_tasks=config.max_tasks_per_worker, timeout=config.timeout,
                         max_memory_mb=config.max_memory_mb, options=options)


def run(paths: Iterable[Path | str], out_dir: Path | str, options: Optional["Options"] = None,
        config: BatchConfig = BatchConfig(), progress: Optional[Progress] = None,
        on_traceback: Optional[Callable[[str, str], None]] = None) -> Summary:
    """Process documents into `out_dir`. Returns the summary; the records are in the outputs."""
    t0 = time.perf_counter()
    if options is None:
        from .options import Options
        options = Options()
    out_dir = Path(out_dir)
    progress = progress or Progress()
    files, missing = discover(paths)
    summary = Summary()
    fp = fingerprint(options)
    state = State(out_dir)
    try:
        # 1. identity of every file; byte-identical files collapse onto the first path
        order: list[tuple[Optional[str], str]] = []      # (cache key or None, path) in output order
        by_key: dict[str, list[str]] = {}
        sha_of: dict[str, str] = {}
        for f, digest in zip(files, state.digests(files, rehash=config.force or config.rehash)):
            key = cache_key(digest, fp) if digest else None
            if key in by_key:
                by_key[key].append(str(f))
                summary.duplicates += 1
                continue
            if key:
                by_key[key], sha_of[key] = [str(f)], digest
            order.append((key, str(f)))

        # 2. cache
        briefs = {} if config.force else state.briefs(list(by_key))
        if config.retry_errors:
            briefs = {k: b for k, b in briefs.items() if not b.failed}
        todo = [k for k in by_key if k not in briefs]
        summary.cached = len(by_key) - len(todo)
        progress.start(len(todo), summary.cached)

        # 3. process, committing each document as it finishes; files that cannot even
        # be hashed fail at once in ingest (no worker needed)
        uncached: dict[str, str | bytes] = {}
        for key, path in order:
            if key is None:
                uncached[path] = _record_here(path, options, briefs)
        if todo:
            _process(todo, by_key, sha_of, fp, options, config, state, summary, briefs, uncached,
                     progress, on_traceback)

        # 4. outputs, from the state database
        for key, path in order:
            summary.add(by_key[key][0] if key else path, briefs[key or path])
        for m in missing:
            rec = _missing_record(m)
            briefs[str(m)] = brief_of_record(rec)
            summary.add(rec.source.path, briefs[str(m)])
        _export(state, out_dir, order, by_key, uncached, missing, fresh=bool(todo), summary=summary)
    finally:
        state.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _record_here(path: str, options: "Options", briefs: dict[str, Brief]) -> str:
    """The (error) record of a file that cannot be read, made in this process."""
    from .process import process_path
    rec = process_path(path, options)
    briefs[path] = brief_of_record(rec)
    return rec.to_json()


def _missing_record(path: Path) -> "Record":
    from .process import error_record
    return error_record(path, "ingest", f"{path}: no such file or directory")


def _process(todo, by_key, sha_of, fp, options, config, state, summary, briefs, uncached, progress,
             on_traceback) -> None:
    """Run the documents of `todo` on the executor; commit each result as it arrives."""
    from .executors import Task
    tasks = [Task(path=by_key[k][0], sha256=sha_of[k], key=k, options=options,
                  stat=state.signatures.get(by_key[k][0])) for k in todo]
    executor = make_executor(config, options)
    for res in executor.map_unordered(_sized(tasks)):
        brief = Brief(res.failed, res.pages, res.ocr_pages, [tuple(e) for e in res.errors])
        if res.key:
            state.put(res.key, res.sha256 or "", fp, res.record_json, res.seconds, brief)
            briefs[res.key] = brief
        else:
            uncached[res.path] = res.record_json
            briefs[res.path] = brief
        summary.processed += 1
        summary.processed_pages += res.pages
        summary.processed_ocr_pages += res.ocr_pages
        summary.peak_rss_mb = max(summary.peak_rss_mb, res.peak_rss_mb)
        if res.traceback and on_traceback:
            on_traceback(res.path, res.traceback)
        progress.advance(res)
    summary.workers_started = executor.started_workers
    summary.peak_rss_mb = max([summary.peak_rss_mb] + executor.warmup_rss_mb)


def _export(state: State, out_dir: Path, order, by_key, uncached, missing, fresh: bool, summary: Summary) -> None:
    """Write the outputs unless the last export had the same records and paths and all
    its files are still there. The signature is cleared first, so an export cut short
    by a crash is never taken for a finished one."""
    from . import store
    # the set of (record, paths) in the outputs; the same set given in another order
    # (a directory instead of a file list) needs no new export
    signature = hashlib.sha256(json.dumps(sorted(
        [[k or "", p, by_key.get(k or "", [])] for k, p in order] + [["", str(m), []] for m in missing]
    )).encode()).hexdigest()
    if not summary.documents:
        return
    if not fresh and state.meta("export_signature") == signature and store.outputs_exist(out_dir):
        return
    state.set_meta("export_signature", "")
    store.write_all(_RecordList(state, order, by_key, uncached, missing), out_dir)
    state.set_meta("export_signature", signature)
    summary.exported = True


def _sized(tasks: list[Task]) -> Iterator[Task]:
    """Largest files first, so a long document does not start last and hold up the end."""
    def size(t: Task) -> int:
        try:
            return os.stat(t.path).st_size
        except OSError:
            return 0
    yield from sorted(tasks, key=size, reverse=True)


def _records(state: State, order, by_key, uncached, missing) -> Iterator["Record"]:
    """The batch's records in input order, read back from the state database, with the
    paths of this run (a cached record may have been made under another name)."""
    from .process import error_record
    from .record import Record
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
        yield _missing_record(p)


class _RecordList:
    """Re-iterable view of the batch's records for `store.write_all` (which walks them
    more than once); records are parsed from the state database on each pass."""

    def __init__(self, *args):
        self.args = args

    def __iter__(self) -> Iterator["Record"]:
        return _records(*self.args)

    def __len__(self) -> int:
        order, missing = self.args[1], self.args[4]
        return len(order) + len(missing)
