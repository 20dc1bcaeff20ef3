"""District comparison and version diff (pipeline/compare.py, `remiss compare`, `remiss diff-versions`).

Unit tests build records from corpus/gold/matching.json; the report tests run the five seeds
through the pipeline and open the HTML report in headless Chromium.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pipeline import compare, match
from pipeline.cli import main
from pipeline.record import Decision, Evidence, FocusArea, Record, Source

ROOT = Path(__file__).resolve().parent.parent
GOLD = json.loads((ROOT / "corpus/gold/matching.json").read_text(encoding="utf-8"))
SEEDS = sorted(GOLD)


def gold_record(stem: str, name: str, date: str | None = None, fmt: str = "txt") -> Record:
    """A record as the pipeline would leave it, from the matching gold."""
    areas = [FocusArea(text=e["text"], canonical_id=e["canonical_id"], taxonomy=e["taxonomy"], status=e["status"],
                       score=100.0 if e["canonical_id"] else 40.0) for e in GOLD[stem]]
    prov = {f"focus_areas[{i}]": [Evidence(page=1, start=10 * i, end=10 * i + len(a.text), text=a.text)]
            for i, a in enumerate(areas)}
    rec = Record(doc_id=stem + fmt, source=Source(path=f"corpus/{stem}.{fmt}", sha256=stem, format=fmt),
                 issuing_body=name, document_date=date, stance="positive", focus_areas=areas, provenance=prov,
                 proposed_decisions=[Decision(number=1, text=f"{name} godkänner tjänsteutlåtandet.")])
    rec.taxonomy = match.TaxonomyChoice(id=GOLD[stem][0]["taxonomy"], reason="test")
    return rec


RECORDS = [gold_record("000_bf1a5e90f9748335", "Hässelby-Vällingby stadsdelsförvaltning", "2023-09-28"),
           gold_record("001_c41f3676d29cb85a", "Hägersten-Liljeholmens stadsdelsförvaltning"),
           gold_record("002_6a855a06a73e563a", "Trafikkontoret"),
           gold_record("003_235d45cc36fe7281", "Järva stadsdelsförvaltning", "2024-05-23"),
           gold_record("004_78dffec72b7def26", "Norrmalms stadsdelsförvaltning", "2019-03-07")]


def covered(c: compare.Comparison) -> dict[str, dict[str, str]]:
    """responder -> area id -> "direct" | crosswalk path, for covered cells."""
    out: dict[str, dict[str, str]] = {}
    for x in c.cells:
        if x.covered:
            out.setdefault(x.responder, {})[x.area_id] = x.via or "direct"
    return out


# ---- matrix ----------------------------------------------------------------------------

def test_matrix_against_2023():
    c = compare.build(RECORDS, "sok-2023")
    assert c.taxonomy.id == "sok-2023" and len(c.cells) == 5 * 5
    cov = covered(c)
    all23 = {a.id for a in c.taxonomy.areas}
    assert cov["Hässelby-Vällingby stadsdelsförvaltning"] == {a: "direct" for a in all23}
    assert set(cov["Järva stadsdelsförvaltning"]) == all23 - {"sok-2023.brottsoffer"}
    # 2019 answers reach every 2023 area through the crosswalk
    hl = cov["Hägersten-Liljeholmens stadsdelsförvaltning"]
    assert set(hl) == all23 and all(v.startswith("via crosswalk") for v in hl.values())
    assert hl["sok-2023.kriminella-miljoer"] == "via crosswalk: merged_into"
    assert hl["sok-2023.unga-i-riskzon"] == "via crosswalk: renamed"
    # the 2015 categories have no place-based successor
    assert set(cov["Norrmalms stadsdelsförvaltning"]) == all23 - {"sok-2023.platser"}
    resp = {r.name: r for r in c.responders}
    assert resp["Järva stadsdelsförvaltning"].local_areas == ["Våld i nära relation"]
    assert all(not r.local_areas for n, r in resp.items() if n != "Järva stadsdelsförvaltning")
    cell = next(x for x in c.cells if x.responder.startswith("Järva") and x.area_id == "sok-2023.platser")
    assert (cell.wording, cell.evidence, cell.page) == ("Otrygga brottsutsatta platser", "Otrygga brottsutsatta platser", 1)


def test_auto_taxonomy_is_most_used_newest_on_tie():
    assert compare.build(RECORDS, "auto").taxonomy.id == "sok-2023"   # 2 × 2019, 2 × 2023, 1 × 2015
    assert compare.build(RECORDS[1:3], "auto").taxonomy.id == "sok-2019"


def test_same_document_in_two_formats_is_one_row():
    twin = gold_record("000_bf1a5e90f9748335", "Hässelby-Vällingby stadsdelsförvaltning", "2023-09-28", fmt="pdf")
    c = compare.build(RECORDS + [twin], "sok-2023")
    names = [r.name for r in c.responders]
    assert len(names) == len(set(names)) == 5
    assert next(r for r in c.responders if r.name.startswith("Hässelby")).path.endswith(".txt")


def test_same_board_twice_gets_two_rows():
    later = gold_record("003_235d45cc36fe7281", "Järva stadsdelsförvaltning", "2025-01-10")
    c = compare.build(RECORDS + [later], "sok-2023")
    assert {"Järva stadsdelsförvaltning (2024-05-23)", "Järva stadsdelsförvaltning (2025-01-10)"} <= {r.name for r in c.responders}


# ---- outputs ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def written(tmp_path_factory):
    dest = tmp_path_factory.mktemp("cmp")
    c = compare.build(RECORDS, "sok-2023")
    return c, compare.write(c, dest)


def test_tables_round_trip(written):
    c, files = written
    pq, csv = pd.read_parquet(files["parquet"]), pd.read_csv(files["csv"])
    assert len(pq) == len(csv) == 25 and list(pq.columns) == list(csv.columns)
    assert pq["covered"].sum() == sum(x.covered for x in c.cells) == 5 + 5 + 5 + 4 + 4
    m = pd.read_csv(files["matrix"])
    assert list(m["Svarande"]) == [r.name for r in c.responders]
    assert m.loc[m["Svarande"] == "Järva stadsdelsförvaltning", "Lokala områden"].item() == "Våld i nära relation"


def test_excel_one_sheet_per_view(written):
    _, files = written
    wb = load_workbook(files["xlsx"])
    assert wb.sheetnames == ["Översikt", "Evidens", "Svarande", "Områden SÖK 2023", "Versionsskillnad"]
    assert [c.value for c in wb["Översikt"][1]][:4] == ["Svarande", "Datum", "Ställningstagande",
                                                        "Unga i riskzon för destruktivt beteende"]
    assert "Citat" in [c.value for c in wb["Evidens"][1]]
    assert wb["Versionsskillnad"].max_row == 1 + 6   # six 2019 areas lead into 2023


def test_html_is_offline_and_quotes_evidence(written):
    c, files = written
    page = files["html"].read_text(encoding="utf-8")
    assert "<script" not in page and "http://" not in page and "https://" not in page and "@import" not in page
    assert page.count('<tr class="responder">') == 5
    assert page.count("<blockquote>") == sum(x.covered for x in c.cells)
    assert "<blockquote>”Otrygga brottsutsatta platser”</blockquote>" in page
    assert "Versionsskillnad sok-2019 → sok-2023" in page


# ---- version diff ---------------------------------------------------------------------

def test_diff_2019_2023():
    rows = {(r.from_id, r.to_id): r for r in compare.diff_versions("sok-2019", "sok-2023")}
    assert len(rows) == 6
    assert rows[("sok-2019.unga-i-risk", "sok-2023.unga-i-riskzon")].relation == "renamed"
    assert rows[("sok-2019.vbe", "sok-2023.kriminella-miljoer")].relation == "merged_into"
    same = rows[("sok-2019.brottsoffer", "sok-2023.brottsoffer")]
    assert same.relation == "same" and len(same.goals_added) == 3 and not same.goals_dropped
    sys_ = rows[("sok-2019.otillaten-paverkan", "sok-2023.systemhotande")]
    assert "Stärka parternas förmåga att motverka otillåten påverkan." in sys_.goals_added
    assert "otillåten påverkan" in sys_.reason.casefold()


def test_diff_across_two_steps_and_new_areas():
    rows = compare.diff_versions("sok-2015", "sok-2023")
    rel = {(r.from_id, r.to_id): r.relation for r in rows}
    assert rel[("sok-2015.ungdomar", "sok-2023.unga-i-riskzon")] == "renamed → renamed"
    assert rel[("sok-2015.organiserad-brottslighet", "sok-2023.systemhotande")] == "split_from → merged_into"
    assert rel[(None, "sok-2023.platser")] == "new"
    rows = compare.diff_versions("sok-2015", "sok-2019")
    assert {r.to_id for r in rows if r.relation == "new"} == {"sok-2019.vbe", "sok-2019.platser"}


def test_new_version_is_data_only_for_compare_and_diff(tmp_path, monkeypatch):
    for f in list((ROOT / "models/taxonomies").glob("*.yaml")) + list((ROOT / "tests/data/taxonomy-2027").glob("*.yaml")):
        shutil.copy(f, tmp_path)
    monkeypatch.setenv("REMISS_TAXONOMY_DIR", str(tmp_path))
    rows = compare.diff_versions("sok-2023", "sok-2027")
    rel = {(r.from_id, r.to_id): r.relation for r in rows}
    assert rel[("sok-2023.brottsoffer", None)] == "dropped"
    assert rel[(None, "sok-2027.vald-i-nara-relation")] == "new"
    assert rel[("sok-2023.systemhotande", "sok-2027.gangkriminalitet")] == "merged_into"
    c = compare.build(RECORDS, "sok-2027")
    assert set(covered(c)["Hässelby-Vällingby stadsdelsförvaltning"]) == {
        "sok-2027.barn-och-unga", "sok-2027.platser", "sok-2027.gangkriminalitet"}


# ---- CLI -------------------------------------------------------------------------------

def test_cli_diff_versions_and_errors(tmp_path):
    r = CliRunner().invoke(main, ["diff-versions", "sok-2019", "sok-2023", "--csv", str(tmp_path / "d.csv")],
                           terminal_width=200)
    assert r.exit_code == 0 and "merged_into" in r.output and "renamed" in r.output
    assert len(pd.read_csv(tmp_path / "d.csv")) == 6
    r = CliRunner().invoke(main, ["diff-versions", "sok-2019", "sok-1999"])
    assert r.exit_code == 2 and "sok-1999" in r.output
    r = CliRunner().invoke(main, ["compare", str(tmp_path)])
    assert r.exit_code == 2 and "records.jsonl" in r.output


# ---- the sample corpus, end to end, in a browser -----------------------------------------

@pytest.fixture(scope="module")
def seed_report(tmp_path_factory):
    from pipeline.process import process_path
    from pipeline.store import write_jsonl
    out = tmp_path_factory.mktemp("seeds")
    write_jsonl([process_path(ROOT / "corpus" / f"{s}.txt") for s in SEEDS], out / "records.jsonl")
    r = CliRunner().invoke(main, ["compare", str(out), "--taxonomy", "sok-2023"])
    assert r.exit_code == 0, r.output
    return out / "compare" / "report.html"


def test_report_heatmap_in_headless_chromium(seed_report, tmp_path):
    from PIL import Image
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    if not Path("/usr/bin/chromium").exists() or not Path("/usr/bin/chromedriver").exists():
        pytest.skip("chromium / chromedriver not installed (make install adds them)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1600,1000",
              f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        driver.get(seed_report.as_uri())
        rows = driver.find_elements(By.CSS_SELECTOR, "#heatmap tbody tr.responder")
        names = [r.find_element(By.TAG_NAME, "th").text.split("\n")[0] for r in rows]
        assert len(rows) == 5 and len(set(names)) == 5, names
        assert "Järva stadsdelsförvaltning" in names and "Trafikkontoret" in names
        assert len(driver.find_elements(By.CSS_SELECTOR, "#heatmap td.cell")) == 25
        # green of a directly covered cell is really painted
        cell = driver.find_element(By.CSS_SELECTOR, "#heatmap td.covered")
        assert cell.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
        shot = tmp_path / "report.png"
        assert driver.save_screenshot(str(shot))
    finally:
        driver.quit()
    img = Image.open(shot).convert("RGB")
    colors = img.getcolors(maxcolors=1 << 20)
    non_white = sum(n for n, c in colors if c != (255, 255, 255))
    assert len(colors) > 50 and non_white / (img.width * img.height) > 0.05
    assert any(g > r + 40 and g > b + 20 for _, (r, g, b) in colors)   # heatmap green present
