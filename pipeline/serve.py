"""`remiss serve`: Datasette on remiss.sqlite, read-only, on the loopback interface.

The database is opened in Datasette's immutable mode (SQLite `immutable=1`, read-only
connections), so nothing served can change it. The host defaults to 127.0.0.1; any
other address has to be asked for with `--host`.

`metadata()` gives titles and descriptions in Swedish and English, facets (board,
year, doc type, canonical area, stance), the FTS tables built by pipeline/search.py
and canned queries. This module is also a Datasette plugin (registered by
`make_datasette`): it adds the SQL functions `fts_query()` / `sv_stem()` and replaces
Datasette's `escape_fts()` with `search.fts_query`, so the ordinary search box on
documents and sections finds inflected Swedish forms ("samverkansöverenskommelse" ->
"samverkansöverenskommelserna") and supports "prefix*".
"""
from __future__ import annotations

import asyncio
import ipaddress
import sys
from pathlib import Path

from datasette import hookimpl

from . import search

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001


@hookimpl(trylast=True)  # after datasette.sql_functions, so our escape_fts wins
def prepare_connection(conn):
    search.register_functions(conn)
    conn.create_function("escape_fts", 1, search.fts_query)


def _both(sv: str, en: str) -> str:
    return f"{sv} / {en}"


