#!/usr/bin/env python3
"""Reads a `sectorstats report` workbook back with openpyxl (an independent reader) and
checks it against the published folder it was made from:

  check_workbook.py REPORT.xlsx PUBLISHED_FOLDER zh|en [PUBLISHED_FIGURES.csv]

- the sheets, in order; every table sheet's cells equal the published table's values, with
  numbers as numeric cells in the right number format, a frozen header row and a filter;
- the About sheet names every input with its SHA-256 and counts every quarantined row;
- the six charts exist, are of the right type, and each series' ranges (the <c:f> formulas
  in xl/charts/chartN.xml) hold the values computed here from the tables.
Prints one line per failure and exits 1 when there is any."""
import re
import sys
import zipfile

import openpyxl
from openpyxl.utils import range_boundaries

import csv

from tables import KINDS, TABLES, charts, manifest, num, read_table

SHEETS = {
    "zh": ["说明", "登记年度统计", "增长趋势", "资金汇总", "救助覆盖", "主要捐赠方", "图表"],
    "en": ["About", "Registrations by year", "Growth trends", "Funding summary", "Relief coverage", "Top funders", "Charts"],
}
FORMATS = {"y": "#,##0.00", "p": "0.00%"}
CHART_TYPES = {"stock": "lineChart", "yoy": "barChart", "funding_purpose": "barChart", "cash_in_kind": "barChart",
               "relief_province": "barChart", "top_funders": "barChart"}
BAR_DIR = {"yoy": "col", "funding_purpose": "col", "cash_in_kind": "col", "relief_province": "bar", "top_funders": "bar"}

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def check_tables(wb, folder, lang):
    for i, name in enumerate(TABLES):
        ws = wb[SHEETS[lang][i + 1]]
        header, rows = read_table(folder, name)
        kinds = KINDS[name]
        got = list(ws.iter_rows())
        if len(got) - 1 != len(rows):
            fail(f"{name}: {len(got) - 1} data rows in the sheet, {len(rows)} in the table")
        titles = [c.value for c in got[0]]
        if len(titles) != len(header) or not all(isinstance(t, str) and t for t in titles):
            fail(f"{name}: header row {titles}, expected {len(header)} titles")
        if ws.freeze_panes != "A2":
            fail(f"{name}: frozen panes {ws.freeze_panes}, expected A2")
        if not (ws.auto_filter.ref or "").startswith("A1:"):
            fail(f"{name}: no autofilter on the header row ({ws.auto_filter.ref})")
        for r, (row, cells) in enumerate(zip(rows, got[1:]), start=2):
            for c, (value, kind) in enumerate(zip(row, kinds)):
                cell = cells[c] if c < len(cells) else None
                v = cell.value if cell is not None else None
                where = f"{name}!{cell.coordinate if cell is not None else c}"
                if kind == "t":
                    if (v or "") != value:
                        fail(f"{where}: {v!r} != {value!r}")
                    continue
                if value == "":
                    if v is not None:
                        fail(f"{where}: {v!r} where the table is empty")
                    continue
                if cell.data_type != "n" or not isinstance(v, (int, float)):
                    fail(f"{where}: not a numeric cell ({cell.data_type}, {v!r})")
                    continue
                expected = num(value) / 100 if kind == "p" else num(value)
                if not close(float(v), expected):
                    fail(f"{where}: {v!r} != {value}")
                want = FORMATS.get(kind) or ("0" if header[c] == "year" else "#,##0")
                if cell.number_format != want:
                    fail(f"{where}: number format {cell.number_format!r}, expected {want!r}")
                if len(failures) > 20:
                    return


def check_about(wb, folder, lang):
    ws = wb[SHEETS[lang][0]]
    cells = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    m = manifest(folder)
    for i in m["inputs"]:
        if i["sha256"] not in cells or i["path"] not in cells:
            fail(f"About: input {i['path']} or its SHA-256 is missing")
    # The quarantine block: (file, reason, rows) rows whose counts add up to the manifest's.
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    reasons = {"csv_malformed", "field_count", "encoding", "missing_required", "uscc_format", "uscc_check", "orgcode_check",
               "type_unknown", "status_unknown", "date_impossible", "date_future", "dereg_date_missing", "date_order",
               "region_unknown", "amount_garbage", "amount_negative", "split_mismatch", "source_unknown", "count_garbage"}
    counted = sum(r[2] for r in rows if len(r) > 2 and r[1] in reasons and isinstance(r[2], (int, float)))
    total = sum(i["quarantined"] for i in m["inputs"])
    if counted != total:
        fail(f"About: quarantine by reason adds up to {counted}, the manifest says {total}")


