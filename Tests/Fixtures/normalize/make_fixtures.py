#!/usr/bin/env python3
"""Writes the normalize-stage fixtures: one registration and one funding export, each in
UTF-8 and in GB18030, with one row per problem DATA.md lists. The expectations live in
Tests/SectorStatsTests/Merge/PartialsAndMergeTests.swift, line by line.
USCCs are built from the GB 32100 / GB 11714 rules here, independently of the Swift code."""

ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W = [pow(3, i, 31) for i in range(17)]
OW = [3, 7, 9, 10, 5, 8, 4, 2]

def orgcode(body8):
    s = sum(int(c, 36) * w for c, w in zip(body8, OW))
    c = 11 - s % 11
    return body8 + ("X" if c == 10 else "0" if c == 11 else str(c))

def check(s17):
    s = sum(ALPHA.index(c) * w for c, w in zip(s17, W))
    return ALPHA[(31 - s % 31) % 31]

def uscc(cat, region, body8):
    s17 = "5" + cat + region + orgcode(body8)
    return s17 + check(s17)

A = uscc("1", "110108", "MJ0012A1")      # association, 海淀区
B = uscc("3", "420000", "MJ0003B2")      # foundation, 湖北省
C = uscc("9", "440106", "MJ0200E5")      # category 9, empty type → other
D = uscc("1", "510107", "MJ0300F6")      # category 1 but type 基金会 → warning
N = uscc("3", "100000", "MJ0000D4")      # national-level (民政部)
R = uscc("2", "110103", "MJ0500H8")      # retired code 崇文区 (1980–2009)
H = uscc("2", "420103", "MJ0100C3")      # region column as a joined name
X = uscc("1", "310115", "MJ0400G7")      # deregistered with a date
bad_check = A[:17] + ("0" if A[17] != "0" else "1")
# Organization code digit wrong, but the overall check character recomputed to match.
oc_body = "MJ0700K1"
good_oc = orgcode(oc_body)
wrong_digit = "0" if good_oc[8] != "0" else "1"
s17 = "51510000" + oc_body + wrong_digit
bad_orgcode = s17 + check(s17)
U = uscc("1", "530000", "MJ0800L2")      # used by rows that fail later checks

REG_HEADER = "社会组织名称,统一社会信用代码,社会组织类型,登记管理机关,成立登记日期,登记状态,注销日期,注册资金(万元),行政区划代码,社区社会组织,备注"
reg_rows = [
    f"北京市海淀区社区养老服务协会,{A},社会团体,海淀区民政局,2015-03-12,正常,,10,110108,是,",          # 2 superseded by 24
    f"湖北省慈善总会,{B},基金会,湖北省民政厅,2020年12月8日,存续,,300万,,否,",                        # 3 ok, region from USCC
    f"四川省某\"协会,{U},社会团体,四川省民政厅,2020-01-01,正常,,1,,否,",                            # 4 csv_malformed
    f"多列协会,{U},社会团体,四川省民政厅,2020-01-01,正常,,1,,否,,多余",                               # 5 field_count
    "ENCODING",                                                                                     # 6 encoding
    f",{U},社会团体,云南省民政厅,2020-01-01,正常,,1,,否,",                                             # 7 missing_required name
    f"格式错误协会,{U[:17]},社会团体,云南省民政厅,2020-01-01,正常,,1,,否,",                           # 8 uscc_format
    f"校验错误协会,{bad_check},社会团体,海淀区民政局,2020-01-01,正常,,1,,否,",                        # 9 uscc_check
    f"机构代码错误协会,{bad_orgcode},社会团体,四川省民政厅,2020-01-01,正常,,1,,否,",                  # 10 orgcode_check
    f"类型错误协会,{U},协会组织,云南省民政厅,2020-01-01,正常,,1,,否,",                                # 11 type_unknown
    f"类型为空协会,{U},,云南省民政厅,2020-01-01,正常,,1,,否,",                                        # 12 missing_required type
    f"状态错误协会,{U},社会团体,云南省民政厅,2020-01-01,暂停,,1,,否,",                                # 13 status_unknown
    f"日期错误协会,{U},社会团体,云南省民政厅,2020-02-30,正常,,1,,否,",                                # 14 date_impossible
    f"未来日期协会,{U},社会团体,云南省民政厅,2099-01-01,正常,,1,,否,",                                # 15 date_future
    f"注销日期错误协会,{U},社会团体,云南省民政厅,2020-01-01,注销,2021-13-01,1,,否,",                  # 16 date_impossible (deregistered_on)
    f"缺注销日期协会,{U},社会团体,云南省民政厅,2020-01-01,注销,,1,,否,",                              # 17 dereg_date_missing
    f"日期颠倒协会,{U},社会团体,云南省民政厅,2020-01-01,注销,2019-06-30,1,,否,",                      # 18 date_order
    f"区划错误协会,{U},社会团体,云南省民政厅,2020-01-01,正常,,1,999999,否,",                          # 19 region_unknown
    f"资金错误协会,{U},社会团体,云南省民政厅,2020-01-01,正常,,12万3,,否,",                            # 20 amount_garbage
    f"资金为负协会,{U},社会团体,云南省民政厅,2020-01-01,正常,,-5,,否,",                               # 21 amount_negative
    f"广州市越秀区某组织,{C},,越秀区民政局,2018/5/20,,,5,,Y,",                                       # 22 ok: other
    f"成都市武侯区某协会,{D},基金会,武侯区民政局,20160901,正常,,3,,N,",                               # 23 ok + type_uscc_mismatch
    f"北京市海淀区社区养老服务协会（更名）,{A.lower()},association,海淀区民政局,2015-03-12,正常,,１０,110108,1,",  # 24 ok, supersedes 2
    f"中国乡村发展基金会,{N},基金会,民政部,44173,正常,,8000万元,,0,",                                 # 25 ok national
    f"北京市崇文区某服务中心,{R},社会服务机构,崇文区民政局,2005.6.1,正常,,2,,false,",                  # 26 ok retired region
    f"武汉市江汉区阳光助残服务中心,{H},民办非企业单位,江汉区民政局,2018年5月20日,正常,,5,湖北省武汉市江汉区,true,",  # 27 ok joined name
    f"上海市浦东新区环保志愿者协会,{X},社会团体,浦东新区民政局,2010-01-05,注销,2019-05-01,20,310115,否,",  # 28 ok deregistered
]

