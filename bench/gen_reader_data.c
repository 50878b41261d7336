/*
 * gen_reader_data.c: deterministic generator of a registration-like CSV for the
 * reader benchmark (Scripts/bench-reader.sh).
 *
 *   gen_reader_data OUT.csv [SIZE_MB]      (SIZE_MB default 520, MB = 10^6 bytes)
 *
 * The output is exactly SIZE_MB * 10^6 bytes (the last record is padded to hit the
 * size), UTF-8, LF line ends, RFC 4180 quoting, a header record plus data records of
 * exactly 15 fields each. The same arguments always give the same bytes (fixed-seed
 * splitmix64; no time, locale or libc randomness). Record and field counts are
 * printed to stderr.
 *
 * Shape of the data, chosen to exercise a CSV reader:
 *   - Chinese names, codes, dates in six styles, amounts like 7744.92万, some empty
 *     fields;
 *   - 业务范围 is always quoted, long Chinese free text with ASCII and full-width
 *     commas, doubled quotes (""), and in ~25% of rows embedded line breaks (\n, and
 *     in a fifth of those \r\n) inside the quotes;
 *   - a few names, addresses and amounts contain a comma or a quote and are quoted;
 *   - no unquoted field contains a quote, CR or LF, or starts/ends with a space
 *     (libcsv trims those; Python's csv does not), and no line is blank.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---------- PRNG: splitmix64, fixed seed ---------- */
static uint64_t rng_state = 0x5EC7025747A75ULL;

static inline uint64_t next_u64(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
/* uniform in [0, n) (multiply-shift; bias is irrelevant here) */
static inline uint32_t rnd(uint32_t n) {
    return (uint32_t)(((next_u64() >> 32) * (uint64_t)n) >> 32);
}
/* true with probability permille/1000 */
static inline int chance(uint32_t permille) { return rnd(1000) < permille; }

/* ---------- tables ---------- */
typedef struct {
    const char *province; /* "" for municipalities */
    const char *city;
    const char *district;
    const char *code;
} Region;

static const Region regions[] = {
    {"", "北京市", "海淀区", "110108"},       {"", "北京市", "朝阳区", "110105"},
    {"", "北京市", "东城区", "110101"},       {"", "北京市", "西城区", "110102"},
    {"", "北京市", "丰台区", "110106"},       {"", "上海市", "浦东新区", "310115"},
    {"", "上海市", "黄浦区", "310101"},       {"", "上海市", "徐汇区", "310104"},
    {"", "天津市", "和平区", "120101"},       {"", "重庆市", "渝中区", "500103"},
    {"广东省", "广州市", "天河区", "440106"}, {"广东省", "广州市", "越秀区", "440104"},
    {"广东省", "深圳市", "南山区", "440305"}, {"广东省", "深圳市", "福田区", "440304"},
    {"浙江省", "杭州市", "西湖区", "330106"}, {"江苏省", "南京市", "鼓楼区", "320106"},
    {"四川省", "成都市", "武侯区", "510107"}, {"湖北省", "武汉市", "江汉区", "420103"},
    {"陕西省", "西安市", "雁塔区", "610113"}, {"湖南省", "长沙市", "岳麓区", "430104"},
    {"河南省", "郑州市", "金水区", "410105"}, {"山东省", "济南市", "历下区", "370102"},
    {"辽宁省", "沈阳市", "和平区", "210102"}, {"黑龙江省", "哈尔滨市", "南岗区", "230103"},
    {"云南省", "昆明市", "五华区", "530102"}, {"福建省", "福州市", "鼓楼区", "350102"},
    {"安徽省", "合肥市", "蜀山区", "340104"}, {"贵州省", "贵阳市", "云岩区", "520103"},
};

static const char *modifiers[] = {
    "", "", "", "", "青少年", "老年", "妇女", "社区", "青年", "儿童", "退役军人",
    "外来务工人员", "残疾人", "大学生", "农村", "城市",
};
static const char *topics[] = {
    "软件", "人工智能", "物流", "科技", "书法", "摄影", "围棋", "足球", "中医药",
    "环境保护", "志愿者", "家政服务", "养老", "心理健康", "法律援助", "餐饮", "茶文化",
    "文化创意", "旅游", "农业技术", "电子商务", "建筑装饰", "慈善", "教育",
    "职业技能培训", "健康管理", "民俗文化", "非物质文化遗产保护", "跆拳道", "羽毛球",
    "棋牌", "文学艺术", "音乐", "舞蹈", "医疗器械", "汽车", "新能源", "互联网金融",
    "会计", "物业管理", "校友", "读书", "曲艺", "收藏", "垂钓", "科普", "戏剧",
};
typedef struct {
    const char *type;
    const char *code_prefix; /* 2nd char of the 18-char code */
    const char **suffixes;
    unsigned nsuffixes;
} OrgType;
static const char *suffix_st[] = {"协会", "学会", "研究会", "促进会", "联合会", "商会",
                                  "俱乐部", "同乡会", "联谊会"};
static const char *suffix_jj[] = {"基金会", "慈善基金会", "教育基金会", "发展基金会"};
static const char *suffix_mf[] = {"服务中心", "发展中心", "培训学校", "幼儿园", "养老院",
                                  "研究院", "社会工作服务中心", "文化交流中心"};
static const OrgType org_types[] = {
    {"社会团体", "1", suffix_st, N(suffix_st)},
    {"社会团体", "1", suffix_st, N(suffix_st)},
    {"基金会", "3", suffix_jj, N(suffix_jj)},
    {"民办非企业单位", "2", suffix_mf, N(suffix_mf)},
    {"社会服务机构", "2", suffix_mf, N(suffix_mf)},
};
static const char *statuses[] = {"正常", "正常", "正常", "正常", "存续", "注销", "撤销", "吊销"};
static const char *surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱",
    "高", "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于",
    "董", "萧", "程", "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢",
    "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "欧阳", "司马", "诸葛",
};
static const char *given[] = {
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建国", "志强", "海燕", "晓东",
    "文", "华", "红", "玉兰", "国庆", "子涵", "一鸣", "思远",
};
static const char *supervisors[] = {
    "教育局", "科学技术局", "民政局", "文化和旅游局", "体育局", "卫生健康委员会",
    "工商业联合会", "科学技术协会", "司法局", "农业农村局",
};
static const char *roads[] = {"中关村", "学院", "建国", "人民", "解放", "中山", "长安",
                              "朝阳", "复兴", "南京", "和平", "友谊", "文化", "科技",
                              "创业", "滨江", "花园", "青年"};
