"""Where documents are processed: a local pool of worker processes, or a Dask cluster.

Both run the same per-document function, `process_one(Task) -> Result`, so records are
identical whichever executor made them.

Local pool (`LocalExecutor`): N worker processes, each loading spaCy, lexicons and
models once (`warm_up`; a worker forked from the warm fork server skips it). Each worker
has up to two documents in flight, sent in order: it starts the next one the moment it
sends a result, without waiting for the parent to store that result and answer, and
the parent still knows which document a worker is on (the oldest it has not answered).
Near the end of a batch a worker gets one document at a time, so the last ones spread
over every worker. The guards stay exact:
- timeout: an alarm inside the worker turns an overrun into an error record naming the
  stage; a worker stuck in C code past the grace period is killed and replaced;
- memory: RLIMIT_AS caps each worker's address space, so a runaway allocation raises
  MemoryError (an error record) or, at worst, kills only that worker;
- leaks: a worker exits after `max_tasks` documents and a fresh one takes its place;
- a worker that dies or is killed fails only the document it was on; the one queued
  behind it goes back to the others.

Dask (`DaskExecutor`): tasks are submitted to a `distributed` scheduler with a bounded
number in flight (memory stays flat), workers warm up through a worker plugin, and a
client-side deadline plus Dask's own memory limits stand in for the alarm and rlimit,
which cannot be set from a Dask worker's task threads.
"""
from __future__ import annotations

import gc
import io
import multiprocessing
import os
import pickle
import resource
import selectors
import signal
import threading
import time
import traceback
from collections import deque
from contextlib import redirect_stderr
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from .formats import format_by_name

if TYPE_CHECKING:
    from .options import Options

# one thread per worker for Tesseract/BLAS: parallelism comes from the workers
THREAD_ENV = {"OMP_THREAD_LIMIT": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
KILL_GRACE = 15.0  # seconds past the soft timeout before a worker is killed


def _default_options() -> "Options":
    from .options import Options
    return Options()


@dataclass
class Task:
    path: str
    sha256: Optional[str]
    key: Optional[str]
    options: "Options" = field(default_factory=_default_options)
    timeout: Optional[float] = None
    stat: Optional[str] = None   # the file's stat signature when sha256 was taken (ingest reuses the hash)


@dataclass
class Result:
    path: str
    sha256: Optional[str]
    key: Optional[str]
    record_json: bytes   # the record as UTF-8 JSON: stored as it comes, never decoded by the parent
    failed: bool
    seconds: float
    pages: int = 0
    ocr_pages: int = 0
    peak_rss_mb: float = 0.0
    worker: str = ""
    traceback: str = ""
    errors: list = field(default_factory=list)   # [(stage, message)] of the record, for the summary


class DocumentTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise DocumentTimeout()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


WARM_UP_TEXT = """Stadsdelsförvaltning
Tjänsteutlåtande
Dnr 1.2.3-456/2020
Sida 1 (1)
2020-05-04

Handläggare
Anna Exempel
Telefon: 08-508 00 000

Till
Stadsdelsnämnden

Yttrande över remiss om trygghet

Förvaltningens förslag till beslut
1. Stadsdelsnämnden godkänner förvaltningens förslag till yttrande.

Sammanfattning
Förvaltningen ser positivt på samverkansöverenskommelsen mellan polisen och staden.

Bakgrund
Ärendet har remitterats till stadsdelsnämnden för yttrande senast den 1 juni 2020.
"""


_warmed: list = []   # the options this process has warmed up with


def warm_up(options: Optional["Options"] = None) -> None:
    """Load every lazily loaded stage once by processing a tiny in-memory document.
    Done once per process: a worker forked from the fork server (warmed with the
    default options, which load every stage) starts warm."""
    from . import ingest, process
    options = options or process.Options()
    if options in _warmed or process.Options() in _warmed:
        return
    _warmed.append(options)
    for mod in ("nlp", "lexicon", "pdf", "ocr", "repair", "match"):
        process._optional(mod)
    try:
        from . import nlp
        nlp.get_nlp()
    except Exception:
        pass
    pdf = process._optional("pdf")
    if pdf is not None and hasattr(pdf, "_stripped_wordfreq"):  # word list used by the text-layer check
        try:
            pdf._stripped_wordfreq()
        except Exception:
            pass
    # the same document as text and as a born-digital PDF: pdfium's per-process set-up
    # (fonts, the first page load) and the patterns each path compiles on first use are
    # then paid here, not by each worker's first document (~30 ms)
    for name, data in (("warm-up.txt", lambda: WARM_UP_TEXT.encode("utf-8")), ("warm-up.pdf", _warm_up_pdf)):
        try:
            doc = ingest.read_bytes(Path(name), data())
            process.build_record(process.parse(doc, options), options)
        except Exception:
            pass  # a broken stage shows up as error records on real documents
    # word lists and tables that stages otherwise load on first use, in whichever document
    # first needs them (the warm-up document does not reach them all)
    from .extract import EXTRACTORS
    for name in ["repair", "match"] + [f"extract.{n}" for n in EXTRACTORS]:
        mod = process._optional(name)
        if mod is not None and hasattr(mod, "preload"):
            try:
                mod.preload()
            except Exception:
                pass


def _warm_up_pdf() -> bytes:
    """WARM_UP_TEXT as a one-page PDF with a text layer (Helvetica), made with pdfium."""
    import ctypes
    import io

    import pypdfium2 as pdfium
    import pypdfium2.raw as c
    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(595, 842)
    font = c.FPDFText_LoadStandardFont(pdf.raw, b"Helvetica")
    try:
        y = 800
        for line in WARM_UP_TEXT.splitlines():
            obj = c.FPDFPageObj_CreateTextObj(pdf.raw, font, 11.0)
            text = ctypes.create_string_buffer((line + "\0").encode("utf-16-le"))
            c.FPDFText_SetText(obj, ctypes.cast(text, ctypes.POINTER(c.FPDF_WCHAR)))
            c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 60, y)
            c.FPDFPage_InsertObject(page.raw, obj)   # the page owns it from here
            y -= 16
        c.FPDFPage_GenerateContent(page.raw)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
    finally:
        c.FPDFFont_Close(font)
        page.close()
        pdf.close()


