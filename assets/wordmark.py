#!/usr/bin/python3
"""Prints the SVG path of a word set in the bundled DejaVu Sans Bold, so that the logo's wordmark looks the
same in every browser and renderer (an SVG <text> would take whatever font the viewer has).

    /usr/bin/python3 assets/wordmark.py Appliance 36 78 43   # word, size in px, x and baseline y

Needs Debian's python3-fonttools. Kerning pairs from the font's legacy 'kern' table are applied when present.
"""
import os
import sys

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

word, size, x, baseline = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
font = TTFont(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fonts", "DejaVuSans-Bold.ttf"))
scale = size / font["head"].unitsPerEm
glyphs = font.getGlyphSet()
cmap = font.getBestCmap()
kern = font["kern"].kernTables[0].kernTable if "kern" in font else {}
pen = SVGPathPen(glyphs, ntos=lambda v: f"{v:.2f}".rstrip("0").rstrip("."))
previous = None
for ch in word:
    name = cmap[ord(ch)]
    if previous is not None:
        x += kern.get((previous, name), 0) * scale
    # Font units grow upwards; SVG's y grows downwards.
    glyphs[name].draw(TransformPen(pen, (scale, 0, 0, -scale, x, baseline)))
    x += glyphs[name].width * scale
    previous = name
print(pen.getCommands())
print(f"<!-- advance ends at x={x:.2f} -->", file=sys.stderr)
