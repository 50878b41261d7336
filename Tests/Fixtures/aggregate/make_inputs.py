#!/usr/bin/env python3
"""Writes the INPUT fixtures of the aggregate tests (normalized organizations.csv and
funding.csv, the format of Sources/SectorStats/Normalize/NormalizedTables.swift).

Only the inputs are generated, because USCC check characters are tedious by hand. The
expected outputs (small/expected/*.csv) were worked out by hand from the tables below;
see the comments in Tests/SectorStatsTests/Aggregate/AggregateFixtureTests.swift.

    python3 Tests/Fixtures/aggregate/make_inputs.py
"""
import csv
import io
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(category, region, serial):
    """A valid code: 5 (civil affairs), category, region, GB 11714 code, GB 32100 check."""
    body = "%08d" % serial
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    c9 = 11 - sum(int(d) * w for d, w in zip(body, weights)) % 11
    org = body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
    first17 = "5" + str(category) + "%06d" % region + org
    total = sum(ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return first17 + ALPHABET[(31 - total % 31) % 31]


def write(path, header, rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    for row in rows:
        w.writerow(row)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(out.getvalue())


ORG_COLUMNS = ["uscc", "name", "org_type", "authority", "registered_on", "status", "deregistered_on",
               "capital_fen", "legal_rep", "supervisor", "scope", "address", "region_code", "province_code",
               "county_code", "is_community", "is_charity", "source", "line"]
FUNDING_COLUMNS = ["record_id", "recipient_uscc", "recipient_name", "source_type", "funder", "funder_industry",
                   "amount_fen", "cash_fen", "in_kind_fen", "received_on", "purpose", "beneficiary_region_code",
                   "beneficiaries", "source", "line"]
CATEGORY = {"association": 1, "social_service": 2, "foundation": 3, "other": 9}
COUNTIES = {110101, 110108, 420102, 420103, 420106, 440106}

# key, region, org_type, registered_on, deregistered_on
ORGS = [
    ("B1", 110108, "association", "2016-03-01", ""),
    ("B2", 110108, "association", "2016-07-15", ""),
    ("B3", 110101, "social_service", "2016-11-30", ""),
    ("B4", 110101, "social_service", "2017-05-05", "2019-06-30"),
    ("B5", 110108, "foundation", "2018-01-10", ""),
    ("B6", 110000, "association", "2018-12-31", ""),
    ("B7", 110108, "social_service", "2019-02-01", ""),
    ("B8", 110101, "association", "2020-04-01", "2020-10-01"),
    ("B9", 110108, "social_service", "2021-06-01", ""),
    ("B10", 110101, "foundation", "2022-03-03", ""),
    ("H1", 420103, "association", "2016-05-01", ""),
    ("H2", 420102, "social_service", "2016-08-08", ""),
    ("H3", 420100, "foundation", "2017-01-01", ""),
    ("H4", 420106, "association", "2017-09-09", "2021-01-01"),
    ("H5", 420103, "social_service", "2018-03-03", ""),
    ("H6", 420102, "association", "2019-12-31", ""),
    ("H7", 420106, "social_service", "2020-01-20", ""),
    ("H8", 420103, "other", "2020-02-02", ""),
    ("H9", 420102, "foundation", "2021-05-05", "2022-08-01"),
    ("H10", 420106, "social_service", "2022-01-15", ""),
    ("N1", 100000, "foundation", "2016-01-01", ""),
    ("N2", 100000, "association", "2018-06-06", ""),
    ("N3", 100000, "association", "2019-09-09", "2022-01-10"),
    ("G1", 440106, "social_service", "2021-03-03", ""),
    ("G2", 440106, "association", "2022-09-30", ""),
]

CODES = {key: uscc(CATEGORY[t], region, 50_000_000 + i) for i, (key, region, t, _, _) in enumerate(ORGS)}
# Recipients that match no organization: not a code, a letter outside the alphabet, and a
# valid code nobody registered.
CODES["U1"] = "NOTAUSCC"
CODES["U2"] = "51420103I0000000AX"
CODES["U3"] = uscc(1, 420103, 59_999_999)

# id, recipient, source_type, funder, industry, amount, cash, in_kind, received_on, purpose, beneficiaries
IT = "信息传输、软件和信息技术服务业"
FUNDING = [
    ("R01", "B1", "corporate", "甲科技有限公司", IT, 10000000, 10000000, 0, "2019-05-10", "教育", 0),
    ("R02", "H1", "corporate", "甲科技有限公司", IT, 50000000, 30000000, 20000000, "2020-02-01", "疫情防控", 1000),
    ("R03", "H5", "corporate", "乙银行股份有限公司", "金融业", 200000000, 200000000, 0, "2020-02-03", "疫情防控", 5000),
    ("R04", "H3", "corporate", "丙集团", "制造业", 30000000, None, None, "2020-02-05", "疫情防控", 2000),
    ("R05", "H4", "individual", "张三", "", 100000, 100000, 0, "2020-02-10", "疫情防控", 10),
    ("R06", "B4", "corporate", "丙集团", "制造业", 5000000, 0, 5000000, "2020-03-01", "疫情防控", 300),
    ("R07", "B8", "corporate", "丁公司", "建筑业", 8000000, 8000000, 0, "2020-03-15", "救灾", 100),
    ("R08", "B1", "corporate", "丁公司", "房地产业", 12000000, 12000000, 0, "2020-04-01", "救灾", 400),
    ("R09", "B1", "government_purchase", "", "", 6000000, None, None, "2020-04-02", "扶贫", 50),
    ("R10", "N1", "foundation_grant", "戊基金会", "", 100000000, 100000000, 0, "2020-05-05", "疫情防控", 20000),
    ("R11", "U1", "corporate", "丙集团", "批发和零售业", 4000000, 4000000, 0, "2020-06-06", "疫情防控", 0),
    ("R12", "H7", "individual", "张三", "", 50050, None, None, "2020-07-07", "养老", 5),
    ("R13", "H2", "corporate", "Acme, Inc.", "制造业", 3200000, 3100000, 100000, "2020-08-08", "疫情防控", 40),
    ("R14", "H8", "other", "", "", 1000000, None, None, "2020-09-09", "救灾", 30),
    ("R15", "H6", "individual", "李四", "", 200000, 200000, 0, "2020-12-31", "疫情防控", 20),
    ("R16", "B5", "corporate", "甲科技有限公司", IT, 20000000, 20000000, 0, "2021-01-15", "教育", 0),
    ("R17", "H5", "government_subsidy", "", "", 15000000, None, None, "2021-03-03", "养老", 0),
    ("R18", "G1", "corporate", "己公司", "制造业", 1000000, 1000000, 0, "2021-04-04", "教育", 0),
    ("R19", "B7", "corporate", "戊公司", "制造业", 1000000, 0, 1000000, "2021-05-05", "教育", 0),
    ("R20", "B9", "corporate", "丙集团", "制造业", 32000, 31000, 1000, "2021-06-06", "助残", 0),
    ("R21", "N2", "lottery_fund", "", "", 8888888, None, None, "2021-07-07", "儿童", 0),
    ("R22", "U2", "individual", "张三", "", 10000, 10000, 0, "2021-08-08", "教育", 0),
    ("R23", "H9", "corporate", "乙银行股份有限公司", "金融业", 30000000, 30000000, 0, "2022-01-05", "救灾", 0),
    ("R24", "H10", "government_purchase", "", "", 25000000, None, None, "2022-02-02", "脱贫攻坚", 800),
    ("R25", "H1", "corporate", "丙集团", "制造业", 7500000, 2500000, 5000000, "2022-03-03", "应急救援", 150),
    ("R26", "H5", "corporate", "甲科技有限公司", IT, 10000000, 10000000, 0, "2022-04-04", "脱贫攻坚", 600),
    ("R27", "G1", "individual", "王五", "", 500000, 500000, 0, "2022-05-05", "应急救援", 12),
    ("R28", "B6", "corporate", "乙银行股份有限公司", "金融业", 4000000, 0, 4000000, "2022-06-06", "扶贫", 90),
    ("R29", "N3", "corporate", "甲科技有限公司", IT, 6000000, 6000000, 0, "2022-07-07", "疫情防控", 0),
    ("R30", "B10", "corporate", "乙银行股份有限公司", "金融业", 9000000, 9000000, 0, "2022-08-08", "乡村振兴", 0),
    ("R31", "U3", "corporate", "丁公司", "", 100000, 100000, 0, "2022-09-30", "疫情防控", 0),
    ("R32", "G2", "individual", "王五", "", 100000, None, None, "2022-09-30", "救灾", 3),
]


def small():
    rows = []
    for i, (key, region, t, reg, dereg) in enumerate(ORGS):
        province = 100000 if region == 100000 else region // 10000 * 10000
        county = region if region in COUNTIES else ""
        scope = "开展%s的活动,\n\"公益\"服务" % key if i % 3 == 0 else "社会服务"
        rows.append([CODES[key], "组织%s" % key, t, "民政局", reg, "deregistered" if dereg else "active", dereg,
                     100000000 + i, "法人%s" % key, "", scope, "地址, %d号" % i, region, province, county,
                     "false", "", "registrations.csv", i + 2])
    write(os.path.join(HERE, "small", "organizations.csv"), ORG_COLUMNS, rows)

    rows = []
    for i, (rid, to, source, funder, industry, amount, cash, in_kind, day, purpose, ben) in enumerate(FUNDING):
        rows.append([rid, CODES[to], "受赠方%s" % to, source, funder, industry, amount,
                     "" if cash is None else cash, "" if in_kind is None else in_kind, day, purpose, "", ben,
                     "funding.csv", i + 2])
    write(os.path.join(HERE, "small", "funding.csv"), FUNDING_COLUMNS, rows)


def covid():
    """DATA.md: 112 companies gave 92.779592亿 yuan (9277959200.00), of which 51.571938亿
    (5157193800.00) cash and securities, so 4120765400.00 in kind (44.41 %). The firms are
    made up (firm i gives in proportion to 113 − i, the rounding remainder going one fen at
    a time to the first firms); the aggregates hold exactly, as the asserts check."""
    total_cash = 515719380000  # fen
    total_kind = 412076540000
    n = 112
    weights = [n + 1 - i for i in range(n)]
    cash = [total_cash * w // sum(weights) for w in weights]
    kind = [total_kind * w // sum(weights) for w in weights]
    for i in range(total_cash - sum(cash)):
        cash[i] += 1
    for i in range(total_kind - sum(kind)):
        kind[i] += 1
    assert sum(cash) == total_cash and sum(kind) == total_kind
    assert sum(cash) + sum(kind) == 927795920000
    rows = []
    for i in range(n):
        day = "2020-%02d-%02d" % (1 + i % 3, 1 + i % 28)
        rows.append(["C%03d" % (i + 1), CODES["U3"], "湖北省慈善总会", "corporate", "企业%03d" % (i + 1), "制造业",
                     cash[i] + kind[i], cash[i], kind[i], day, "疫情防控", "420000", 0, "covid_donations.csv", i + 2])
    write(os.path.join(HERE, "covid", "funding.csv"), FUNDING_COLUMNS, rows)


if __name__ == "__main__":
    small()
    covid()
