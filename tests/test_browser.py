"""The served archive in a real browser: Debian's Chromium, headless, driven by Selenium.

Two databases are built from the five seeds (with and without the repair stage) and
served by `remiss serve` on free loopback ports. In Chromium we search Swedish words
with å/ä/ö through Datasette's search box, open a document row, compare every facet
count on the page with the same count computed in SQLite, and save a screenshot.

Gold, from reading the seeds: all five use "samverkansöverenskommelse" in some
inflection (002 only in OCR-damaged spellings); "överlämnar" is in 001, and in 002
damaged ("dverldmnar"), so 002 is found by it only after repair.
"""
from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from pipeline import search
from pipeline.batch import run
from pipeline.process import Options

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
                                reason="needs Debian's chromium + chromium-driver (make install)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db: Path):
        self.db, self.port = db, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", str(db), "--port", str(self.port)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"remiss serve exited: {self.proc.stderr.read()}")
            try:
                urllib.request.urlopen(self.url + "/-/versions.json", timeout=2).close()
                return
            except (urllib.error.URLError, ConnectionError):
                if time.time() > deadline:
                    self.stop()
                    raise RuntimeError("remiss serve did not come up in 60 s")
                time.sleep(0.3)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    run(SEEDS, root / "repaired")
    run(SEEDS, root / "unrepaired", Options(repair=False))
    started = {}
    try:
        for name in ("repaired", "unrepaired"):
            started[name] = Server(root / name / "remiss.sqlite")
        yield started
    finally:
        for s in started.values():
            s.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a browser or driver
    profile = tmp_path_factory.mktemp("chromium-profile")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--window-size=1400,1000", f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _search(driver, server: Server, word: str) -> list[str]:
    """Type `word` into the documents table's search box; file names of the hits."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(server.url + "/remiss/documents")
    box = driver.find_element(By.ID, "_search")
    box.clear()
    box.send_keys(word, Keys.ENTER)
    deadline = time.time() + 20
    while "_search=" not in driver.current_url and time.time() < deadline:
        time.sleep(0.1)
    return sorted(td.text for td in driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns td.col-file_name"))


def _facets_on_page(driver) -> dict[str, Counter]:
    from selenium.webdriver.common.by import By

    out: dict[str, Counter] = {}
    for div in driver.find_elements(By.CSS_SELECTOR, "div.facet-info"):
        counts = Counter()
        for li in div.find_elements(By.CSS_SELECTOR, "ul li"):
            links = li.find_elements(By.TAG_NAME, "a")
            if not links or "facet-truncated" in (li.get_attribute("class") or ""):
                continue  # the "…" link to more values
            value = links[0].text
            counts[value] = int(li.text[len(value):].strip().replace(",", ""))
        out[div.get_attribute("data-column")] = counts
    return out


def _facets_in_db(db: Path, doc_ids: set[str] | None) -> dict[str, Counter]:
    import json

    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = [r for r in con.execute("select doc_id, board, year, doc_type, stance, areas from documents")
            if doc_ids is None or r["doc_id"] in doc_ids]
    out = {c: Counter(str(r[c]) for r in rows if r[c] is not None) for c in ("board", "year", "doc_type", "stance")}
    out["areas"] = Counter(a for r in rows if r["areas"] for a in json.loads(r["areas"]))
    return out


def test_search_samverkansoverenskommelse_finds_every_seed(browser, servers):
    assert [n[:3] for n in _search(browser, servers["repaired"], "samverkansöverenskommelse")] == \
        ["000", "001", "002", "003", "004"]
    # unrepaired, 002 spells it "samverkansoverenskommelse": not the same word
    assert [n[:3] for n in _search(browser, servers["unrepaired"], "samverkansöverenskommelse")] == \
        ["000", "001", "003", "004"]


def test_overlamnar_finds_002_only_after_repair(browser, servers):
    assert [n[:3] for n in _search(browser, servers["repaired"], "överlämnar")] == ["001", "002"]
    assert [n[:3] for n in _search(browser, servers["unrepaired"], "överlämnar")] == ["001"]


def test_facet_counts_equal_database_counts(browser, servers):
    server = servers["repaired"]
    # whole table
    browser.get(server.url + "/remiss/documents")
    page = _facets_on_page(browser)
    db = _facets_in_db(server.db, None)
    assert set(page) == {"board", "year", "doc_type", "stance", "areas"}
    assert page == {c: db[c] for c in page}
    assert sum(page["doc_type"].values()) > 0  # the comparison is not between two empty sets
    # within a search result
    _search(browser, server, "överlämnar")
    hits = search.matching_doc_ids(server.db, "överlämnar", ["documents"])
    assert len(hits) == 2
    page = _facets_on_page(browser)
    assert page == {c: _facets_in_db(server.db, hits)[c] for c in page}


def test_open_document_row_and_screenshot(browser, servers, tmp_path_factory):
    from selenium.webdriver.common.by import By

    server = servers["repaired"]
    names = _search(browser, server, "överlämnar")
    assert any(n.startswith("002_") for n in names), names
    shots = tmp_path_factory.mktemp("screenshots")
    assert browser.save_screenshot(str(shots / "search_overlamnar.png"))  # hits + facets
    row = [tr for tr in browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
           if tr.find_element(By.CSS_SELECTOR, "td.col-file_name").text.startswith("002_")][0]
    row.find_element(By.CSS_SELECTOR, "td.col-doc_id a").click()
    deadline = time.time() + 20
    while "/remiss/documents/" not in browser.current_url and time.time() < deadline:
        time.sleep(0.1)
    assert "/remiss/documents/" in browser.current_url
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "002_6a855a06a73e563a.txt" in body           # the source file name
    assert "överlämnar" in body                           # the repaired text, å/ä/ö restored
    # the row page links to the document's sections (foreign keys), each with a page
    assert "sections" in body
    shot = shots / "document_002.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    print(f"screenshots: {shots}")