FUND_HEADER = "记录编号,受赠组织统一社会信用代码,受赠组织名称,资金来源,捐赠方,捐赠方行业,金额,其中现金及有价证券,物资折价,捐赠日期,用途,受益地区,受益人次"
fund_rows = [
    f"F1,{B},湖北省慈善总会,企业捐赠,某科技公司,信息传输、软件和信息技术服务业,7.4亿元,5亿,,2020-02-01,疫情防控,湖北省,1.2万",  # 2 ok
    "F2,X,某,企业\"捐赠,某,某,1,,,2020-02-01,救灾,,",                                                # 3 csv_malformed
    "F3,X,某,企业捐赠,某,某,1,,,2020-02-01,救灾,,,多余",                                              # 4 field_count
    "ENCODING",                                                                                       # 5 encoding
    f",{B},湖北省慈善总会,企业捐赠,某,某,1,,,2020-02-01,救灾,,",                                        # 6 missing_required record_id
    f"F6,{B},湖北省慈善总会,企业捐赠,某,某,1,,,2020-02-01,,,",                                          # 7 missing_required purpose
    f"F7,{B},湖北省慈善总会,众筹,某,某,1,,,2020-02-01,救灾,,",                                          # 8 source_unknown
    f"F8,{B},湖北省慈善总会,企业捐赠,某,某,abc,,,2020-02-01,救灾,,",                                    # 9 amount_garbage
    f"F9,{B},湖北省慈善总会,企业捐赠,某,某,,-1,,2020-02-01,救灾,,",                                     # 10 amount_negative (cash)
    f"F10,{B},湖北省慈善总会,企业捐赠,某,某,,100,,2020-02-01,救灾,,",                                    # 11 missing_required amount
    f"F11,{B},湖北省慈善总会,企业捐赠,某,某,100,50,20,2020-02-01,救灾,,",                               # 12 split_mismatch
    f"F12,{B},湖北省慈善总会,企业捐赠,某,某,100,,,2020-02-30,救灾,,",                                   # 13 date_impossible
    f"F13,{B},湖北省慈善总会,企业捐赠,某,某,100,,,2030-01-01,救灾,,",                                   # 14 date_future
    f"F14,{B},湖北省慈善总会,企业捐赠,某,某,100,,,2020-02-01,救灾,,很多",                               # 15 count_garbage
    f"F1,{B},湖北省慈善总会,企业捐赠,某科技公司,,1,,,2020-03-01,救灾,,",                                # 16 duplicate of F1
    f"F16,{H},武汉市江汉区阳光助残服务中心,个人捐赠,张三,,\"￥1,234.5\",,,2021/3/5,文化,,",                    # 17 ok, purpose_unknown → 其他
    "F17,52999999ZZZZZZZZZZ,不存在的组织,基金会资助,某基金会,,5000000,,,2019.12.31,扶贫,,300",               # 18 ok, unknown recipient
    f"F18,{N},中国乡村发展基金会,,某企业,制造业,4600.50万,,,44173,脱贫攻坚,100000,",                        # 19 ok, only a total; source empty → other
    f"F19,{X.lower()},上海市浦东新区环保志愿者协会,foundation_grant,某基金会,,１００,60,40,2018-06-01,环保,浦东新区,2万",  # 20 ok
]

def write(name, header, rows, codec):
    out = bytearray()
    out += (header + "\n").encode(codec)
    for r in rows:
        if r == "ENCODING":
            # A byte invalid in UTF-8 and in GB18030 alike.
            out += "编码错误,".encode(codec) + b"\xff\xfe" + ",1\n".encode(codec)
        else:
            out += (r + "\n").encode(codec)
    open(name, "wb").write(bytes(out))

for codec, suffix in (("utf-8", "utf8"), ("gb18030", "gb18030")):
    write(f"registrations_every_defect_{suffix}.csv", REG_HEADER, reg_rows, codec)
    write(f"funding_every_defect_{suffix}.csv", FUND_HEADER, fund_rows, codec)

print("A", A, "B", B, "C", C, "D", D, "N", N, "R", R, "H", H, "X", X)