static const char *road_kinds[] = {"路", "大街", "街", "大道", "南路", "北路", "东路"};
static const char *scope_phrases[] = {
    "开展学术交流活动", "组织专业培训", "提供咨询服务", "编辑出版会刊", "举办展览展示",
    "开展国际合作与交流", "维护会员合法权益", "承接政府委托事项", "开展行业调查研究",
    "制定行业标准", "组织公益活动", "开展志愿服务", "提供养老照护服务",
    "开展社区文化活动", "推广先进技术", "评选表彰优秀会员", "举办论坛讲座",
    "为会员提供信息服务", "开展心理健康教育", "资助贫困学生", "救助困难群众",
    "组织体育竞赛", "开展法律援助", "普及科学知识", "开展职业技能鉴定",
    "促进对外交流", "开展业务培训", "书刊编辑", "行业自律", "课题研究",
};
static const char *quoted_terms[] = {"互联网+", "双创", "一带一路", "放管服", "十四五",
                                     "乡村振兴", "智慧社区", "AI+"};
static const char *scope_tail = "（依法须经批准的项目，经相关部门批准后方可开展经营活动）";
static const char *pad_text = "本组织遵守宪法、法律、法规和国家政策，践行社会主义核心价值观，"
                              "遵守社会道德风尚，不以营利为目的。";

static const char *header =
    "社会组织名称,统一社会信用代码,社会组织类型,登记管理机关,成立登记日期,登记状态,"
    "注销日期,注册资金(万元),法定代表人,业务主管单位,业务范围,住所,行政区划代码,"
    "社区社会组织,慈善组织\n";

/* ---------- output buffer ---------- */
#define OUT_CAP (8u << 20)
#define ROW_MAX 16384 /* a generated row is < 2 KiB; padded last row < 8 KiB */
static char *out;
static size_t out_len;
static FILE *out_fp;
static unsigned long long out_total; /* bytes already handed to fwrite */

