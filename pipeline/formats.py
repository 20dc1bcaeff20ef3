"""Which files are documents, and of what kind, by name.

Kept apart from `ingest` (which imports the text decoders) so that finding files and
naming the format of an unreadable one import nothing heavy: a warm run does both.
"""
from __future__ import annotations

import os

TEXT_SUFFIXES = {".txt", ".text", ".md"}
PDF_SUFFIXES = {".pdf"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp"}
DOCUMENT_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES | IMAGE_SUFFIXES


def format_by_name(path: str | os.PathLike) -> str:
    """"pdf", "image" or "txt", from the file name alone (for error records of files
    that could not be read; a readable file's format is found from its bytes)."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    return "pdf" if suffix in PDF_SUFFIXES else "image" if suffix in IMAGE_SUFFIXES else "txt"
