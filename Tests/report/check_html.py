#!/usr/bin/env python3
"""Renders a `sectorstats report --format html` page in headless Chromium and checks it:

  check_html.py REPORT.html PUBLISHED_FOLDER CHROMIUM SCREENSHOT.png [zh|en]

- the file is self-contained (no script, nothing loaded from elsewhere) and says its language;
- Chromium loads it without console messages and the DOM (--dump-dom) is complete;
- each headline figure (data-figure / data-value) equals the value computed here from the
  published tables; all six charts are there as SVG;
- a PNG screenshot is written and is not blank (many colours, enough ink).
Prints one line per failure and exits 1 when there is any."""
import os
import re
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser

from tables import charts, headlines

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def chromium(binary, *args):
    cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
           "--no-first-run", "--disable-background-networking", *args]
    return subprocess.run(cmd, capture_output=True, timeout=120)


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit non-interlaced PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), f"unexpected PNG depth {depth} colour {colour}"
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def main():
    page, folder, binary, shot = sys.argv[1:5]
    lang = sys.argv[5] if len(sys.argv) > 5 else "zh"
    html = open(page, encoding="utf-8").read()
    if f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' not in html:
        fail("the page does not declare its language")
    if re.search(r"<script|<link|<iframe|<img|@import|url\(|\bsrc=", html, re.I):
        fail("the page is not self-contained (script, link, image, import or url())")

    url = "file://" + os.path.abspath(page)
    dom = chromium(binary, "--dump-dom", url)
    if dom.returncode != 0:
        fail(f"chromium --dump-dom exited {dom.returncode}: {dom.stderr.decode(errors='replace')[-500:]}")
    log = dom.stderr.decode(errors="replace")
    for line in log.splitlines():
        if ":CONSOLE" in line or "net::ERR" in line or "Uncaught" in line:
            fail("browser: " + line.strip())
    text = dom.stdout.decode("utf-8", errors="replace")
    if 'id="end"' not in text:
        fail("the DOM Chromium built does not reach the page's end")

    parser = Elements()
    parser.feed(text)
    shown = {a["data-figure"]: (a.get("data-year"), a.get("data-value")) for t, a in parser.elements if "data-figure" in a}
    expected = headlines(folder)
    if set(shown) != set(expected):
        fail(f"headline figures {sorted(shown)}, expected {sorted(expected)}")
    for k, (year, value) in expected.items():
        if k in shown and shown[k] != (str(year), value):
            fail(f"headline {k}: page shows {shown[k]}, tables give {(str(year), value)}")
    svgs = [a.get("data-chart") for t, a in parser.elements if t == "svg"]
    want = [c[0] for c in charts(folder)]
    if svgs != want:
        fail(f"charts {svgs}, expected {want}")

    if os.path.exists(shot):
        os.remove(shot)
    r = chromium(binary, f"--screenshot={shot}", "--window-size=1000,2000", url)
    if r.returncode != 0 or not os.path.exists(shot):
        fail(f"no screenshot (chromium exited {r.returncode})")
    else:
        width, height, bpp, rows = png_pixels(shot)
        colours, ink = set(), 0
        for row in rows[::4]:
            for x in range(0, len(row), bpp * 4):
                px = row[x:x + 3]
                colours.add(px)
                if sum(px) < 600:
                    ink += 1
        sampled = len(rows[::4]) * ((width + 3) // 4)
        if len(colours) < 16 or ink < sampled * 0.002:
            fail(f"the screenshot looks blank: {len(colours)} colours, {ink} of {sampled} sampled pixels inked")
    print(f"check_html: {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
