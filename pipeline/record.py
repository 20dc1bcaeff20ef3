"""The record contract: one `Record` per input document.

Field names are a public contract (outputs, gold annotations, outside evaluation):
change them only together with `schema/record.schema.json` (regenerate with
`python -m pipeline.record`), the README and the gold files.

Provenance lives in a parallel map, `Record.provenance`, keyed by the JSON path of the
value it explains ("title", "case_officer.name", "proposed_decisions[0]",
"focus_areas[2].goals[1]", ...). Each entry is a list of `Evidence` spans: a value seen
twice (an area named in the summary and again in the body, a decision repeated at the
end) has two.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

DocType = Literal["tjänsteutlåtande", "yttrande", "remissvar", "utlåtande", "protokoll", "other"]
DateKind = Literal["document", "signed", "valid_from", "valid_to", "deadline", "meeting", "event", "mentioned"]
Precision = Literal["day", "month", "year"]
Stance = Literal["positive", "negative", "neutral", "mixed"]
MatchStatus = Literal["matched", "ambiguous", "local"]

SCHEMA_PATH = Path(__file__).parent / "schema" / "record.schema.json"


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class Evidence(_Model):
    """Where a value came from. `start`/`end` are character offsets into the document's
    raw text (the decoded file, or the pages' extracted/OCR'd text joined by form feeds);
    `page` is 1-based. `text` is the surface form at that place. `box` is where it stands
    on the page of a PDF or image, [x0, y0, x1, y1] in points from the page's top-left
    corner, y down (image pixels count as points at the image's dpi): the union of the
    OCR words, or text-layer runs, it covers; null for text files."""
    page: int
    start: int
    end: int
    text: str = ""
    ocr: bool = False
    repaired: bool = False
    box: Optional[list[float]] = None


class Source(_Model):
    path: str
    sha256: str
    format: Literal["txt", "pdf", "image"]
    pages: int = 1
    ocr_pages: list[int] = Field(default_factory=list)
    # other paths in the same batch with byte-identical content (processed once)
    aliases: list[str] = Field(default_factory=list)


class CaseOfficer(_Model):
    name: Optional[str] = None
    phone: Optional[str] = None


class Remiss(_Model):
    from_: Optional[str] = Field(default=None, alias="from")
    deadline: Optional[str] = None


class Decision(_Model):
    number: Optional[int] = None
    text: str
    actor: Optional[str] = None
    action: Optional[str] = None


class FocusArea(_Model):
    text: str
    goals: list[str] = Field(default_factory=list)
    canonical_id: Optional[str] = None
    canonical_label: Optional[str] = None
    taxonomy: Optional[str] = None
    score: Optional[float] = None
    status: Optional[MatchStatus] = None


class Signatory(_Model):
    name: str
    title: Optional[str] = None
    signed_date: Optional[str] = None


class Attachment(_Model):
    number: Optional[int] = None
    title: str
    diarienummer: Optional[str] = None


class DateMention(_Model):
    iso: str
    text: str
    kind: DateKind = "mentioned"
    precision: Precision = "day"
    year_inferred: bool = False


class Validity(_Model):
    from_: Optional[str] = Field(default=None, alias="from")
    to: Optional[str] = None


class Section(_Model):
    heading: Optional[str]
    text: str


class RepairChange(_Model):
    """One change made by the repair stage (the audit trail). Offsets are raw-text offsets."""
    page: int
    start: int
    end: int
    original: str
    replacement: str
    confidence: float
    fixer: str


class TaxonomyChoice(_Model):
    id: str
    reason: str


class ErrorInfo(_Model):
    stage: str
    message: str


class Record(_Model):
    doc_id: str
    source: Source
    doc_type: Optional[DocType] = None
    title: Optional[str] = None
    recipient_body: Optional[str] = None
    issuing_body: Optional[str] = None
    case_officer: Optional[CaseOfficer] = None
    document_date: Optional[str] = None
    diarienummer: list[str] = Field(default_factory=list)
    remiss: Optional[Remiss] = None
    proposed_decisions: list[Decision] = Field(default_factory=list)
    stance: Optional[Stance] = None
    focus_areas: list[FocusArea] = Field(default_factory=list)
    taxonomy: Optional[TaxonomyChoice] = None
    signatories: list[Signatory] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    dates: list[DateMention] = Field(default_factory=list)
    validity: Optional[Validity] = None
    parties: list[str] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    errors: list[ErrorInfo] = Field(default_factory=list)
    repairs: list[RepairChange] = Field(default_factory=list)
    provenance: dict[str, list[Evidence]] = Field(default_factory=dict)
    pipeline_version: str = ""

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)

    def to_json_bytes(self) -> bytes:
        """`to_json()` as UTF-8, straight from pydantic's serializer (no str in between)."""
        return self.__pydantic_serializer__.to_json(self, by_alias=True)

    def to_dict(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_dict(cls, data: dict) -> "Record":
        return cls.model_validate(data)


def json_schema() -> dict:
    return Record.model_json_schema(by_alias=True)


if __name__ == "__main__":  # regenerate the published schema
    SCHEMA_PATH.parent.mkdir(exist_ok=True)
    SCHEMA_PATH.write_text(json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(SCHEMA_PATH)
