"""District comparison (responder × canonical area) and agreement-version diff.

`build(records, taxonomy)` lays the records of a run (OUT/records.jsonl) out against one
canonical list: a cell per responder and area, covered (with the match score and the
quoted evidence: page and raw offsets) or not covered, plus each responder's local extra
areas, stance and proposed decisions. A record matched against another version is carried
over through the crosswalk (models/taxonomies/crosswalk*.yaml), and the cell says so
("via crosswalk: renamed"). `taxonomy="auto"` takes the version most records use.

`write(comparison, dest)` writes cells.parquet/.csv (long), matrix.csv (wide),
comparison.xlsx (one sheet per view, readable headers) and report.html (self-contained:
inline CSS, no scripts or fonts from the network) with a heatmap and, per cell, the quote.

`diff_versions(a, b)` lists areas kept, renamed, merged, split, added and dropped between
two versions with the crosswalk's reasoning and the goals added and dropped.
"""
from __future__ import annotations

import html
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import pandas as pd
from rapidfuzz import fuzz

from . import match
from .record import Record
from .store import atomic_path, read_jsonl


@dataclass
class Responder:
    name: str
    doc_id: str
    path: str
    document_date: Optional[str]
    stance: Optional[str]
    decisions: list[str]
    taxonomy: Optional[str]
    taxonomy_reason: str
    local_areas: list[str] = field(default_factory=list)


@dataclass
class Cell:
    responder: str
    area_id: str
    area_label: str
    covered: bool
    status: str = "not covered"         # matched | ambiguous | not covered
    score: Optional[float] = None
    wording: str = ""                    # the document's own name for the area
    evidence: str = ""                   # quoted source text
    page: Optional[int] = None
    start: Optional[int] = None
    end: Optional[int] = None
    via: str = ""                        # crosswalk path when the record used another version


@dataclass
class Comparison:
    taxonomy: match.Taxonomy
    responders: list[Responder]
    cells: list[Cell]
    diff: list["DiffRow"] = field(default_factory=list)   # predecessor -> this version


@dataclass
class DiffRow:
    relation: str
    from_id: Optional[str]
    from_label: Optional[str]
    to_id: Optional[str]
    to_label: Optional[str]
    goals_added: list[str]
    goals_dropped: list[str]
    reason: str


# ---- crosswalk paths -----------------------------------------------------------------

def _version_of(area_id: str, taxonomies: dict[str, match.Taxonomy]) -> Optional[str]:
    return next((t.id for t in taxonomies.values() if any(a.id == area_id for a in t.areas)), None)


def translate(area_id: str, target: str, directory=None) -> list[tuple[str, list[match.Link]]]:
    """Areas of version `target` that `area_id` leads to through the crosswalk, with the
    links followed. Searches forward (older -> newer) and, failing that, backward."""
    taxonomies = match.load_taxonomies(directory)
    if _version_of(area_id, taxonomies) == target:
        return [(area_id, [])]
    links = [ln for ln in match.load_crosswalk(directory) if ln.from_ and ln.to]
    for forward in (True, False):
        found, queue, seen = [], deque([(area_id, [])]), {area_id}
        while queue:
            node, path = queue.popleft()
            for ln in links:
                a, b = (ln.from_, ln.to) if forward else (ln.to, ln.from_)
                if a == node and b not in seen:
                    seen.add(b)
                    if _version_of(b, taxonomies) == target:
                        found.append((b, path + [ln]))
                    else:
                        queue.append((b, path + [ln]))
        if found:
            return found
    return []


# ---- comparison ------------------------------------------------------------------------

def responder_name(rec: Record) -> str:
    """The district or board answering: the issuing body, else the addressee, else the file."""
    return rec.issuing_body or rec.recipient_body or Path(rec.source.path).stem


def load_records(out_dir: Path | str) -> list[Record]:
    path = Path(out_dir) / "records.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `remiss run … --out {out_dir}` first")
    return read_jsonl(path)