def check_published(wb, path, figures):
    with open(figures, encoding="utf-8", newline="") as f:
        stock = {r["year"]: float(r["value"]) for r in csv.DictReader(f) if r["metric"] == "active_stock"}
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/charts/chart1.xml").decode("utf-8")
    sers = re.findall(r"<c:ser>(.*?)</c:ser>", xml, re.S)
    if len(sers) != 2:
        fail(f"stock chart: {len(sers)} series, expected computed and published")
        return
    cats = [str(v) for v in resolve(wb, re.search(r"<c:cat>.*?<c:f>(.*?)</c:f>", sers[1], re.S).group(1))]
    vals = resolve(wb, re.search(r"<c:val>.*?<c:f>(.*?)</c:f>", sers[1], re.S).group(1))
    got = {c: v for c, v in zip(cats, vals) if v is not None}
    want = {y: v for y, v in stock.items() if y in cats}
    if got != want:
        fail(f"stock chart: published points {got}, expected {want}")


def resolve(wb, formula):
    m = re.match(r"^'?(.*?)'?!(.*)$", formula)
    sheet, ref = m.group(1).replace("''", "'"), m.group(2).replace("$", "")
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    ws = wb[sheet]
    return [ws.cell(row=r, column=c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


def check_charts(wb, path, folder, lang):
    expected = [c for c in charts(folder) if c[1]]
    with zipfile.ZipFile(path) as z:
        names = sorted((n for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)), key=lambda n: int(re.findall(r"\d+", n)[0]))
        xmls = [z.read(n).decode("utf-8") for n in names]
    if len(xmls) != len(expected):
        fail(f"{len(xmls)} charts in the workbook, expected {len(expected)}")
        return
    for (cid, categories, series), xml in zip(expected, xmls):
        if f"<c:{CHART_TYPES[cid]}>" not in xml:
            fail(f"chart {cid}: not a {CHART_TYPES[cid]}")
        if cid in BAR_DIR and f'<c:barDir val="{BAR_DIR[cid]}"/>' not in xml:
            fail(f"chart {cid}: bars not in direction {BAR_DIR[cid]}")
        sers = re.findall(r"<c:ser>(.*?)</c:ser>", xml, re.S)
        # The stock chart may carry a published-figures series after the computed one.
        if len(sers) < len(series) or (cid != "stock" and len(sers) != len(series)):
            fail(f"chart {cid}: {len(sers)} series, expected {len(series)}")
            continue
        for k, values in enumerate(series):
            cat = re.search(r"<c:cat>.*?<c:f>(.*?)</c:f>", sers[k], re.S)
            val = re.search(r"<c:val>.*?<c:f>(.*?)</c:f>", sers[k], re.S)
            if not cat or not val:
                fail(f"chart {cid} series {k}: no category or value range")
                continue
            got_cats = [str(v) for v in resolve(wb, cat.group(1))]
            if got_cats != categories:
                fail(f"chart {cid} series {k}: categories {cat.group(1)} hold {got_cats[:5]}…, expected {categories[:5]}…")
            got = resolve(wb, val.group(1))
            bad = [i for i, (g, e) in enumerate(zip(got, values))
                   if (e is None) != (g is None) or (e is not None and not (isinstance(g, (int, float)) and close(float(g), e)))]
            if len(got) != len(values) or bad:
                fail(f"chart {cid} series {k}: values {val.group(1)} differ from the tables (first at {bad[:1]})")


def main():
    path, folder, lang = sys.argv[1], sys.argv[2], sys.argv[3]
    wb = openpyxl.load_workbook(path)
    if wb.sheetnames != SHEETS[lang]:
        fail(f"sheets {wb.sheetnames}, expected {SHEETS[lang]}")
    else:
        check_tables(wb, folder, lang)
        check_about(wb, folder, lang)
        check_charts(wb, path, folder, lang)
        if len(sys.argv) > 4:
            check_published(wb, path, sys.argv[4])
    print(f"check_workbook: {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
