"""Checks that Chromium rendered the comparison report with its charts.

usage: check_report.py SCREENSHOT.png DUMPED_DOM.html
"""
import struct
import sys
import zlib

png, dom_path = sys.argv[1], sys.argv[2]
data = open(png, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert width >= 800 and height >= 800, f"screenshot is only {width}x{height}"

# Decode the image (8-bit RGB/RGBA, the form Chromium writes) and count distinct colours:
# a blank page has one or two; the charts' bars and curves add many.
chunks, offset = [], 8
while offset < len(data):
    length, kind = struct.unpack(">I4s", data[offset:offset + 8])
    if kind == b"IDAT":
        chunks.append(data[offset + 8:offset + 8 + length])
    offset += 12 + length
colour_type = data[25]
channels = {2: 3, 6: 4}[colour_type]
raw = zlib.decompress(b"".join(chunks))
stride = width * channels
colours, previous = set(), bytearray(stride)
for row in range(height):
    start = row * (stride + 1)
    kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
    for i in range(stride):
        left = line[i - channels] if i >= channels else 0
        up = previous[i]
        up_left = previous[i - channels] if i >= channels else 0
        if kind == 1: line[i] = (line[i] + left) & 255
        elif kind == 2: line[i] = (line[i] + up) & 255
        elif kind == 3: line[i] = (line[i] + (left + up) // 2) & 255
        elif kind == 4:
            p = left + up - up_left
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 255
    if row % 4 == 0:
        for i in range(0, stride, channels * 4):
            colours.add(bytes(line[i:i + 3]))
    previous = line
assert len(colours) > 20, f"the rendered page has only {len(colours)} colours: charts missing"

dom = open(dom_path, encoding="utf-8").read()
assert dom.count("<svg") >= 4, "fewer than 4 charts in the rendered page"
assert dom.count('class="bar"') >= 12, "the F1 bar chart and reliability diagrams are missing bars"
assert dom.count('class="curve"') >= 4, "precision-recall curves are missing"
print(f"report OK: {width}x{height}, {len(colours)} colours, {dom.count('<svg')} charts")
