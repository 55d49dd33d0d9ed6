#!/usr/bin/env bash
# Renders the client report of every sample project in headless Chromium (Debian's `chromium`)
# and checks the screenshot is a real page: an image of the expected size with text and charts
# on it (many colours), not a blank or an error page. Keeps the coffee chain's screenshot as
# assets/report.png when run with --keep. Needs: chromium, imagemagick (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

keep=false
[ "${1:-}" = "--keep" ] && keep=true
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "report-check: chromium is not installed (scripts/setup.sh installs it)" >&2
    exit 1
fi
cargo build --quiet --release --no-default-features
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for project in projects/*.ron; do
    name=$(basename "$project" .ron)
    html="$work/$name.html"
    target/release/tierlab report "$project" --runs 20 --out "$html" >/dev/null
    # No network: --no-proxy-server plus a file:// URL; the report has no links to follow.
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --no-proxy-server --window-size=1000,5000 --screenshot="$work/$name.png" \
        "file://$html" >/dev/null 2>&1 || true
    if [ ! -s "$work/$name.png" ]; then
        echo "report-check: chromium made no screenshot of $name" >&2
        exit 1
    fi
    size=$(identify -format '%wx%h' "$work/$name.png")
    colours=$(convert "$work/$name.png" -format '%k' info:)
    if [ "$size" != "1000x5000" ] || [ "$colours" -lt 200 ]; then
        echo "report-check: $name renders as $size with $colours colours: not a report" >&2
        exit 1
    fi
    echo "report-check: $name renders ($size, $colours colours)"
    if $keep && [ "$name" = "coffee-chain" ]; then
        convert "$work/$name.png" -crop 1000x2600+0+0 -resize 80% assets/report.png
        echo "report-check: kept assets/report.png"
    fi
done
