"""The `remiss` command line. Each subcommand is a thin shell around a stage module."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="remiss")
def main() -> None:
    """Turn Swedish municipal decision documents (tjänsteutlåtanden, remissvar,
    samverkansöverenskommelser) into structured, searchable records."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", default="out", show_default=True, type=click.Path(path_type=Path),
              help="Output directory: records.jsonl, remiss.sqlite, parquet/, csv/.")
@click.option("--taxonomy", default=None, help="Canonical area list to match against (e.g. sok-2023); default: chosen per document.")
@click.option("--no-repair", is_flag=True, help="Skip the repair of OCR-damaged characters.")
@click.option("--workers", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: number of CPUs).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Run documents in local worker processes or on a Dask cluster.")
@click.option("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --executor dask).")
@click.option("--force", is_flag=True, help="Process every document again, ignoring the cache.")
@click.option("--retry-errors", is_flag=True, help="Process again the documents that failed last time.")
@click.option("--rehash", is_flag=True,
              help="Read every file to check its sha256, instead of trusting an unchanged size, mtime, ctime and inode.")
@click.option("--timeout", type=float, default=300.0, show_default=True, help="Seconds allowed per document (0: none).")
@click.option("--max-memory", type=int, default=2048, show_default=True,
              help="Address-space limit per local worker in MB (0: none).")
@click.option("--max-tasks-per-worker", type=click.IntRange(min=1), default=200, show_default=True,
              help="Replace a worker process after this many documents.")
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks for failed documents.")
def run(paths, out_dir, taxonomy, no_repair, workers, executor, scheduler, force, retry_errors, rehash, timeout,
        max_memory, max_tasks_per_worker, verbose):
    """Process documents (.txt, .pdf, images; directories recursively) into OUT.

    Unchanged documents are taken from the cache in OUT; an interrupted run picks up
    where it stopped. Exit code 1 if any document failed, 2 if none was found."""
    from rich.console import Console

    from .batch import BatchConfig, run as run_batch
    from .options import Options
    from .progress import LiveProgress, errors_table, summary_table

    if executor == "dask" and not scheduler:
        raise click.UsageError("--executor dask needs --scheduler tcp://HOST:PORT")
    opts = Options(repair=not no_repair, taxonomy=taxonomy, verbose=verbose)
    config = BatchConfig(workers=workers, executor=executor, scheduler=scheduler, timeout=timeout or None,
                         max_memory_mb=max_memory or None, max_tasks_per_worker=max_tasks_per_worker,
                         force=force, retry_errors=retry_errors, rehash=rehash)
    console = Console(stderr=True)
    live = LiveProgress(console) if console.is_terminal else None

    def show_traceback(path, tb):
        console.print(f"[bold red]traceback[/] {path}:", highlight=False)
        console.out(tb, highlight=False)

    try:
        summary = run_batch(paths, out_dir, opts, config, progress=live.hooks() if live else None,
                            on_traceback=show_traceback if verbose else None)
    finally:
        if live:
            live.stop()
    if not summary.documents:
        click.echo(f"remiss: no documents found in {' '.join(map(str, paths))}", err=True)
        sys.exit(2)
    for e in summary.error_rows:
        click.echo(f"error: {e.path}: [{e.stage}] {e.message}", err=True)
    console.print(summary_table(summary, out_dir))
    if summary.error_rows and console.is_terminal:
        console.print(errors_table(summary))
    click.echo(f"{summary.documents} documents, {summary.pages} pages ({summary.ocr_pages} OCR), "
               f"{summary.failed} failed -> {out_dir}", err=True)
    sys.exit(1 if summary.failed else 0)


