"""One document through every stage: ingest -> layout -> repair -> segment -> extract -> match.

`process_path` never raises for a bad document: it returns a record whose `errors`
say which stage failed and why (one line), so a batch can go on.
"""
from __future__ import annotations

import importlib
import traceback
from pathlib import Path
from typing import Optional

from . import __version__, ingest, layout, segment
from .extract import Context, run_extractors
from .formats import format_by_name
from .options import Options  # also the public name process.Options
from .record import ErrorInfo, Record, Source


def _optional(module: str):
    """Stages that are built in their own modules; absent ones are skipped."""
    try:
        return importlib.import_module(f"pipeline.{module}")
    except ModuleNotFoundError as e:
        if e.name == f"pipeline.{module}":
            return None
        raise


def parse(doc: ingest.Document, options: Options = Options()) -> Context:
    """Ingested document -> cleaned, repaired, segmented text."""
    mt = ingest.to_mapped(doc)
    mt = layout.clean(doc, mt)
    repair = _optional("repair") if options.repair else None
    if repair is not None:
        mt, warnings = repair.repair_document(doc, mt)
        doc.warnings.extend(warnings)
    return Context(doc, mt, segment.split(mt))


def build_record(ctx: Context, options: Options = Options()) -> Record:
    out = run_extractors(ctx)
    doc = ctx.doc
    values = dict(out.values)
    sections = []
    for i, s in enumerate(ctx.sections):
        body = s.body(ctx.mt)
        if not body and (s.heading is None or s.kind == "end"):
            continue  # an empty head, or an end marker ("Slut") that heads nothing
        sections.append({"heading": s.heading, "text": body})   # validated with the record
        out.cite(f"sections[{len(sections) - 1}]", [(s.heading_start if s.heading_start >= 0 else s.start, s.end)])
    rec = Record(
        doc_id=doc.sha256,
        source=Source(path=str(doc.path), sha256=doc.sha256, format=doc.format,
                      pages=len(doc.pages), ocr_pages=doc.ocr_pages),
        sections=sections,
        warnings=list(doc.warnings) + out.warnings,
        provenance=out.cited,   # validated here, with the record
        repairs=list(doc.repairs),
        pipeline_version=__version__,
        **values,
    )
    match = _optional("match") if options.match else None
    if match is not None:
        match.assign(rec, taxonomy=options.taxonomy)
    return rec


def process_path(path: Path | str, options: Options = Options(),
                 known: Optional[tuple[str, str]] = None) -> Record:
    """`known`: (stat signature, sha256) of the file, if the caller hashed it (see ingest.read)."""
    path = Path(path)
    stage = "ingest"
    try:
        doc = ingest.read(path, known)
        stage = "parse"
        ctx = parse(doc, options)
        stage = "extract"
        return build_record(ctx, options)
    except ingest.IngestError as e:
        return error_record(path, stage, str(e))
    except Exception as e:  # any other failure is a bug; keep the batch going
        if options.verbose:
            traceback.print_exc()
        msg = f"{path.name}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}".rstrip(": ")
        return error_record(path, stage, msg)


def error_record(path: Path, stage: str, message: str) -> Record:
    try:
        digest = ingest.sha256_bytes(path.read_bytes())
    except OSError:
        digest = ingest.sha256_bytes(str(path).encode())
    return Record(doc_id=digest, source=Source(path=str(path), sha256=digest, format=format_by_name(path), pages=0),
                  errors=[ErrorInfo(stage=stage, message=message)], pipeline_version=__version__)