def _friendly(rec, task: Task, limit_mb: Optional[int]):
    """Turn the generic messages of resource failures into one clear line."""
    name = Path(task.path).name
    for e in rec.errors:
        if "DocumentTimeout" in e.message:
            e.message = f"{name}: timed out after {task.timeout:g} s (stage {e.stage})"
        elif "MemoryError" in e.message:
            lim = f" ({limit_mb} MB)" if limit_mb else ""
            e.message = f"{name}: memory limit exceeded{lim} (stage {e.stage})"
    return rec


def process_one(task: Task, limit_mb: Optional[int] = None) -> Result:
    """One document -> Result. Never raises for a bad document."""
    from .process import error_record, process_path

    t0 = time.perf_counter()
    use_alarm = bool(task.timeout) and threading.current_thread() is threading.main_thread()
    buf = io.StringIO()
    rec = None
    failure = ""
    try:
        if use_alarm:
            signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, task.timeout)
        try:
            with redirect_stderr(buf) if task.options.verbose else _nullcontext():
                rec = process_path(task.path, task.options,
                                   known=(task.stat, task.sha256) if task.stat and task.sha256 else None)
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except DocumentTimeout:
        failure = "DocumentTimeout"
    except MemoryError:
        failure = "MemoryError"
    if rec is None:  # built outside the handler, once the failed stage's frames are freed
        gc.collect()
        rec = _error_record(task, "process", f"{Path(task.path).name}: {failure}")
    rec = _friendly(rec, task, limit_mb)
    return Result(path=task.path, sha256=task.sha256, key=task.key, record_json=rec.to_json_bytes(),
                  failed=bool(rec.errors), seconds=time.perf_counter() - t0, pages=rec.source.pages,
                  ocr_pages=len(rec.source.ocr_pages), peak_rss_mb=_peak_rss_mb(),
                  worker=f"{os.uname().nodename}:{os.getpid()}", traceback=buf.getvalue(),
                  errors=[(e.stage, e.message) for e in rec.errors])


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _error_record(task: Task, stage: str, message: str):
    """An error record; with the sha256 already known, without reading the file again
    (which may be what ran out of memory)."""
    from . import __version__
    from .process import error_record
    from .record import ErrorInfo, Record, Source
    if not task.sha256:
        return error_record(Path(task.path), stage, message)
    fmt = format_by_name(task.path)
    return Record(doc_id=task.sha256, source=Source(path=task.path, sha256=task.sha256, format=fmt, pages=0),
                  errors=[ErrorInfo(stage=stage, message=message)], pipeline_version=__version__)


