"""`remiss serve`: read-only, loopback by default, metadata, facets, search, canned queries.

The database is built by the store from hand-made records whose values are known, so
facet counts and query results can be checked exactly; a real `remiss serve` process is
started to check which address it listens on and that the file never changes.
"""
from __future__ import annotations

import asyncio
import hashlib
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import cli, serve, store
from pipeline.record import Record

ROOT = Path(__file__).resolve().parent.parent


def _rec(doc_id, **kw) -> Record:
    text = kw.pop("text", "Nämnden överlämnar tjänsteutlåtandet.")
    return Record.model_validate({"doc_id": doc_id, "source": {"path": f"/arkiv/{doc_id}.txt", "sha256": doc_id,
                                                               "format": "txt"},
                                  "sections": [{"heading": "Förslag till beslut", "text": text}], **kw})


RECORDS = [
    _rec("a", doc_type="tjänsteutlåtande", recipient_body="Bromma stadsdelsnämnd", document_date="2019-08-22",
         title="Remiss av övergripande samverkansöverenskommelse", diarienummer=["KS 2019/123"],
         remiss={"from": "Kommunstyrelsen"}, stance="positive",
         focus_areas=[{"text": "Unga i risk", "canonical_label": "Unga i risk för kriminalitet", "taxonomy": "sok-2019"},
                      {"text": "Våld i nära relationer", "canonical_label": "Våld i nära relationer",
                       "taxonomy": "sok-2019"}],
         proposed_decisions=[{"number": 1, "text": "Nämnden godkänner tjänsteutlåtandet."},
                             {"number": 2, "text": "Nämnden justerar beslutet omedelbart."}],
         signatories=[{"name": "Förnamn Efternamn", "title": "stadsdelsdirektör"}]),
    _rec("b", doc_type="tjänsteutlåtande", recipient_body="Farsta stadsdelsnämnd", document_date="2019-09-02",
         title="Remiss av övergripande samverkansöverenskommelse", diarienummer=["KS 2019/123"],
         remiss={"from": "Kommunstyrelsen"}, stance="mixed",
         focus_areas=[{"text": "Unga", "canonical_label": "Unga i risk för kriminalitet", "taxonomy": "sok-2019"}],
         proposed_decisions=[{"number": 1, "text": "Nämnden godkänner."}],
         text="De lokala samverkansöverenskommelserna ska revideras."),
    _rec("c", doc_type="yttrande", issuing_body="Kulturnämnden", recipient_body="Kommunstyrelsen",
         document_date="2023-05-10", title="Yttrande över förslag", diarienummer=["KS 2023/9"], stance="positive",
         text="Förvaltningen har inga synpunkter."),
]


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serve")
    store.write_all(RECORDS, out)
    return out / "remiss.sqlite"


def _get_all(ds, paths: list[str]) -> list:
    async def go():
        await ds.invoke_startup()
        return [await ds.client.get(p) for p in paths]
    return asyncio.run(go())


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_metadata_is_bilingual_and_names_facets_and_fts(db_path):
    md = serve.metadata("remiss")
    tables = md["databases"]["remiss"]["tables"]
    assert tables["documents"]["fts_table"] == "documents_fts"
    assert tables["sections"]["fts_table"] == "sections_fts"
    assert tables["documents"]["facets"] == ["board", "year", "doc_type", "stance", {"array": "areas"}]
    assert "canonical_label" in tables["focus_areas"]["facets"]
    for name, t in tables.items():
        if "title" in t:
            sv, en = t["title"].split(" / ")
            assert sv and en and sv != en, name
    con = sqlite3.connect(db_path)
    names = {r[0] for r in con.execute("select name from sqlite_master where type in ('table', 'view')")}
    assert set(tables) <= names  # metadata names nothing that isn't in the database


def test_facets_equal_database_counts(db_path):
    ds = serve.make_datasette(db_path)
    [r] = _get_all(ds, ["/remiss/documents.json?_extra=facet_results&_size=0"])
    assert r.status_code == 200
    facets = r.json()["facet_results"]
    facets = facets.get("results", facets)
    got = {name: {str(v["value"]): v["count"] for v in f["results"]} for name, f in facets.items()}
    assert got["board"] == {"Bromma stadsdelsnämnd": 1, "Farsta stadsdelsnämnd": 1, "Kulturnämnden": 1}
    assert got["year"] == {"2019": 2, "2023": 1}
    assert got["doc_type"] == {"tjänsteutlåtande": 2, "yttrande": 1}
    assert got["stance"] == {"positive": 2, "mixed": 1}
    assert got["areas"] == {"Unga i risk för kriminalitet": 2, "Våld i nära relationer": 1}


def test_search_box_finds_inflections_and_prefixes(db_path):
    ds = serve.make_datasette(db_path)
    q = urllib.parse.quote
    r1, r2, r3, r4 = _get_all(ds, [
        f"/remiss/documents.json?_search={q('samverkansöverenskommelse')}&_shape=array&_col=doc_id",
        f"/remiss/sections.json?_search={q('Överlämnar')}&_shape=array",
        f"/remiss/documents.json?_search={q('synpunkt*')}&_shape=array",
        f"/remiss/search_sections.json?q={q('samverkansöverenskommelse')}&_shape=array",
    ])
    assert sorted(x["doc_id"] for x in r1.json()) == ["a", "b"]          # title of a, text of b ("-erna")
    assert sorted(x["doc_id"] for x in r2.json()) == ["a"]
    assert sorted(x["doc_id"] for x in r3.json()) == ["c"]
    rows = r4.json()
    assert [(x["file_name"], x["page"]) for x in rows] == [("b.txt", None)]
    # the snippet is cut from the text column; only surface matches are bracketed there
    assert "samverkansöverenskommelserna" in rows[0]["hit"]
    [r5] = _get_all(ds, [f"/remiss/search_sections.json?q={q('samverkansöverenskommelserna')}&_shape=array"])
    assert "[samverkansöverenskommelserna]" in r5.json()[0]["hit"]


