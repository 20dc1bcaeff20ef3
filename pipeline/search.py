"""Full-text search and question views on remiss.sqlite (called by store.write_sqlite).

`build(db)` adds, idempotently and after every write of the database:

* derived columns on `documents`: `board` (the nämnd whose matter the document is: the
  addressee of a tjänsteutlåtande, the sender of a yttrande/remissvar), `district` (the
  stadsdelsområde, from a stadsdelsnämnd/-förvaltning name) and `areas` (JSON array of
  canonical area labels, for Datasette's array facet);
* FTS5 tables `documents_fts` (title, full_text) and `sections_fts` (heading, text), each
  with a `stems` column holding the Snowball Swedish stem of every word. Their rowids
  are the rowids of `documents` / `sections`, so Datasette's search box works on those
  tables. The tokenizer is unicode61 with remove_diacritics 0: case-insensitive, but
  å/ä/ö stay distinct letters (folding them would merge "för"/"for", "år"/"ar");
* views for the common questions: `areas_by_responder`, `documents_by_board_year`,
  `signed_by`, `remiss_responses`, `sources` (each extracted value -> file name + page).

`fts_query(text)` turns what a person types into an FTS5 expression: every word matches
its surface form OR its stem (so "samverkansöverenskommelse" finds
"samverkansöverenskommelserna"), "word*" is a prefix search, "quoted phrases" are exact.
The FTS tables are rebuilt wholesale (cheap: stems are cached per word), which keeps
their rowids in step with tables that a re-run may have replaced.
"""
from __future__ import annotations

import functools
import json
import re
import sqlite3
from pathlib import Path
from typing import Iterable, Union

import snowballstemmer
import sqlite_utils

TOKENIZE = "unicode61 remove_diacritics 0"
# Same notion of a word as unicode61: letters and digits (incl. å/ä/ö/é/ü).
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_PHRASE_OR_BIT = re.compile(r'"[^"]*"|[^\s"]+')

FTS_TABLES = {
    # FTS table: (content table, indexed text columns)
    "documents_fts": ("documents", ["title", "full_text"]),
    "sections_fts": ("sections", ["heading", "text"]),
}

_stemmer = snowballstemmer.stemmer("swedish")


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word.lower())


def stems_of(*texts: str | None) -> str:
    """Space-separated stems of every word, in order (phrase search works on stems too)."""
    return " ".join(stem(w) for t in texts if t for w in WORD_RE.findall(t))


def fts_query(text: str | None) -> str:
    """A person's query -> FTS5 MATCH expression (all terms must match)."""
    text = (text or "")
    if text.count('"') % 2:
        text += '"'
    terms = []
    for bit in _PHRASE_OR_BIT.findall(text):
        prefix = bit.endswith("*") and not bit.startswith('"')
        words = WORD_RE.findall(bit)
        if not words:
            continue
        surface = '"' + " ".join(w.lower() for w in words) + '"'
        if bit.startswith('"'):
            terms.append(surface)  # an exact phrase stays exact
        elif prefix:
            terms.append(surface + "*")
        else:
            stemmed = '"' + " ".join(stem(w) for w in words) + '"'
            terms.append(f"({surface} OR stems : {stemmed})")
    return " AND ".join(terms) or '""'


# --- derived columns -------------------------------------------------------------------

_RESPONSE_TYPES = {"yttrande", "remissvar"}
_DISTRICT_RE = re.compile(r"^(?P<name>.+?)\s+stadsdels(?:nämnd|förvaltning)(?:en)?\b", re.IGNORECASE)


def board_of(doc_type: str | None, recipient: str | None, issuing: str | None) -> str | None:
    """The board whose matter it is. A tjänsteutlåtande is written *to* its board by the
    administration; a yttrande/remissvar is sent *by* the board to whoever asked."""
    if doc_type in _RESPONSE_TYPES:
        return issuing or recipient
    return recipient or issuing


def district_of(board: str | None) -> str | None:
    """"Hägersten-Liljeholmens stadsdelsnämnd" -> "Hägersten-Liljeholmen"; None for
    boards that are not district boards (Trafiknämnden, Kommunstyrelsen)."""
    if not board:
        return None
    m = _DISTRICT_RE.match(board.strip())
    if not m:
        return None
    name = m.group("name").strip()
    # Genitive -s ("Norrmalms", "Hägersten-Liljeholmens"): no district name itself ends
    # in consonant + s, so strip it only there.
    if len(name) > 2 and name.endswith("s") and name[-2].lower() not in "aeiouyåäös":
        name = name[:-1]
    return name


# --- schema helpers --------------------------------------------------------------------

# Columns the views read; created (empty) when a table was written without any rows.
VIEW_COLUMNS = {
    "documents": {"title": str, "file_name": str, "path": str, "doc_type": str, "recipient_body": str,
                  "issuing_body": str, "document_date": str, "year": int, "diarienummer": str,
                  "remiss_from": str, "stance": str, "full_text": str},
    "sections": {"heading": str, "text": str, "page": int},
    "decisions": {"number": int, "text": str, "actor": str, "action": str, "page": int},
    "focus_areas": {"text": str, "canonical_id": str, "canonical_label": str, "taxonomy": str,
                    "score": float, "status": str, "n_goals": int, "page": int},
    "goals": {"area_idx": int, "text": str, "page": int},
    "signatories": {"name": str, "title": str, "signed_date": str, "page": int},
    "dates": {"iso": str, "text": str, "kind": str, "precision": str, "page": int},
    "attachments": {"number": int, "title": str, "diarienummer": str},
}
DERIVED_COLUMNS = {"board": str, "district": str, "areas": str}