def metadata(db_name: str = "remiss") -> dict:
    """Datasette metadata for a database built by pipeline/store.py + pipeline/search.py."""
    doc_facets = ["board", "year", "doc_type", "stance", {"array": "areas"}]
    tables = {
        "documents": {
            "title": _both("Dokument", "Documents"),
            "description": _both(
                "Ett dokument per rad: tjänsteutlåtanden, yttranden och remissvar. Sök i titel och fulltext; "
                "böjda former hittas (samverkansöverenskommelse → samverkansöverenskommelserna), ord* söker på prefix",
                "One document per row. Search covers title and full text; inflected forms are found, word* is a "
                "prefix search"),
            "fts_table": "documents_fts", "fts_pk": "rowid",
            "label_column": "file_name",  # every extracted row links back to its source file
            "facets": doc_facets,
            "sort_desc": "document_date",
            "columns": {
                "file_name": _both("Källfilens namn", "Source file name"),
                "board": _both("Nämnden ärendet gäller (mottagare av tjänsteutlåtande, avsändare av yttrande)",
                               "Board the matter belongs to (addressee of a tjänsteutlåtande, sender of a yttrande)"),
                "district": _both("Stadsdelsområde", "City district"),
                "areas": _both("Kanoniska fokusområden (JSON-lista)", "Canonical focus areas (JSON list)"),
                "doc_type": _both("Dokumenttyp", "Document type"),
                "stance": _both("Ställningstagande i remissvar", "Stance of a remiss answer"),
                "diarienummer": _both("Diarienummer", "Case registration number"),
                "remiss_from": _both("Remissavsändare", "Body that sent the remiss"),
                "full_text": _both("Fulltext (sektioner)", "Full text (sections)"),
            },
        },
        "sections": {
            "title": _both("Avsnitt", "Sections"),
            "description": _both("Dokumentens avsnitt med rubrik och sida; sökbara",
                                 "Document sections with heading and page; searchable"),
            "fts_table": "sections_fts", "fts_pk": "rowid",
            "facets": ["heading"],
        },
        "decisions": {"title": _both("Förslag till beslut", "Proposed decisions"),
                      "facets": ["actor", "action"]},
        "focus_areas": {"title": _both("Fokusområden", "Focus areas"),
                        "description": _both("Prioriterade områden, matchade mot kanoniska listor (SÖK)",
                                             "Priority areas matched to canonical lists (SÖK)"),
                        "facets": ["canonical_label", "taxonomy", "status"]},
        "goals": {"title": _both("Mål per fokusområde", "Goals per focus area")},
        "signatories": {"title": _both("Undertecknare", "Signatories"), "facets": ["title"]},
        "dates": {"title": _both("Datum", "Dates"), "facets": ["kind", "precision"]},
        "attachments": {"title": _both("Bilagor", "Attachments")},
        "repairs": {"title": _both("Reparationer av OCR-text", "OCR repairs"), "facets": ["fixer"]},
        "errors": {"title": _both("Fel", "Errors"), "facets": ["stage"]},
        "areas_by_responder": {"title": _both("Fokusområden per remissinstans", "Areas by responder"),
                               "facets": ["responder", "district", "canonical_label"]},
        "documents_by_board_year": {"title": _both("Dokument per nämnd och år", "Documents by board and year")},
        "signed_by": {"title": _both("Vem undertecknade vad", "Who signed what"), "facets": ["role", "board"]},
        "remiss_responses": {"title": _both("Remissvar", "Remiss answers"),
                             "facets": ["responder", "stance", "remiss_from"]},
        "sources_by_file": {"title": _both("Källa: fil och sida per värde", "Source: file and page per value"),
                            "facets": ["kind", "file_name"]},
        "documents_fts": {"hidden": True},
        "sections_fts": {"hidden": True},
    }
    queries = {
        "search_sections": {
            "title": _both("Sök i avsnitt", "Search sections"),
            "description": _both("Böjda former och ord* hittas; träffen visas med fil och sida",
                                 "Finds inflected forms and word*; shows file and page of each hit"),
            "sql": "select d.file_name, s.page, s.heading, "
                   "snippet(sections_fts, 1, '[', ']', '…', 16) as hit, d.board, d.document_date, d.doc_id "
                   "from sections_fts join sections s on s.rowid = sections_fts.rowid "
                   "join documents d on d.doc_id = s.doc_id "
                   "where sections_fts match fts_query(:q) order by sections_fts.rank limit 200",
        },
        "responders_to_remiss": {
            "title": _both("Vilka svarade på remissen?", "Which responders answered remiss X?"),
            "description": _both("Ange diarienummer, del av titeln eller remissavsändaren",
                                 "Give the diarienummer, part of the title or the body that sent it"),
            "sql": "select board as responder, stance, document_date, doc_type, diarienummer, title, "
                   "file_name, doc_id from documents "
                   "where (remiss_from is not null or doc_type in ('yttrande', 'remissvar') "
                   "or title like '%remiss%') and (diarienummer like '%' || :remiss || '%' "
                   "or title like '%' || :remiss || '%' or remiss_from like '%' || :remiss || '%') "
                   "order by document_date, board",
        },
        "areas_by_district": {
            "title": _both("Fokusområden per stadsdelsområde", "Areas covered by each district"),
            "sql": "select district, coalesce(canonical_label, area) as area, count(distinct doc_id) as documents, "
                   "min(document_date) as first, max(document_date) as last from areas_by_responder "
                   "where district is not null group by district, coalesce(canonical_label, area) "
                   "order by district, documents desc, area",
        },
        "decisions_per_board_year": {
            "title": _both("Beslut per nämnd och år", "Decisions per board and year"),
            "sql": "select d.board, d.year, count(x.doc_id) as decisions, count(distinct d.doc_id) as documents "
                   "from documents d left join decisions x on x.doc_id = d.doc_id "
                   "group by d.board, d.year order by d.board, d.year",
        },
    }
    return {
        "title": _both("Remissarkivet", "The remiss archive"),
        "description_html": (
            '<p lang="sv">Kommunala beslutsdokument (tjänsteutlåtanden, yttranden, remissvar, '
            "samverkansöverenskommelser) som strukturerade poster. Skrivskyddad databas.</p>"
            '<p lang="en">Municipal decision documents as structured records. Read-only database.</p>'),
        "license": "Offentlig handling / public record",
        "databases": {db_name: {"title": _both("Remissdatabas", "Remiss database"),
                                "tables": tables, "queries": queries}},
    }


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_datasette(db_path: Path | str):
    """A Datasette instance serving `db_path` immutably with our metadata and plugin."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no such database (run `remiss run` first)")
    # Datasette 0.65 prints every handled error with rich's print_exception() outside an
    # except block, which rich 15 refuses (ValueError), turning a plain 400 into a crash.
    import datasette.handle_exception
    datasette.handle_exception.rich = None
    if not pm.is_registered(sys.modules[__name__]):
        pm.register(sys.modules[__name__], name="remiss-serve")
    return Datasette(immutables=[str(db_path)], metadata=metadata(db_path.stem),
                     settings={"default_page_size": 50, "sql_time_limit_ms": 3000,
                               "truncate_cells_html": 300})  # full texts are long


def serve(db_path: Path | str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    import uvicorn

    ds = make_datasette(db_path)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