def pick_taxonomy(records: list[Record], taxonomy: Optional[str], directory=None) -> match.Taxonomy:
    if taxonomy and taxonomy != "auto":
        return match.get_taxonomy(taxonomy, directory)
    taxonomies = match.load_taxonomies(directory)
    used = Counter(r.taxonomy.id for r in records if r.taxonomy and r.taxonomy.id in taxonomies)
    if not used:
        return max(taxonomies.values(), key=lambda t: t.documents_from or "")
    # most used; ties go to the newest version
    return max((taxonomies[t] for t in used), key=lambda t: (used[t.id], t.documents_from or ""))


FORMAT_PREFERENCE = {"txt": 0, "pdf": 1, "image": 2}


def dedupe(records: list[Record]) -> list[Record]:
    """One record per document: the same answer in several files (a .txt and its PDF, an
    OCR'd scan) has the same responder, date and title; keep the best-read copy."""
    best: dict[tuple, Record] = {}
    for rec in records:
        key = (responder_name(rec), rec.document_date, (rec.title or "").casefold())
        rank = (len(rec.errors), FORMAT_PREFERENCE.get(rec.source.format, 3), len(rec.source.ocr_pages), rec.source.path)
        old = best.get(key)
        if old is None or rank < (len(old.errors), FORMAT_PREFERENCE.get(old.source.format, 3),
                                  len(old.source.ocr_pages), old.source.path):
            best[key] = rec
    return list(best.values())


def build(records: list[Record], taxonomy: Optional[str] = "auto", directory=None) -> Comparison:
    records = dedupe([r for r in records if not r.errors or r.focus_areas])
    target = pick_taxonomy(records, taxonomy, directory)
    responders, cells = [], []
    names = Counter(responder_name(r) for r in records)
    labels = Counter((responder_name(r), r.document_date) for r in records)
    for rec in sorted(records, key=lambda r: (responder_name(r), r.document_date or "", r.source.path)):
        name = responder_name(rec)
        if names[name] > 1:  # the same board answering twice: tell the answers apart
            tag = rec.document_date if labels[(name, rec.document_date)] == 1 and rec.document_date else Path(rec.source.path).stem
            name = f"{name} ({tag})"
        resp = Responder(name=name, doc_id=rec.doc_id, path=rec.source.path, document_date=rec.document_date,
                         stance=rec.stance, decisions=[d.text for d in rec.proposed_decisions],
                         taxonomy=rec.taxonomy.id if rec.taxonomy else None,
                         taxonomy_reason=rec.taxonomy.reason if rec.taxonomy else "")
        hits: dict[str, Cell] = {}
        for i, fa in enumerate(rec.focus_areas):
            if not fa.canonical_id or fa.status == "local":
                resp.local_areas.append(fa.text)
                continue
            ev = (rec.provenance.get(f"focus_areas[{i}]") or [None])[0]
            for area_id, path in translate(fa.canonical_id, target.id, directory):
                via = " → ".join(ln.relation for ln in path)
                cell = Cell(responder=name, area_id=area_id, area_label=target.area(area_id).label, covered=True,
                            status=fa.status, score=fa.score, wording=fa.text,
                            evidence=" ".join((ev.text if ev else fa.text).split()),
                            page=ev.page if ev else None, start=ev.start if ev else None,
                            end=ev.end if ev else None, via=f"via crosswalk: {via}" if via else "")
                old = hits.get(area_id)
                if old is None or (not cell.via and old.via) or (cell.score or 0) > (old.score or 0):
                    hits[area_id] = cell
        for area in target.areas:
            cells.append(hits.get(area.id) or Cell(responder=name, area_id=area.id, area_label=area.label, covered=False))
        responders.append(resp)
    return Comparison(taxonomy=target, responders=responders, cells=cells,
                      diff=_predecessor_diff(target, directory))