def failure_result(task: Task, stage: str, message: str, seconds: float = 0.0, worker: str = "") -> Result:
    """An error Result made in the parent (worker killed, timed out, lost)."""
    rec = _error_record(task, stage, message)
    return Result(path=task.path, sha256=task.sha256, key=task.key, record_json=rec.to_json_bytes(), failed=True,
                  seconds=seconds, worker=worker, errors=[(e.stage, e.message) for e in rec.errors])


# ---------------------------------------------------------------- local pool

# What goes through a worker's pipe: tuples of plain values, which pickle in a fraction
# of the time of the dataclasses (the parent's share of the CPU is what two workers on
# two cores lose). A task is (path, sha256, key, timeout, stat), run with the pool's options; a
# task with other options travels whole. A result is the Result's fields in order.
_RESULT_FIELDS = tuple(Result.__dataclass_fields__)


def _pack_task(t: Task, options) -> object:
    return (t.path, t.sha256, t.key, t.timeout, t.stat) if t.options is None or t.options == options else t


def _unpack_task(message, options) -> Task:
    return message if isinstance(message, Task) else Task(*message[:3], options=options, timeout=message[3], stat=message[4])


def _put(conn, message) -> None:
    """Send with the C pickler: Connection.send builds a ForkingPickler (and copies its
    reducer table) per message, which these plain values do not need."""
    conn.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))


def _get(conn):
    return pickle.loads(conn.recv_bytes())


def _pack_result(r: Result) -> tuple:
    return tuple(getattr(r, f) for f in _RESULT_FIELDS)


