"""Batch progress and summary for the terminal (rich).

The live bar (documents/s, pages/s, OCR pages, ETA) is shown only when stderr is a
terminal; logs and CI get the plain summary table at the end.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Optional

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, ProgressColumn, \
    TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from .batch import Progress, Summary

if TYPE_CHECKING:
    from .executors import Result


class _Rates(ProgressColumn):
    def __init__(self, bar: "LiveProgress"):
        super().__init__()
        self.bar = bar

    def render(self, task) -> Text:
        el = max(1e-6, time.perf_counter() - self.bar.t0)
        failed = f" failed {self.bar.failed}" if self.bar.failed else ""
        return Text(f"{self.bar.docs / el:.1f} docs/s {self.bar.pages / el:.1f} pages/s OCR {self.bar.ocr}{failed}",
                    style="cyan")


class LiveProgress:
    """A rich progress bar fed by `batch.run` through a `batch.Progress`."""

    def __init__(self, console: Console):
        self.console = console
        self.docs = self.pages = self.ocr = self.failed = 0
        self.t0 = time.perf_counter()
        self.rich = RichProgress(TextColumn("[bold]remiss"), BarColumn(bar_width=20), MofNCompleteColumn(), _Rates(self),
                                 TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=True)
        self.task: Optional[int] = None

    def hooks(self) -> Progress:
        return Progress(start=self._start, advance=self._advance)

    def _start(self, to_process: int, cached: int) -> None:
        self.t0 = time.perf_counter()
        if to_process:
            self.rich.start()
            self.task = self.rich.add_task("documents", total=to_process)

    def _advance(self, res: "Result") -> None:
        self.docs += 1
        self.pages += res.pages
        self.ocr += res.ocr_pages
        self.failed += int(res.failed)
        if self.task is not None:
            self.rich.advance(self.task)

    def stop(self) -> None:
        if self.task is not None:
            self.rich.stop()


def summary_table(summary: Summary, out_dir) -> Table:
    t = Table(title=f"remiss run -> {out_dir}", show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column(justify="right")
    el = max(summary.seconds, 1e-6)
    rows = [
        ("documents", summary.documents),
        ("  processed now", summary.processed),
        ("  from cache", summary.cached),
        ("  duplicate paths", summary.duplicates),
        ("  failed", summary.failed),
        ("pages (OCR)", f"{summary.pages} ({summary.ocr_pages})"),
        ("time", f"{summary.seconds:.1f} s"),
        ("throughput", f"{summary.processed / el:.2f} docs/s, {summary.processed_pages / el:.1f} pages/s"),
        ("workers started", summary.workers_started),
        ("peak RSS per worker", f"{summary.peak_rss_mb:.0f} MB" if summary.peak_rss_mb else "-"),
        ("outputs", "written" if summary.exported else "unchanged"),
    ]
    for k, v in rows:
        t.add_row(k, str(v))
    return t


def errors_table(summary: Summary) -> Table:
    t = Table(title="errors", title_justify="left")
    t.add_column("document")
    t.add_column("stage")
    t.add_column("reason")
    for e in summary.error_rows:
        t.add_row(e.path, e.stage, e.message)
    return t
