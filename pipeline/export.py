"""`remiss export`: archival metadata per document, in Dublin Core (XML or JSON) or CSV.

One mapping, `dc_elements(record)`, feeds all three formats, so they always agree; the
CSV has one row per document with the named fields (`csv_row`). The mapping onto the
15 DCMES elements and onto FGS Ärendehantering is documented in the README ("Archival
export"). Values are taken from the record only; nothing is guessed (an absent value
is an absent element / empty cell).

XML follows the OAI-DC container (oai_dc:dc with dc:* children), the form repositories
and archive systems import.
"""
from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterable

from .record import Record
from .search import board_of, district_of
from .store import atomic_path, read_jsonl

DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_XSD = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
# The Dublin Core Metadata Element Set, version 1.1 (ISO 15836-1): the only names allowed.
DCMES = ("title", "creator", "subject", "description", "publisher", "contributor", "date", "type",
         "format", "identifier", "source", "language", "relation", "coverage", "rights")
MIME = {"txt": "text/plain", "pdf": "application/pdf", "image": "image"}

# CSV columns: the fields archivists asked for first, then the rest of the DC mapping.
CSV_FIELDS = ["doc_id", "diarienummer", "board", "date", "type", "title", "signatories", "subjects",
              "issuing_body", "recipient_body", "district", "description", "relation", "source",
              "format", "language"]
SEP = " | "  # joins repeated values in one CSV cell (never occurs in the values themselves)


def _signatory(s) -> str:
    return f"{s.name}, {s.title}" if s.title else s.name


def _subjects(rec: Record) -> list[str]:
    """Canonical area labels, in document order, once each; unmatched areas are left out
    (a subject term must come from the controlled list)."""
    out: list[str] = []
    for a in rec.focus_areas:
        if a.canonical_label and a.canonical_label not in out:
            out.append(a.canonical_label)
    return out


def fields(rec: Record) -> dict[str, list[str]]:
    """The named archival fields of one record (lists; empty when absent)."""
    board = board_of(rec.doc_type, rec.recipient_body, rec.issuing_body)
    decisions = [f"{d.number}. {d.text}" if d.number is not None else d.text for d in rec.proposed_decisions]
    relation = []
    if rec.remiss and rec.remiss.from_:
        relation.append(f"Remiss från {rec.remiss.from_}" + (f", svar senast {rec.remiss.deadline}"
                                                            if rec.remiss.deadline else ""))
    relation += [f"Bilaga {a.number}: {a.title}" if a.number is not None else f"Bilaga: {a.title}"
                 for a in rec.attachments]

    def one(v):
        return [v] if v else []
    return {
        "doc_id": [rec.doc_id],
        "diarienummer": list(rec.diarienummer),
        "board": one(board),
        "date": one(rec.document_date),
        "type": one(rec.doc_type),
        "title": one(rec.title),
        "signatories": [_signatory(s) for s in rec.signatories],
        "subjects": _subjects(rec),
        "issuing_body": one(rec.issuing_body),
        "recipient_body": one(rec.recipient_body),
        "district": one(district_of(board)),
        "description": ["Förslag till beslut: " + " ".join(decisions)] if decisions else [],
        "relation": relation,
        "source": [Path(rec.source.path).name],
        "format": one(MIME.get(rec.source.format)),
        "language": ["sv"],
    }


def dc_elements(rec: Record) -> list[tuple[str, str]]:
    """(DC element, value) pairs in a stable order. The mapping, in one place:"""
    f = fields(rec)
    pairs: list[tuple[str, str]] = []
    add = lambda el, vals: pairs.extend((el, v) for v in vals)  # noqa: E731
    add("identifier", f["diarienummer"])                    # the case's registration number(s)
    add("identifier", [f"urn:sha256:{rec.source.sha256}"] if rec.source.sha256 else [])  # fixity
    add("title", f["title"])
    add("creator", f["board"])                              # the board: the records creator
    add("contributor", [b for b in f["issuing_body"] if b not in f["board"]])  # the writing office
    add("contributor", f["signatories"])
    add("date", f["date"])
    add("type", f["type"])
    add("subject", f["subjects"])
    add("description", f["description"])
    add("relation", f["relation"])
    add("coverage", f["district"])
    add("source", f["source"])
    add("format", f["format"])
    add("language", f["language"])
    return pairs


# Characters XML 1.0 forbids (C0 controls but tab/newline/CR; e.g. a form feed from a
# PDF page break): dropped, or the file would not be well-formed.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def to_xml(rec: Record) -> bytes:
    ET.register_namespace("oai_dc", OAI_DC_NS)
    ET.register_namespace("dc", DC_NS)
    ET.register_namespace("xsi", XSI_NS)
    root = ET.Element(f"{{{OAI_DC_NS}}}dc", {f"{{{XSI_NS}}}schemaLocation": f"{OAI_DC_NS} {OAI_DC_XSD}"})
    for el, value in dc_elements(rec):
        ET.SubElement(root, f"{{{DC_NS}}}{el}").text = _XML_ILLEGAL.sub("", value)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def to_json(rec: Record) -> dict:
    """DC as JSON: element -> list of values (the shape of DCMI's JSON examples)."""
    out: dict[str, list[str]] = {}
    for el, value in dc_elements(rec):
        out.setdefault(f"dc:{el}", []).append(value)
    return out


def csv_row(rec: Record) -> dict[str, str]:
    f = fields(rec)
    return {k: SEP.join(f[k]) for k in CSV_FIELDS}


def load_records(source: Path | str) -> list[Record]:
    source = Path(source)
    path = source / "records.jsonl" if source.is_dir() else source
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no records.jsonl (run `remiss run` first)")
    return read_jsonl(path)


def _names(records: Iterable[Record], suffix: str) -> list[str]:
    """One file name per record from its source file stem; the doc_id breaks ties."""
    stems = [Path(r.source.path).stem or r.doc_id[:12] for r in records]
    return [f"{s}-{r.doc_id[:8]}{suffix}" if stems.count(s) > 1 else f"{s}{suffix}"
            for s, r in zip(stems, records)]


def export(source: Path | str, fmt: str = "dc", out: Path | str | None = None) -> list[Path]:
    """Write the export; returns the files written."""
    records = load_records(source)
    base = Path(source) if Path(source).is_dir() else Path(source).parent
    written: list[Path] = []
    if fmt == "csv":
        target = Path(out) if out else base / "export" / "documents_dc.csv"
        with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
            w.writeheader()
            w.writerows(csv_row(r) for r in records)
        return [target]
    if fmt not in ("dc", "dc-json"):
        raise ValueError(f"unknown export format {fmt!r}")
    out_dir = Path(out) if out else base / "export" / fmt
    suffix = ".xml" if fmt == "dc" else ".json"
    for rec, name in zip(records, _names(records, suffix)):
        target = out_dir / name
        with atomic_path(target) as tmp:
            if fmt == "dc":
                tmp.write_bytes(to_xml(rec))
            else:
                tmp.write_text(json.dumps(to_json(rec), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written