def test_canned_queries(db_path):
    ds = serve.make_datasette(db_path)
    r1, r2, r3 = _get_all(ds, [
        "/remiss/responders_to_remiss.json?remiss=KS+2019%2F123&_shape=array",
        "/remiss/areas_by_district.json?_shape=array",
        "/remiss/decisions_per_board_year.json?_shape=array",
    ])
    assert [(x["responder"], x["stance"]) for x in r1.json()] == [
        ("Bromma stadsdelsnämnd", "positive"), ("Farsta stadsdelsnämnd", "mixed")]
    assert [(x["district"], x["area"], x["documents"]) for x in r2.json()] == [
        ("Bromma", "Unga i risk för kriminalitet", 1), ("Bromma", "Våld i nära relationer", 1),
        ("Farsta", "Unga i risk för kriminalitet", 1)]
    assert [(x["board"], x["year"], x["decisions"]) for x in r3.json()] == [
        ("Bromma stadsdelsnämnd", 2019, 2), ("Farsta stadsdelsnämnd", 2019, 1), ("Kulturnämnden", 2023, 0)]


def test_rows_link_to_source_file(db_path):
    ds = serve.make_datasette(db_path)
    [r] = _get_all(ds, ["/remiss/signatories.json?_labels=on&_shape=array"])
    assert r.json()[0]["doc_id"] == {"value": "a", "label": "a.txt"}


def test_database_is_read_only(db_path):
    before = _sha(db_path)
    ds = serve.make_datasette(db_path)
    db = ds.databases["remiss"]
    assert db.is_mutable is False

    async def try_writes():
        await ds.invoke_startup()
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await db.execute("delete from documents")
        r = await ds.client.get("/remiss.json?sql=" + urllib.parse.quote("delete from documents"))
        assert r.status_code == 400
        r = await ds.client.post("/remiss/documents/-/insert", json={"row": {"doc_id": "x"}})
        assert r.status_code in (403, 404, 405)
        return (await db.execute("select count(*) from documents")).first()[0]
    assert asyncio.run(try_writes()) == 3
    assert _sha(db_path) == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> list[str]:
    """Local addresses (hex, as in /proc/net/tcp) with a LISTEN socket on `port`."""
    out = []
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(f).exists():
            continue
        for line in Path(f).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.rsplit(":", 1)
            if int(p, 16) == port and state == "0A":
                out.append(addr)
    return out


def _start(args: list[str]):
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc


def _wait(url: str, proc, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise AssertionError(f"{url} not up after {timeout}s")


def test_serve_listens_on_loopback_only_by_default(db_path):
    before = _sha(db_path)
    port = _free_port()
    proc = _start([str(db_path), "--port", str(port)])
    try:
        assert _wait(f"http://127.0.0.1:{port}/remiss/documents.json", proc) == 200
        addrs = _listening(port)
        assert addrs == ["0100007F"]  # 127.0.0.1, little-endian hex; nothing on 0.0.0.0 or ::
        # the write attempts over HTTP are refused
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/remiss.json?sql=" + urllib.parse.quote(
                "update documents set title = 'x'"), timeout=5)
            raise AssertionError("write statement accepted")
        except urllib.error.HTTPError as e:
            assert e.code == 400
    finally:
        proc.terminate()
        proc.wait(10)
    assert _sha(db_path) == before


def test_serve_host_flag_is_honoured(db_path):
    port = _free_port()
    proc = _start([str(db_path), "--host", "127.0.0.2", "--port", str(port)])
    try:
        _wait(f"http://127.0.0.2:{port}/", proc)
        assert _listening(port) == ["0200007F"]
    finally:
        proc.terminate()
        proc.wait(10)


def test_cli_warns_off_loopback_and_refuses_missing_db(monkeypatch, db_path, tmp_path):
    calls = []
    monkeypatch.setattr(serve, "serve", lambda db, host, port: calls.append((db, host, port)))
    runner = CliRunner()
    r = runner.invoke(cli.main, ["serve", str(db_path)])
    assert r.exit_code == 0 and calls[-1] == (db_path, "127.0.0.1", 8001)
    assert "warning" not in r.output
    r = runner.invoke(cli.main, ["serve", str(db_path), "--host", "0.0.0.0", "--port", "9000"])
    assert r.exit_code == 0 and calls[-1] == (db_path, "0.0.0.0", 9000)
    assert "not loopback" in r.output
    r = runner.invoke(cli.main, ["serve", str(tmp_path / "none.sqlite")])
    assert r.exit_code != 0 and "no such database" in r.output
    assert len(calls) == 2


def test_is_loopback():
    assert serve.is_loopback("127.0.0.1") and serve.is_loopback("::1") and serve.is_loopback("localhost")
    assert not serve.is_loopback("0.0.0.0") and not serve.is_loopback("192.168.1.10")
    assert not serve.is_loopback("example.org")
