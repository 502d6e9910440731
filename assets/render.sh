#!/usr/bin/env bash
# Renders the PNG icons and favicon.ico from logo-mark.svg, and logo.png from logo.svg.
# Needs Debian's librsvg2-bin (rsvg-convert) and icoutils (icotool); run it after changing an SVG and commit the results.
set -euo pipefail
cd "$(dirname "$0")"
for tool in rsvg-convert icotool; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing: apt-get install librsvg2-bin icoutils" >&2; exit 1; }
done

mkdir -p icons
for size in 16 32 48 64 128 192 256 512; do
  rsvg-convert --width "$size" --height "$size" logo-mark.svg --output "icons/mark-$size.png"
done
# iOS rounds home-screen icons itself and shows transparent corners as black: the apple-touch icon is full-bleed,
# its corners filled with the tile's colour.
rsvg-convert --width 180 --height 180 --background-color '#2f5d8a' logo-mark.svg --output icons/apple-touch-icon.png
# The wordmark for what cannot draw SVG (PDF reports), dark on transparent, twice the SVG's size.
rsvg-convert --width 564 logo.svg --output logo.png
# Browsers pick the size they need from one file: 16 (tab), 32 (taskbar, high-DPI tab), 48 and 64 (desktop shortcuts).
icotool --create --output favicon.ico icons/mark-16.png icons/mark-32.png icons/mark-48.png icons/mark-64.png
echo "rendered: $(ls icons | tr '\n' ' ')logo.png favicon.ico"