def _worker_main(conn, options: "Options", limit_mb: Optional[int]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    os.environ.update(THREAD_ENV)
    if limit_mb:
        limit = limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    warm_up(options)
    if options is None:
        from .options import Options
        options = Options()
    _put(conn, ("ready", _peak_rss_mb()))
    while True:
        try:
            message = _get(conn)
        except EOFError:
            return
        if message is None:
            return
        task = _unpack_task(message, options)
        result = None
        try:
            result = process_one(task, limit_mb)
        except MemoryError:  # hit outside the per-stage handlers (e.g. while handling one)
            pass
        if result is None:
            gc.collect()
            lim = f" ({limit_mb} MB)" if limit_mb else ""
            result = failure_result(task, "process", f"{Path(task.path).name}: memory limit exceeded{lim}")
        _put(conn, ("result", _pack_result(result)))


@dataclass
class _Slot:
    proc: multiprocessing.Process
    conn: object
    ready: bool = False
    queue: deque = field(default_factory=deque)   # tasks sent and not answered; [0] is being processed
    started: float = 0.0                          # when queue[0] started, as far as the parent knows
    sent: int = 0
    closing: bool = False                         # told to exit once its queue is done

    @property
    def task(self) -> Optional[Task]:
        return self.queue[0] if self.queue else None


class LocalExecutor:
    """A pool of worker processes; `map_unordered` yields Results as documents finish."""

    depth = 2   # documents in flight per worker

    def __init__(self, workers: Optional[int] = None, max_tasks: int = 200, timeout: Optional[float] = 300,
                 max_memory_mb: Optional[int] = 2048, options: Optional["Options"] = None, preload: bool = True):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.max_tasks = max(1, max_tasks)
        self.timeout = timeout
        self.max_memory_mb = max_memory_mb
        self.options = options
        if os.name == "posix":
            self.ctx = multiprocessing.get_context("forkserver")
            if preload:  # no effect if this process's fork server is already running
                self.ctx.set_forkserver_preload(["pipeline._warm"])
        else:
            self.ctx = multiprocessing.get_context("spawn")
        self.started_workers = 0
        self.warmup_rss_mb: list[float] = []

    def _start(self) -> _Slot:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker_main, args=(child, self.options, self.max_memory_mb), daemon=True)
        proc.start()
        child.close()
        self.started_workers += 1
        return _Slot(proc, parent)

    @staticmethod
    def _stop(slot: _Slot, kill: bool = False) -> None:
        try:
            if kill:
                slot.proc.kill()
            else:
                _put(slot.conn, None)
        except (OSError, BrokenPipeError):
            pass
        slot.proc.join(timeout=5 if not kill else None)
        if slot.proc.is_alive():
            slot.proc.kill()
            slot.proc.join()
        slot.conn.close()

    def map_unordered(self, tasks: Iterable[Task]) -> Iterator[Result]:
        for k, v in THREAD_ENV.items():
            os.environ.setdefault(k, v)
        pending: deque[Task] = deque(tasks)
        if not pending:
            return
        slots: list[_Slot] = []

        def fill(slot: _Slot) -> None:
            """Top the worker up to `depth` documents; one at a time once fewer remain
            than there are workers (the tail spreads out); tell it to exit when it has
            had its `max_tasks` or nothing is left for it."""
            while pending and not slot.closing and len(slot.queue) < self.depth and slot.sent < self.max_tasks:
                if slot.queue and len(pending) < sum(1 for s in slots if not s.closing):
                    break
                t = pending.popleft()
                if t.timeout is None:
                    t.timeout = self.timeout
                if not slot.queue:
                    slot.started = time.monotonic()
                slot.queue.append(t)
                slot.sent += 1
                _send(slot, _pack_task(t, self.options))
            if not slot.closing and (slot.sent >= self.max_tasks or (not pending and not slot.queue)):
                slot.closing = True
                _send(slot, None)   # it exits after its queue; reaped when its sentinel fires
                # a recycled worker's successor starts now, while it finishes its last
                # documents, so that no core waits for a worker to start
                replace()

        def fill_all() -> None:
            for s in slots:
                if s.ready:
                    fill(s)

        # one selector for the whole run, told of each worker's pipe and process sentinel
        # as it starts and leaves (multiprocessing's wait() builds one per call, and the
        # parent's CPU is what two workers on two cores lose)
        selector = selectors.DefaultSelector()

        def start() -> None:
            slot = self._start()
            selector.register(slot.conn, selectors.EVENT_READ)
            selector.register(slot.proc.sentinel, selectors.EVENT_READ)
            slots.append(slot)

        def forget(slot: _Slot) -> None:
            """Stop watching a worker's pipe and sentinel, before either is closed."""
            for obj in (slot.conn, slot.proc.sentinel):
                try:
                    selector.unregister(obj)
                except (KeyError, ValueError):
                    pass
            slots.remove(slot)

        def replace() -> None:
            """Start a worker for one that is leaving, if there is work it could take."""
            if pending and sum(1 for s in slots if not s.closing) < self.workers:
                start()

        def failed(slot: _Slot, message: str) -> Result:
            """The document the worker was on fails; the ones queued behind it go back."""
            t = slot.queue.popleft()
            pending.extendleft(reversed(slot.queue))
            slot.queue.clear()
            return failure_result(t, "process", f"{Path(t.path).name}: {message}", time.monotonic() - slot.started,
                                  str(slot.proc.pid))

        start_failures = 0
        try:
            for _ in range(min(self.workers, len(pending))):
                start()
            # until every document has its result; idle workers left over are killed below
            while slots and (pending or any(s.queue for s in slots)):
                now = time.monotonic()
                deadlines = [s.started + s.task.timeout + KILL_GRACE for s in slots if s.task and s.task.timeout]
                wait_for = max(0.0, min(deadlines) - now) if deadlines else None
                ready = {key.fileobj for key, _ in selector.select(wait_for)}
                for slot in list(slots):
                    # results first, then death: a worker may send its last result and exit.
                    # One message per readiness (the selector reports the pipe again while
                    # more is waiting); a dead worker's last messages are all read now.
                    dead = slot.proc.sentinel in ready
                    if slot.conn in ready or dead:
                        first = slot.conn in ready
                        while first or (dead and _has_data(slot)):
                            first = False
                            try:
                                kind, payload = _get(slot.conn)
                            except (EOFError, OSError):
                                dead = True
                                break
                            if kind == "ready":
                                slot.ready, start_failures = True, 0
                                self.warmup_rss_mb.append(payload)
                                fill(slot)
                            else:
                                slot.queue.popleft()
                                slot.started = time.monotonic()
                                fill(slot)      # the worker's next document goes out before the parent's own work
                                yield Result(*payload)
                    if dead:
                        slot.proc.join(timeout=5)
                        if slot.proc.is_alive():   # closed its end of the pipe but lives on
                            slot.proc.kill()
                            slot.proc.join()
                        if slot.queue:
                            yield failed(slot, _death_reason(slot.proc.exitcode, self.max_memory_mb))
                        elif not slot.ready:
                            start_failures += 1
                            if start_failures > 3:
                                raise RuntimeError(f"worker processes fail to start (exit code "
                                                   f"{slot.proc.exitcode}); is --max-memory too low?")
                        forget(slot)
                        slot.conn.close()
                        replace()
                        fill_all()
                        continue
                    if slot.task and slot.task.timeout and time.monotonic() > slot.started + slot.task.timeout + KILL_GRACE:
                        yield failed(slot, f"timed out after {slot.task.timeout:g} s (worker killed)")
                        forget(slot)
                        self._stop(slot, kill=True)
                        replace()
                        fill_all()
        finally:
            selector.close()
            for slot in slots:
                self._stop(slot, kill=True)