static void flush_out(void) {
    if (out_len && fwrite(out, 1, out_len, out_fp) != out_len) {
        perror("gen_reader_data: fwrite");
        exit(1);
    }
    out_total += out_len;
    out_len = 0;
}

/* ---------- field scratch ---------- */
static char fld[ROW_MAX];
static size_t fl;

static inline void put(const char *s) {
    size_t n = strlen(s);
    memcpy(fld + fl, s, n);
    fl += n;
}
static inline void putc1(char c) { fld[fl++] = c; }
static inline void put_uint(unsigned v, int width) { /* zero-padded to width */
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width) tmp[n++] = '0';
    while (n) fld[fl++] = tmp[--n];
}

/* Append fld[0..fl) to out as one CSV field, quoting when needed (or when forced). */
static void emit_field(int force_quote, char sep) {
    int q = force_quote;
    for (size_t i = 0; i < fl && !q; i++) {
        unsigned char c = (unsigned char)fld[i];
        q = c < 0x2d && (c == ',' || c == '"' || c == '\r' || c == '\n');
    }
    char *o = out + out_len;
    if (q) {
        *o++ = '"';
        const char *s = fld, *end = fld + fl, *dq;
        while ((dq = memchr(s, '"', (size_t)(end - s))) != NULL) {
            memcpy(o, s, (size_t)(dq - s + 1)); /* up to and including the quote */
            o += dq - s + 1;
            *o++ = '"'; /* doubled */
            s = dq + 1;
        }
        memcpy(o, s, (size_t)(end - s));
        o += end - s;
        *o++ = '"';
    } else {
        memcpy(o, fld, fl);
        o += fl;
    }
    *o++ = sep;
    out_len = (size_t)(o - out);
    fl = 0;
}

/* ---------- field builders ---------- */
static void gen_date(unsigned y, unsigned m, unsigned d) {
    unsigned style = rnd(100);
    if (style < 50) { /* 2015-03-07 */
        put_uint(y, 4); putc1('-'); put_uint(m, 2); putc1('-'); put_uint(d, 2);
    } else if (style < 65) { /* 2015/3/7 */
        put_uint(y, 4); putc1('/'); put_uint(m, 1); putc1('/'); put_uint(d, 1);
    } else if (style < 80) { /* 2015年3月7日 */
        put_uint(y, 4); put("年"); put_uint(m, 1); put("月"); put_uint(d, 1); put("日");
    } else if (style < 90) { /* 20150307 */
        put_uint(y, 4); put_uint(m, 2); put_uint(d, 2);
    } else if (style < 95) { /* 2015.03.07 */
        put_uint(y, 4); putc1('.'); put_uint(m, 2); putc1('.'); put_uint(d, 2);
    } else { /* 2015-03-07 00:00:00 */
        put_uint(y, 4); putc1('-'); put_uint(m, 2); putc1('-'); put_uint(d, 2);
        put(" 00:00:00");
    }
}

static void gen_amount(void) {
    unsigned style = rnd(100);
    if (style < 40) { /* 7744.92万 */
        put_uint(rnd(20000), 1); putc1('.'); put_uint(rnd(100), 2); put("万");
    } else if (style < 60) { /* 300 */
        put_uint(1 + rnd(2000), 1);
    } else if (style < 75) { /* 50.00 */
        put_uint(rnd(5000), 1); put(".00");
    } else if (style < 85) { /* 10万元 */
        put_uint(1 + rnd(999), 1); put("万元");
    } else if (style < 90) { /* "1,000.00" (quoted: contains a comma) */
        put_uint(1 + rnd(99), 1); putc1(','); put_uint(rnd(1000), 3); put(".00");
    } /* else empty */
}

/* 业务范围: always quoted by the caller. `multiline` selects a numbered list with
 * embedded \n or \r\n line breaks. */