def _predecessor_diff(target: match.Taxonomy, directory=None) -> list[DiffRow]:
    older = [t for t in match.load_taxonomies(directory).values()
             if (t.documents_from or "") < (target.documents_from or "")]
    if not older:
        return []
    return diff_versions(max(older, key=lambda t: t.documents_from or "").id, target.id, directory)


# ---- version diff ----------------------------------------------------------------------

def _goal_diff(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[list[str], list[str]]:
    def has(goal, goals):
        return any(fuzz.token_sort_ratio(goal.casefold(), g.casefold()) >= 90 for g in goals)
    return [g for g in new if not has(g, old)], [g for g in old if not has(g, new)]


def diff_versions(a: str, b: str, directory=None) -> list[DiffRow]:
    """Areas of version `a` followed to version `b` through the crosswalk (any number of
    versions apart), plus the areas of `b` no area of `a` leads to (new)."""
    ta, tb = match.get_taxonomy(a, directory), match.get_taxonomy(b, directory)
    links = match.load_crosswalk(directory)
    rows, reached = [], set()
    for area in ta.areas:
        targets = translate(area.id, b, directory)
        if not targets:
            drop = [ln.reason for ln in links if ln.from_ == area.id and ln.to is None]
            rows.append(DiffRow("dropped", area.id, area.label, None, None, [], list(area.goals),
                                drop[0] if drop else f"no successor in {b} in the crosswalk"))
            continue
        for to_id, path in targets:
            reached.add(to_id)
            to = tb.area(to_id)
            added, dropped = _goal_diff(area.goals, to.goals)
            relation = " → ".join(ln.relation for ln in path) or "same"
            rows.append(DiffRow(relation, area.id, area.label, to.id, to.label, added, dropped,
                                " ".join(ln.reason for ln in path) or "same id in both versions"))
    for area in tb.areas:
        if area.id in reached:
            continue
        new = [ln.reason for ln in links if ln.to == area.id and ln.from_ is None]
        rows.append(DiffRow("new", None, None, area.id, area.label, list(area.goals), [],
                            new[0] if new else f"no predecessor in {a} in the crosswalk"))
    return rows


def diff_frame(rows: list[DiffRow]) -> pd.DataFrame:
    return pd.DataFrame([{"Relation": r.relation, "Från (id)": r.from_id, "Från": r.from_label,
                          "Till (id)": r.to_id, "Till": r.to_label,
                          "Mål tillagda": "\n".join(r.goals_added), "Mål borttagna": "\n".join(r.goals_dropped),
                          "Motivering": r.reason} for r in rows])


# ---- tables ------------------------------------------------------------------------------

def cells_frame(c: Comparison) -> pd.DataFrame:
    df = pd.DataFrame([asdict(x) for x in c.cells])
    df.insert(0, "taxonomy", c.taxonomy.id)
    return df


def matrix_frame(c: Comparison) -> pd.DataFrame:
    """Wide view: one row per responder, one column per canonical area."""
    by = {(x.responder, x.area_id): x for x in c.cells}
    rows = []
    for r in c.responders:
        row = {"Svarande": r.name, "Datum": r.document_date, "Ställningstagande": r.stance}
        for a in c.taxonomy.areas:
            x = by[(r.name, a.id)]
            row[a.label] = (f"✓ {x.score:g}" + (" (via crosswalk)" if x.via else "")) if x.covered else ""
        row["Lokala områden"] = "; ".join(r.local_areas)
        row["Förslag till beslut"] = "\n".join(r.decisions)
        row["Version i dokumentet"] = r.taxonomy
        rows.append(row)
    return pd.DataFrame(rows)


def responders_frame(c: Comparison) -> pd.DataFrame:
    return pd.DataFrame([{"Svarande": r.name, "Datum": r.document_date, "Ställningstagande": r.stance,
                          "Förslag till beslut": "\n".join(r.decisions), "Lokala områden": "; ".join(r.local_areas),
                          "Version": r.taxonomy, "Varför denna version": r.taxonomy_reason, "Fil": r.path,
                          "Dokument-id": r.doc_id} for r in c.responders])


def taxonomy_frame(t: match.Taxonomy) -> pd.DataFrame:
    return pd.DataFrame([{"Id": a.id, "Område": a.label, "Alias": "; ".join(a.aliases), "Beskrivning": a.description,
                          "Mål": "\n".join(a.goals)} for a in t.areas])


def write(c: Comparison, dest: Path | str) -> dict[str, Path]:
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    files = {k: dest / n for k, n in [("parquet", "cells.parquet"), ("csv", "cells.csv"), ("matrix", "matrix.csv"),
                                      ("xlsx", "comparison.xlsx"), ("html", "report.html")]}
    cells = cells_frame(c)
    with atomic_path(files["parquet"]) as p:
        cells.to_parquet(p, index=False)
    with atomic_path(files["csv"]) as p:
        cells.to_csv(p, index=False)
    with atomic_path(files["matrix"]) as p:
        matrix_frame(c).to_csv(p, index=False)
    with atomic_path(files["xlsx"]) as p:
        write_xlsx(c, p)
    with atomic_path(files["html"]) as p:
        p.write_text(render_html(c), encoding="utf-8")
    return files


def write_xlsx(c: Comparison, path: Path) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    evidence = cells_frame(c).rename(columns={
        "taxonomy": "Version", "responder": "Svarande", "area_id": "Område (id)", "area_label": "Område",
        "covered": "Täckt", "status": "Status", "score": "Poäng", "wording": "Dokumentets formulering",
        "evidence": "Citat", "page": "Sida", "start": "Start", "end": "Slut", "via": "Via"})
    sheets = {"Översikt": matrix_frame(c), "Evidens": evidence, "Svarande": responders_frame(c),
              f"Områden {c.taxonomy.short_label}"[:31]: taxonomy_frame(c.taxonomy)}
    if c.diff:
        sheets["Versionsskillnad"] = diff_frame(c.diff)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            ws.freeze_panes = "B2"
            for cell in ws[1]:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            for col in ws.columns:
                width = max(len(str(v.value or "")) for v in col[:50])
                ws.column_dimensions[col[0].column_letter].width = min(max(12, width + 2), 60)
            if name == "Översikt":
                green = PatternFill("solid", fgColor="C6EFCE")
                for row in ws.iter_rows(min_row=2):
                    for cell in row:
                        if isinstance(cell.value, str) and cell.value.startswith("✓"):
                            cell.fill = green


# ---- HTML report -----------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1b1b1b}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #bbb;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#f0f0f0}
table.heatmap td.cell{min-width:7rem}
td.covered{background:hsl(140,55%,var(--l,70%))}
td.via{background:#cfe3f7}
td.ambiguous{background:#ffe8a3}
td.none{background:#f6f6f6;color:#888}
td.stance-positive{color:#196c2e;font-weight:600}td.stance-negative{color:#9b1c1c;font-weight:600}
details summary{cursor:pointer}
blockquote{margin:.3rem 0;padding:.2rem .5rem;border-left:3px solid #555;background:rgba(255,255,255,.6)}
.small{font-size:.75rem;color:#555}
.legend span{display:inline-block;padding:.15rem .6rem;margin-right:.4rem;border:1px solid #bbb}
"""


def _e(s) -> str:
    return html.escape("" if s is None else str(s))


def _cell_html(x: Cell) -> str:
    if not x.covered:
        return '<td class="cell none" title="inte täckt">–</td>'
    cls = "via" if x.via else "ambiguous" if x.status == "ambiguous" else "covered"
    light = 80 - 0.3 * min(max((x.score or 0) - 50, 0), 50)   # higher score, darker green
    where = f"sida {x.page}, tecken {x.start}–{x.end}" if x.page is not None else "ingen källposition"
    return (f'<td class="cell {cls}" style="--l:{light:.0f}%" data-area="{_e(x.area_id)}">'
            f'<details><summary>✓ {x.score:g}{" (" + _e(x.status) + ")" if x.status == "ambiguous" else ""}</summary>'
            f'<blockquote>”{_e(x.evidence)}”</blockquote><div class="small">{_e(where)}'
            f'{"<br>" + _e(x.via) if x.via else ""}</div></details></td>')


def render_html(c: Comparison) -> str:
    t = c.taxonomy
    by = {(x.responder, x.area_id): x for x in c.cells}
    head = "".join(f'<th title="{_e(a.id)}">{_e(a.label)}</th>' for a in t.areas)
    rows = []
    for r in c.responders:
        cells = "".join(_cell_html(by[(r.name, a.id)]) for a in t.areas)
        local = "<br>".join(_e(x) for x in r.local_areas) or "–"
        decisions = "<br>".join(_e(d) for d in r.decisions) or "–"
        rows.append(f'<tr class="responder"><th scope="row">{_e(r.name)}<div class="small">'
                    f'{_e(" · ".join(x for x in (r.document_date, r.taxonomy or "ingen version") if x))}</div></th>{cells}<td>{local}</td>'
                    f'<td class="stance-{_e(r.stance)}">{_e(r.stance or "–")}</td><td class="small">{decisions}</td></tr>')
    covered = sum(x.covered for x in c.cells)
    goals = "".join(f"<li><b>{_e(a.label)}</b>{'<ol>' + ''.join(f'<li>{_e(g)}</li>' for g in a.goals) + '</ol>' if a.goals else ''}</li>"
                    for a in t.areas)
    diff = ""
    if c.diff:
        drows = "".join(
            f"<tr><td>{_e(d.relation)}</td><td>{_e(d.from_label or '–')}</td><td>{_e(d.to_label or '–')}</td>"
            f"<td>{'<br>'.join(_e(g) for g in d.goals_added) or '–'}</td><td>{'<br>'.join(_e(g) for g in d.goals_dropped) or '–'}</td>"
            f"<td class='small'>{_e(d.reason)}</td></tr>" for d in c.diff)
        prev = c.diff[0].from_id.split(".")[0] if c.diff[0].from_id else ""
        diff = (f"<h2>Versionsskillnad {_e(prev)} → {_e(t.id)}</h2><table id='diff'><tr><th>Relation</th><th>Från</th>"
                f"<th>Till</th><th>Mål tillagda</th><th>Mål borttagna</th><th>Motivering</th></tr>{drows}</table>")
    reasons = "".join(f"<li>{_e(r.name)}: {_e(r.taxonomy_reason or '–')}</li>" for r in c.responders)
    return f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>Jämförelse {_e(t.short_label)}</title>
<style>{CSS}</style></head><body>
<h1>Svar per stadsdel/nämnd och prioriterat område – {_e(t.label)}</h1>
<p>{len(c.responders)} svarande, {len(t.areas)} områden, {covered} täckta celler. Klicka på en cell för citatet ur dokumentet.</p>
<p class="legend"><span style="background:hsl(140,55%,65%)">täckt (mörkare = högre poäng)</span><span style="background:#cfe3f7">täckt via crosswalk från annan version</span><span style="background:#ffe8a3">tvetydig</span><span style="background:#f6f6f6">inte täckt</span></p>
<table class="heatmap" id="heatmap"><thead><tr><th>Svarande</th>{head}<th>Lokala områden</th><th>Ställningstagande</th><th>Förslag till beslut</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<h2>Områden och mål ({_e(t.short_label)})</h2><ul>{goals}</ul>
<p class="small">Källa: {_e(t.source.get('document', ''))}</p>
{diff}
<h2>Version per dokument</h2><ul class="small">{reasons}</ul>
</body></html>
"""
