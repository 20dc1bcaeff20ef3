"""Run options: what every stage of one document's processing may be told.

In a module of its own so that the CLI and the batch can make them without importing
the stages (a warm run imports none of them)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass
class Options:
    repair: bool = True
    match: bool = True
    taxonomy: Optional[str] = None   # force a canonical list version ("sok-2023"), else chosen per document
    verbose: bool = False