static void gen_scope(void) {
    unsigned nphr = 2 + rnd(5);
    int multiline = chance(250);
    const char *nl = chance(200) ? "\r\n" : "\n";
    if (!multiline && chance(150)) put("本会宗旨：");
    for (unsigned i = 0; i < nphr; i++) {
        if (multiline) {
            put_uint(i + 1, 1);
            put(chance(500) ? "、" : ".");
        }
        unsigned k = rnd(100);
        if (k < 8) { /* ASCII quotes -> doubled in the file */
            put("开展\""); put(quoted_terms[rnd(N(quoted_terms))]); put("\"主题活动");
        } else if (k < 14) { /* full-width quotes */
            put("宣传“"); put(quoted_terms[rnd(N(quoted_terms))]); put("”理念");
        } else {
            put(scope_phrases[rnd(N(scope_phrases))]);
        }
        if (i + 1 < nphr) {
            if (multiline) {
                put("；");
                put(nl);
            } else {
                unsigned s = rnd(100);
                put(s < 45 ? "、" : s < 75 ? "，" : s < 90 ? "," : "；");
            }
        }
    }
    put("。");
    if (chance(200)) put(scope_tail);
}

static void gen_person(void) {
    put(surnames[rnd(N(surnames))]);
    put(given[rnd(N(given))]);
    if (chance(300)) put(given[rnd(N(given))]);
}

static const char *code_chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"; /* 31 chars */

/* One data record. If pad_to != 0, 业务范围 is replaced by filler so that the record
 * is exactly pad_to bytes long (used for the last record). */
