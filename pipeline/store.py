"""Stage 7, store: records -> JSON Lines, Parquet/CSV tables and SQLite.

Tables (one row per entity, keyed to the document by doc_id):
documents, sections, decisions, focus_areas, goals, signatories, dates, attachments,
repairs, errors. `flatten()` turns one Record into rows for all of them; the same rows
feed pandas (Parquet/CSV) and SQLite, so the three outputs always agree.

Every file is written to a temporary name in the same directory and renamed into
place (`atomic_path`), so a crash never leaves a half-written output, and a re-run
replaces rather than appends.

pandas, sqlite_utils and the record model are imported by the functions that use them,
so a warm batch run that finds its outputs up to date (`outputs_exist`) never loads them.
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from .record import Record

TABLES = ["documents", "sections", "decisions", "focus_areas", "goals", "signatories",
          "dates", "attachments", "repairs", "errors"]


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to `target`; rename it over `target` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _first_page(rec: "Record", path: str):
    ev = rec.provenance.get(path)
    return ev[0].page if ev else None


def output_files(out_dir: Path) -> list[Path]:
    """Every file `write_all` writes."""
    out_dir = Path(out_dir)
    return [out_dir / "records.jsonl", out_dir / "remiss.sqlite",
            *(out_dir / "parquet" / f"{t}.parquet" for t in TABLES), *(out_dir / "csv" / f"{t}.csv" for t in TABLES)]


def outputs_exist(out_dir: Path) -> bool:
    return all(p.is_file() for p in output_files(out_dir))


def flatten(rec: "Record") -> dict[str, list[dict]]:
    """One record -> rows per table."""
    d = rec.doc_id
    co = rec.case_officer
    doc_row = {
        "doc_id": d, "path": rec.source.path, "file_name": Path(rec.source.path).name,
        "format": rec.source.format, "pages": rec.source.pages,
        "ocr_pages": json.dumps(rec.source.ocr_pages), "doc_type": rec.doc_type, "title": rec.title,
        "recipient_body": rec.recipient_body, "issuing_body": rec.issuing_body,
        "case_officer_name": co.name if co else None, "case_officer_phone": co.phone if co else None,
        "document_date": rec.document_date,
        "year": int(rec.document_date[:4]) if rec.document_date else None,
        "diarienummer": "; ".join(rec.diarienummer) or None,
        "remiss_from": rec.remiss.from_ if rec.remiss else None,
        "remiss_deadline": rec.remiss.deadline if rec.remiss else None,
        "stance": rec.stance,
        "taxonomy": rec.taxonomy.id if rec.taxonomy else None,
        "validity_from": rec.validity.from_ if rec.validity else None,
        "validity_to": rec.validity.to if rec.validity else None,
        "parties": "; ".join(rec.parties) or None,
        "full_text": "\n\n".join(((s.heading + "\n") if s.heading else "") + s.text for s in rec.sections),
        "warnings": "\n".join(rec.warnings) or None,
        "n_errors": len(rec.errors),
        "pipeline_version": rec.pipeline_version,
    }
    rows: dict[str, list[dict]] = {t: [] for t in TABLES}
    rows["documents"].append(doc_row)
    for i, s in enumerate(rec.sections):
        rows["sections"].append({"doc_id": d, "idx": i, "heading": s.heading, "text": s.text,
                                 "page": _first_page(rec, f"sections[{i}]")})
    for i, x in enumerate(rec.proposed_decisions):
        rows["decisions"].append({"doc_id": d, "idx": i, "number": x.number, "text": x.text, "actor": x.actor,
                                  "action": x.action, "page": _first_page(rec, f"proposed_decisions[{i}]")})
    for i, a in enumerate(rec.focus_areas):
        rows["focus_areas"].append({"doc_id": d, "idx": i, "text": a.text, "canonical_id": a.canonical_id,
                                    "canonical_label": a.canonical_label, "taxonomy": a.taxonomy,
                                    "score": a.score, "status": a.status, "n_goals": len(a.goals),
                                    "page": _first_page(rec, f"focus_areas[{i}]")})
        for j, g in enumerate(a.goals):
            rows["goals"].append({"doc_id": d, "area_idx": i, "idx": j, "text": g,
                                  "page": _first_page(rec, f"focus_areas[{i}].goals[{j}]")})
    for i, s in enumerate(rec.signatories):
        rows["signatories"].append({"doc_id": d, "idx": i, "name": s.name, "title": s.title,
                                    "signed_date": s.signed_date, "page": _first_page(rec, f"signatories[{i}]")})
    for i, x in enumerate(rec.dates):
        rows["dates"].append({"doc_id": d, "idx": i, "iso": x.iso, "text": x.text, "kind": x.kind,
                              "precision": x.precision, "page": _first_page(rec, f"dates[{i}]")})
    for i, x in enumerate(rec.attachments):
        rows["attachments"].append({"doc_id": d, "idx": i, "number": x.number, "title": x.title,
                                    "diarienummer": x.diarienummer})
    for i, x in enumerate(rec.repairs):
        rows["repairs"].append({"doc_id": d, "idx": i, **x.model_dump()})
    for i, e in enumerate(rec.errors):
        rows["errors"].append({"doc_id": d, "idx": i, "path": rec.source.path, "stage": e.stage,
                               "message": e.message})
    return rows


def collect(records: Iterable["Record"]) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {t: [] for t in TABLES}
    for rec in records:
        for t, rows in flatten(rec).items():
            tables[t].extend(rows)
    return tables


def write_jsonl(records: Iterable["Record"], target: Path) -> int:
    n = 0
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8") as f:
        for rec in records:
            f.write(rec.to_json() + "\n")
            n += 1
    return n


def read_jsonl(path: Path) -> list["Record"]:
    from .record import Record
    with open(path, encoding="utf-8") as f:
        return [Record.model_validate_json(line) for line in f if line.strip()]


def write_tables(tables: dict[str, list[dict]], out_dir: Path) -> None:
    """Parquet and CSV, one file per table, under out_dir/parquet and out_dir/csv."""
    import pandas as pd
    for name, rows in tables.items():
        df = pd.DataFrame(rows, columns=_columns(name, rows))
        with atomic_path(out_dir / "parquet" / f"{name}.parquet") as tmp:
            df.to_parquet(tmp, index=False)
        with atomic_path(out_dir / "csv" / f"{name}.csv") as tmp:
            df.to_csv(tmp, index=False)


def _columns(name: str, rows: list[dict]) -> list[str]:
    if rows:
        return list(rows[0].keys())
    from .record import Record
    empty = flatten(Record.model_validate({"doc_id": "", "source": {"path": "", "sha256": "", "format": "txt"}}))
    return list(empty["documents"][0].keys()) if name == "documents" else ["doc_id", "idx"]


def write_sqlite(tables: dict[str, list[dict]], target: Path) -> None:
    """A fresh database (built aside, renamed into place) with foreign keys to documents."""
    import sqlite_utils

    from . import search
    with atomic_path(target) as tmp:
        tmp.unlink()
        db = sqlite_utils.Database(tmp)
        db["documents"].insert_all(tables["documents"], pk="doc_id", alter=True)
        if not tables["documents"]:
            db["documents"].create({"doc_id": str}, pk="doc_id")
        for name in TABLES[1:]:
            rows = tables[name]
            if rows:
                db[name].insert_all(rows, alter=True, foreign_keys=[("doc_id", "documents", "doc_id")])
            else:
                db[name].create({"doc_id": str, "idx": int}, foreign_keys=[("doc_id", "documents", "doc_id")])
        search.build(db)  # FTS5 index, derived columns, question views (pipeline/search.py)
        db.conn.commit()
        db.conn.close()


def write_all(records: list["Record"], out_dir: Path) -> None:
    out_dir = Path(out_dir)
    write_jsonl(records, out_dir / "records.jsonl")
    tables = collect(records)
    write_tables(tables, out_dir)
    write_sqlite(tables, out_dir / "remiss.sqlite")