def _send(slot: _Slot, message) -> None:
    try:
        _put(slot.conn, message)
    except (OSError, BrokenPipeError):
        pass   # the worker is gone: its sentinel reports it


def _has_data(slot: _Slot) -> bool:
    try:
        return slot.conn.poll()
    except (OSError, EOFError):
        return False


def _death_reason(code: Optional[int], limit_mb: Optional[int]) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if -code == signal.SIGKILL:
            return f"worker process was killed ({name}; out of memory?)"
        return f"worker process crashed ({name})"
    if limit_mb:
        return f"worker process exited unexpectedly (exit code {code}; out of memory? limit {limit_mb} MB)"
    return f"worker process exited unexpectedly (exit code {code})"


# ---------------------------------------------------------------- Dask

class DaskExecutor:
    """Runs `process_one` on a dask.distributed cluster (shared filesystem assumed:
    the workers open the documents by path)."""

    def __init__(self, scheduler: str, timeout: Optional[float] = 300, options: Optional["Options"] = None,
                 in_flight: Optional[int] = None):
        self.scheduler = scheduler
        self.timeout = timeout
        self.options = options
        self.in_flight = in_flight
        self.started_workers = 0
        self.warmup_rss_mb: list[float] = []

    def map_unordered(self, tasks: Iterable[Task]) -> Iterator[Result]:
        from distributed import Client, wait as dwait
        from distributed.diagnostics.plugin import WorkerPlugin

        options = self.options

        class WarmUp(WorkerPlugin):
            name = "remiss-warm-up"

            def setup(self, worker):
                os.environ.update(THREAD_ENV)
                warm_up(options)

        client = Client(self.scheduler, set_as_default=False)
        try:
            client.register_plugin(WarmUp(), name="remiss-warm-up")
            info = client.scheduler_info()
            workers = info.get("workers", {})
            self.started_workers = len(workers)
            threads = sum(w.get("nthreads", 1) for w in workers.values()) or 1
            limit = self.in_flight or 2 * threads
            pending = iter(tasks)
            running: dict = {}
            exhausted = False
            while True:
                while not exhausted and len(running) < limit:
                    t = next(pending, None)
                    if t is None:
                        exhausted = True
                        break
                    if t.timeout is None:
                        t.timeout = self.timeout
                    fut = client.submit(process_one, t, pure=False)
                    running[fut] = (t, time.monotonic())
                if not running:
                    break
                # no soft alarm in a Dask task thread, so no grace: the deadline is the timeout
                deadlines = [s + t.timeout for t, s in running.values() if t.timeout]
                wait_for = max(0.1, min(deadlines) - time.monotonic()) if deadlines else None
                try:
                    with client.as_current():
                        done, _ = dwait(list(running), timeout=wait_for, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done = set()
                for fut in done:
                    t, s = running.pop(fut)
                    try:
                        yield fut.result()
                    except Exception as e:  # KilledWorker, lost worker, ...
                        msg = f"{Path(t.path).name}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                        yield failure_result(t, "process", msg.rstrip(": "), time.monotonic() - s)
                now = time.monotonic()
                for fut, (t, s) in list(running.items()):
                    if t.timeout and now > s + t.timeout and not fut.done():
                        fut.cancel()
                        running.pop(fut)
                        yield failure_result(t, "process", f"{Path(t.path).name}: timed out after {t.timeout:g} s",
                                             now - s)
        finally:
            client.close()
