#!/usr/bin/env python3
"""Writes the reader fixtures (named after the defect they contain). Run once; the
outputs are committed. Kept so that the binary ones (GB18030, gzip, invalid UTF-8) can be
understood and remade."""
import gzip, io

def w(name, data):
    with open(name, "wb") as f:
        f.write(data)

w("bom.csv", b"\xef\xbb\xbfname,code\n\xe5\x8c\x97\xe4\xba\xac,1\n")
w("crlf_inside_quotes.csv", b'name,scope\r\n"a","x\r\ny"\r\nb,z\r\n')
w("empty_last_field.csv", b"a,b,c\n1,2,\n3,,\n")
w("no_trailing_newline.csv", b"a,b\n1,2\n3,4")
w("doubled_quotes.csv", b'a,b\n"say ""hi""",""""\n')
w("embedded_delimiters_and_newlines.csv", b'a,b,c\n"x,y","line1\nline2\nline3",z\nq,r,s\n')
# 𠮷 (U+20BB7) and 㐀 (U+3400) are 4-byte sequences in GB18030; 协会 is 2-byte (GBK).
w("gb18030_four_byte.csv", "名称,备注\n𠮷祥协会,㐀字\n".encode("gb18030"))
buf = io.BytesIO()
with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
    g.write("record_id,amount\nR1,7.4亿\nR2,\"1,234.5\"\n".encode("utf-8"))
w("gzip_input.csv.gz", buf.getvalue())
w("tab_delimited.tsv", b"a\tb\tc\n1\t\"x\ty\"\t3\n")
w("semicolon_delimited.csv", b"a;b\n\"1;2\";3\n4;5\n")
w("unterminated_quote_at_eof.csv", b'a,b\n1,2\n3,"never closed\n4,5\n')
w("stray_quote_mid_file.csv", b'a,b,c\n1,2,3\nx,he said "no",z\n4,5,6\n"q"w,7,8\n9,10,11\n')
w("stray_opening_quote.csv", b'a,b\n1,"oops\n2,3\n4,"ok"\n5,6\n')
w("wrong_field_counts.csv", b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n")
w("invalid_utf8.csv", b"a,b\n1,ok\n2,bad\xff\xfebyte\n3,\xe5\x8c\x97\n4,cut\xe5\x8c\n")
w("blank_lines.csv", b"a,b\n\n1,2\n\n\n3,4\n")
w("empty.csv", b"")
