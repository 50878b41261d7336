"""The published tables read independently of sectorstats (csv + gzip + Decimal), and the
figures the report must show, computed here a second way. Shared by check_workbook.py and
check_html.py."""
import csv
import gzip
import io
import json
import os
from decimal import Decimal

TABLES = ["registrations_by_year", "growth_trends", "funding_summary", "relief_coverage", "top_funders"]

# Column kinds as DATA.md §4 defines them: i = integer, y = yuan, p = percentage, t = text.
KINDS = {
    "registrations_by_year": "itttiiip",
    "growth_trends": "ttiiippp",
    "funding_summary": "ittiyyyyp",
    "relief_coverage": "ittiipyiiip",
    "top_funders": "ittiyyypp",
}

PURPOSES = ["疫情防控", "救灾", "应急救援", "脱贫攻坚", "乡村振兴", "扶贫", "养老", "助残", "儿童", "教育", "医疗", "环保", "社区服务", "其他"]
SOURCES = ["corporate", "individual", "foundation_grant", "government_purchase", "government_subsidy", "lottery_fund", "other"]


def read_table(folder, name):
    with gzip.open(os.path.join(folder, name + ".csv.gz"), "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def manifest(folder):
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def col(header, name):
    return header.index(name)


def pick(years, as_of):
    years = set(years)
    if not years:
        return None
    return as_of if as_of in years else max(years)


def fen_text(d):
    return f"{d:.2f}"


def headlines(folder):
    """data-figure id -> (year, exact published text)."""
    as_of = int(manifest(folder)["as_of"][:4])
    out = {}
    h, rows = read_table(folder, "growth_trends")
    nat = [r for r in rows if r[col(h, "scope_code")] == "000000"]
    y = pick([int(r[col(h, "year")]) for r in nat], as_of)
    for r in nat:
        if int(r[col(h, "year")]) == y:
            for k in ["active_end", "net_change", "yoy_pct"]:
                out[k] = (y, r[col(h, k)])
    h, rows = read_table(folder, "funding_summary")
    y = pick([int(r[0]) for r in rows], as_of)
    if y is not None:
        for fid, c in [("funding_total", "total_yuan"), ("funding_cash", "cash_yuan"), ("funding_in_kind", "in_kind_yuan")]:
            total = sum((Decimal(r[col(h, c)] or "0") for r in rows if int(r[0]) == y), Decimal("0"))
            out[fid] = (y, fen_text(total))
    h, rows = read_table(folder, "relief_coverage")
    nat = [r for r in rows if r[col(h, "province_code")] == "000000"]
    y = pick([int(r[0]) for r in nat], as_of)
    for r in nat:
        if int(r[0]) == y:
            for k in ["relief_orgs", "relief_org_share_pct", "relief_yuan", "county_coverage_pct"]:
                out[k] = (y, r[col(h, k)])
    return out


def num(s):
    return None if s == "" else float(Decimal(s))


def charts(folder):
    """The six charts in workbook order: (id, categories, [(series values)]); percentages as
    fractions, as the workbook holds them."""
    out = []
    h, rows = read_table(folder, "growth_trends")
    nat = [r for r in rows if r[col(h, "scope_code")] == "000000"]
    years = [r[col(h, "year")] for r in nat]
    out.append(("stock", years, [[num(r[col(h, "active_end")]) for r in nat]]))
    out.append(("yoy", years, [[None if r[col(h, "yoy_pct")] == "" else num(r[col(h, "yoy_pct")]) / 100 for r in nat]]))

    h, rows = read_table(folder, "funding_summary")
    fyears = sorted({int(r[0]) for r in rows})
    latest = [r for r in rows if fyears and int(r[0]) == fyears[-1]]
    purposes = [p for p in PURPOSES if any(r[1] == p for r in latest)]
    sources = [s for s in SOURCES if any(r[2] == s for r in latest)]
    out.append(("funding_purpose", purposes,
                [[float(sum((Decimal(r[4]) for r in latest if r[1] == p and r[2] == s), Decimal(0))) for p in purposes] for s in sources]))
    out.append(("cash_in_kind", [str(y) for y in fyears],
                [[float(sum((Decimal(r[col(h, c)]) for r in rows if int(r[0]) == y), Decimal(0))) for y in fyears]
                 for c in ["cash_yuan", "in_kind_yuan", "unsplit_yuan"]]))

    h, rows = read_table(folder, "relief_coverage")
    ryears = [int(r[0]) for r in rows]
    prov = [r for r in rows if ryears and int(r[0]) == max(ryears) and r[1] != "000000"]
    out.append(("relief_province", [r[2] for r in prov],
                [[None if r[col(h, "relief_org_share_pct")] == "" else num(r[col(h, "relief_org_share_pct")]) / 100 for r in prov]]))

    h, rows = read_table(folder, "top_funders")
    top = rows[:20]
    out.append(("top_funders", [r[1] for r in top], [[num(r[col(h, "total_yuan")]) for r in top]]))
    return out