def _ensure_columns(db: sqlite_utils.Database) -> None:
    for table, cols in VIEW_COLUMNS.items():
        if not db[table].exists():
            db[table].create({"doc_id": str, "idx": int})
        have = set(db[table].columns_dict)
        for name, typ in cols.items():
            if name not in have:
                db[table].add_column(name, typ)
    have = set(db["documents"].columns_dict)
    for name, typ in DERIVED_COLUMNS.items():
        if name not in have:
            db["documents"].add_column(name, typ)


def _fill_derived(db: sqlite_utils.Database) -> None:
    areas: dict[str, list[str]] = {}
    for r in db.query("select doc_id, canonical_label as label from focus_areas "
                      "where canonical_label is not null order by doc_id, idx"):
        if r["label"] not in areas.setdefault(r["doc_id"], []):
            areas[r["doc_id"]].append(r["label"])
    updates = []
    for r in db.query("select rowid, doc_id, doc_type, recipient_body, issuing_body from documents"):
        board = board_of(r["doc_type"], r["recipient_body"], r["issuing_body"])
        a = areas.get(r["doc_id"])
        updates.append((board, district_of(board), json.dumps(a, ensure_ascii=False) if a else None,
                        r["rowid"]))
    db.conn.executemany("update documents set board = ?, district = ?, areas = ? where rowid = ?", updates)


def _rebuild_fts(db: sqlite_utils.Database) -> None:
    for fts, (table, cols) in FTS_TABLES.items():
        db.execute(f"drop table if exists [{fts}]")
        col_sql = ", ".join(f"[{c}]" for c in cols)
        db.execute(f"create virtual table [{fts}] using fts5({col_sql}, stems, doc_id unindexed, "
                   f"tokenize = '{TOKENIZE}')")
        rows = db.execute(f"select rowid, {col_sql}, doc_id from [{table}]").fetchall()
        db.conn.executemany(
            f"insert into [{fts}] (rowid, {col_sql}, stems, doc_id) values ({', '.join('?' * (len(cols) + 3))})",
            [(r[0], *r[1:-1], stems_of(*r[1:-1]), r[-1]) for r in rows])


# The board/district/areas columns are derived above; views only join and name things.
VIEWS = {
    "areas_by_responder": """
        select d.board as responder, d.district, d.document_date, d.year, d.doc_type,
               f.idx as area_no, f.text as area, f.canonical_id, f.canonical_label, f.taxonomy,
               f.status as match_status, f.n_goals, d.file_name, f.page, d.doc_id
        from focus_areas f join documents d on d.doc_id = f.doc_id""",
    "documents_by_board_year": """
        select board, year, doc_type, count(*) as n_documents
        from documents group by board, year, doc_type""",
    "signed_by": """
        select s.name, s.title as role, s.signed_date, d.board, d.title as document,
               d.document_date, d.doc_type, d.file_name, s.page, d.doc_id
        from signatories s join documents d on d.doc_id = s.doc_id""",
    "remiss_responses": """
        select d.board as responder, d.district, d.remiss_from, d.diarienummer, d.title,
               d.stance, d.document_date, d.doc_type, d.file_name, d.doc_id
        from documents d where d.remiss_from is not null or d.doc_type in ('yttrande', 'remissvar')""",
    "sources": """
        select 'section' as kind, doc_id, idx, coalesce(heading, '') as value, page from sections
        union all select 'decision', doc_id, idx, text, page from decisions
        union all select 'focus_area', doc_id, idx, text, page from focus_areas
        union all select 'goal', doc_id, idx, text, page from goals
        union all select 'signatory', doc_id, idx, name, page from signatories
        union all select 'date', doc_id, idx, text, page from dates""",
}


def _create_views(db: sqlite_utils.Database) -> None:
    for name, sql in VIEWS.items():
        db.execute(f"drop view if exists [{name}]")
        db.execute(f"create view [{name}] as {sql}")
    # `sources` gets the file name through a second view so the union stays readable.
    db.execute("drop view if exists sources_by_file")
    db.execute("create view sources_by_file as select d.file_name, s.page, s.kind, s.idx, s.value, "
               "s.doc_id from sources s join documents d on d.doc_id = s.doc_id")


def build(db: Union[sqlite_utils.Database, str, Path]) -> None:
    """Add derived columns, FTS tables and views. Safe to call again after any rewrite."""
    if not isinstance(db, sqlite_utils.Database):
        db = sqlite_utils.Database(db)
    if not db["documents"].exists():
        return
    _ensure_columns(db)
    with db.conn:
        _fill_derived(db)
        _rebuild_fts(db)
        _create_views(db)


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions for queries against the index: fts_query(text), sv_stem(word)."""
    conn.create_function("fts_query", 1, fts_query, deterministic=True)
    conn.create_function("sv_stem", 1, lambda w: stem(w) if w else None, deterministic=True)


def search(db: Union[sqlite_utils.Database, str, Path], query: str, table: str = "documents") -> list[dict]:
    """Rows of `table` (documents or sections) matching `query`, best first."""
    if not isinstance(db, sqlite_utils.Database):
        db = sqlite_utils.Database(db)
    fts = f"{table}_fts"
    if fts not in FTS_TABLES:
        raise ValueError(f"no full-text index for {table!r}")
    sql = (f"select t.*, {fts}.rank as rank from [{fts}] join [{table}] t on t.rowid = {fts}.rowid "
           f"where [{fts}] match ? order by rank")
    return list(db.query(sql, [fts_query(query)]))


def matching_doc_ids(db, query: str, tables: Iterable[str] = ("documents", "sections")) -> set[str]:
    return {r["doc_id"] for t in tables for r in search(db, query, t)}