static void gen_row(size_t pad_to) {
    size_t row_start = out_len;
    const Region *r = &regions[rnd(N(regions))];
    const OrgType *t = &org_types[rnd(N(org_types))];
    unsigned status_i = rnd(N(statuses));
    unsigned y = 1985 + rnd(40), m = 1 + rnd(12), d = 1 + rnd(28);

    /* 社会组织名称 */
    unsigned ps = rnd(100);
    if (ps < 50) { put(r->province); put(r->city); put(r->district); }
    else if (ps < 80) { put(r->province); put(r->city); }
    else if (ps < 90) { put(*r->province ? r->province : r->city); }
    else put("中国");
    put(modifiers[rnd(N(modifiers))]);
    put(topics[rnd(N(topics))]);
    if (chance(5)) put(",互助"); /* rare ASCII comma -> quoted */
    if (chance(3)) { put("\"阳光\""); } /* rare ASCII quotes -> quoted, doubled */
    put(t->suffixes[rnd(t->nsuffixes)]);
    if (chance(30)) put(chance(500) ? "（筹）" : "(北京)");
    emit_field(0, ',');

    /* 统一社会信用代码: 5 + type + region(6) + 10 chars; ~1% empty */
    if (!chance(10)) {
        putc1('5'); put(t->code_prefix); put(r->code);
        for (int i = 0; i < 10; i++) putc1(code_chars[rnd(31)]);
    }
    emit_field(0, ',');

    /* 社会组织类型 */
    put(t->type);
    emit_field(0, ',');

    /* 登记管理机关 */
    unsigned a = rnd(100);
    if (a < 55) { put(r->province); put(r->city); put(r->district); put("民政局"); }
    else if (a < 85) { put(r->province); put(r->city); put("民政局"); }
    else if (a < 97) { put(*r->province ? r->province : r->city); put(*r->province ? "民政厅" : "民政局"); }
    else put("民政部");
    emit_field(0, ',');

    /* 成立登记日期 (~2% empty) */
    if (!chance(20)) gen_date(y, m, d);
    emit_field(0, ',');

    /* 登记状态 */
    put(statuses[status_i]);
    emit_field(0, ',');

    /* 注销日期: only for 注销/撤销/吊销 */
    if (status_i >= 5) {
        unsigned cy = y + rnd(2025 - y);
        gen_date(cy, 1 + rnd(12), 1 + rnd(28));
    }
    emit_field(0, ',');

    /* 注册资金(万元) */
    gen_amount();
    emit_field(0, ',');

    /* 法定代表人 (~3% empty) */
    if (!chance(30)) gen_person();
    emit_field(0, ',');

    /* 业务主管单位 (~40% empty, some 无) */
    unsigned s = rnd(100);
    if (s >= 40) {
        if (s < 45) put("无");
        else { put(r->city); put(supervisors[rnd(N(supervisors))]); }
    }
    emit_field(0, ',');

    /* 业务范围: always quoted. For the padded last record, computed below. */
    size_t scope_at = out_len;
    if (!pad_to) gen_scope();
    emit_field(1, ',');

    /* 住所 */
    put(r->province); put(r->city); put(r->district);
    put(roads[rnd(N(roads))]); put(road_kinds[rnd(N(road_kinds))]);
    put_uint(1 + rnd(300), 1); put("号");
    if (chance(400)) { put_uint(1 + rnd(20), 1); put("号楼"); }
    if (chance(300)) { put_uint(1 + rnd(30), 1); put("层"); put_uint(100 + rnd(3000), 1); put("室"); }
    if (chance(20)) put(",东门"); /* rare ASCII comma -> quoted */
    emit_field(0, ',');

    /* 行政区划代码 */
    put(r->code);
    emit_field(0, ',');

    /* 社区社会组织, 慈善组织 */
    unsigned c1 = rnd(100);
    if (c1 < 10) put("是"); else if (c1 < 90) put("否");
    emit_field(0, ',');
    unsigned c2 = rnd(100);
    if (c2 < 5) put("是"); else if (c2 < 90) put("否");
    emit_field(0, '\n');

    if (pad_to) {
        /* Rebuild from the scope field with filler making the record pad_to bytes. */
        size_t row_len = out_len - row_start;
        if (row_len > pad_to) {
            fprintf(stderr, "gen_reader_data: internal error: last row too long\n");
            exit(1);
        }
        size_t pad = pad_to - row_len; /* extra bytes the scope must carry */
        char rest[ROW_MAX];
        size_t rest_at = scope_at + 3; /* after the empty "" and its comma */
        size_t rest_len = out_len - rest_at;
        memcpy(rest, out + rest_at, rest_len);
        /* filler: whole UTF-8 characters of pad_text, then ASCII '.' for the rest */
        size_t pt_len = strlen(pad_text), pi = 0;
        fl = 0;
        while (pad - fl >= 3) {
            memcpy(fld + fl, pad_text + pi, 3); /* pad_text is all 3-byte chars */
            fl += 3;
            pi = (pi + 3) % pt_len;
        }
        while (fl < pad) fld[fl++] = '.';
        out_len = scope_at;
        emit_field(1, ','); /* no quotes in filler: exactly fl + 3 bytes */
        memcpy(out + out_len, rest, rest_len);
        out_len += rest_len;
    }
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s OUT.csv [SIZE_MB]   (default 520; MB = 10^6 bytes)\n",
                argv[0]);
        return 2;
    }
    double mb = 520;
    if (argc == 3) {
        char *end;
        errno = 0;
        mb = strtod(argv[2], &end);
        if (errno || *end || !(mb >= 0.05 && mb <= 1e6)) {
            fprintf(stderr, "gen_reader_data: SIZE_MB must be a number in [0.05, 1e6]\n");
            return 2;
        }
    }
    unsigned long long target = (unsigned long long)(mb * 1e6 + 0.5);

    out = malloc(OUT_CAP + ROW_MAX);
    out_fp = fopen(argv[1], "wb");
    if (!out || !out_fp) {
        fprintf(stderr, "gen_reader_data: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    setvbuf(out_fp, NULL, _IONBF, 0); /* we already write 8 MiB blocks */

    memcpy(out, header, strlen(header));
    out_len = strlen(header);
    unsigned long long records = 1;

    /* Normal rows while more than 8 KiB remain (a row is < 2 KiB), then one padded row
     * of the remaining 6..8 KiB: longer than any unpadded row, shorter than ROW_MAX. */
    while (out_total + out_len + 8192 < target) {
        gen_row(0);
        records++;
        if (out_len >= OUT_CAP) flush_out();
    }
    gen_row((size_t)(target - out_total - out_len));
    records++;
    flush_out();
    if (fclose(out_fp) != 0) {
        perror("gen_reader_data: fclose");
        return 1;
    }
    if (out_total != target) {
        fprintf(stderr, "gen_reader_data: internal error: wrote %llu of %llu bytes\n",
                out_total, target);
        return 1;
    }
    fprintf(stderr, "gen_reader_data: %s: %llu bytes, %llu records (incl. header), %llu fields\n",
            argv[1], out_total, records, records * 15);
    return 0;
}