@main.command()
@click.option("--gold", "gold_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Directory of gold annotations (<document stem>.json).")
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option("--fields", default=None, help="Comma-separated fields to score (default: all in the gold).")
@click.option("--min-f1", type=float, default=None, help="Exit 1 if any field's strict F1 is below this.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def evaluate(gold_dir, target, fields, min_f1, as_json):
    """Score records against gold. TARGET is an output dir (records.jsonl) or documents to process."""
    from . import evaluate as ev

    report = ev.evaluate_target(gold_dir, target, fields.split(",") if fields else None)
    click.echo(report.to_json() if as_json else report.format())
    if min_f1 is not None and report.min_strict_f1() < min_f1:
        sys.exit(1)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--diff", is_flag=True, help="Show the changes (unified diff and audit trail) instead of the text.")
def repair(path, diff):
    """Repair OCR-damaged Swedish characters in FILE and print the text."""
    from .repair import cli_repair
    sys.exit(cli_repair(path, diff))


@main.command()
def schema():
    """Print the record's JSON Schema."""
    import json
    from .record import json_schema
    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


@main.command()
@click.argument("db", default="out/remiss.sqlite", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on; anything but loopback exposes the archive to the network.")
@click.option("--port", default=8001, show_default=True, type=int)
def serve(db, host, port):
    """Browse and search DB read-only in Datasette (immutable mode)."""
    from . import serve as srv

    if not db.is_file():
        raise click.ClickException(f"{db}: no such database (run `remiss run` first)")
    if not srv.is_loopback(host):
        click.echo(f"warning: listening on {host}, not loopback: reachable from the network", err=True)
    click.echo(f"remiss: serving {db} read-only at http://{host}:{port}/", err=True)
    srv.serve(db, host, port)


@main.command()
@click.argument("source", default="out", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["dc", "dc-json", "csv"]), default="dc", show_default=True,
              help="dc: one Dublin Core XML file per document; dc-json: the same as JSON; csv: one flat table.")
@click.option("--out", "out", default=None, type=click.Path(path_type=Path),
              help="Output directory (dc, dc-json) or file (csv); default: SOURCE/export/...")
def export(source, fmt, out):
    """Archival metadata for the records in SOURCE (an output dir or its records.jsonl)."""
    from . import export as ex

    try:
        written = ex.export(source, fmt, out)
    except FileNotFoundError as e:
        raise click.ClickException(str(e))
    click.echo(f"remiss: {len(written)} file(s) written, e.g. {written[0] if written else '-'}", err=True)


@main.command()
@click.argument("out", default="out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--taxonomy", default="auto", show_default=True,
              help="Canonical list for the columns (e.g. sok-2023), or auto: the version most documents use.")
@click.option("--dest", default=None, type=click.Path(path_type=Path), help="Output folder; default OUT/compare.")
def compare(out, taxonomy, dest):
    """Responder × canonical area matrix of the records in OUT: Parquet/CSV, Excel, HTML report."""
    from . import compare as cmp

    try:
        c = cmp.build(cmp.load_records(out), taxonomy)
    except (FileNotFoundError, KeyError) as e:
        click.echo(f"remiss: {e.args[0] if e.args else e}", err=True)
        sys.exit(2)
    files = cmp.write(c, dest or out / "compare")
    click.echo(f"remiss: {len(c.responders)} responders × {len(c.taxonomy.areas)} areas of {c.taxonomy.id} -> "
               f"{files['html'].parent}", err=True)


@main.command("diff-versions")
@click.argument("a")
@click.argument("b")
@click.option("--csv", "csv_path", default=None, type=click.Path(path_type=Path), help="Also write the table as CSV.")
def diff_versions(a, b, csv_path):
    """Areas and goals added, dropped, renamed, merged or split between versions A and B."""
    from rich.console import Console
    from rich.table import Table

    from . import compare as cmp

    try:
        rows = cmp.diff_versions(a, b)
    except KeyError as e:
        click.echo(f"remiss: {e.args[0] if e.args else e}", err=True)
        sys.exit(2)
    table = Table(title=f"{a} → {b}", show_lines=True)
    table.add_column("Relation", no_wrap=True)
    for col in ("From", "To", "Goals added", "Goals dropped", "Reason"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.relation, r.from_label or "–", r.to_label or "–", "\n".join(r.goals_added) or "–",
                      "\n".join(r.goals_dropped) or "–", r.reason)
    Console().print(table)
    if csv_path:
        cmp.diff_frame(rows).to_csv(csv_path, index=False)


if __name__ == "__main__":
    main()
