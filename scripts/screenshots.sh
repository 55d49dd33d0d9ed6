#!/usr/bin/env bash
# Takes a screenshot of each page of the GUI on the coffee-chain sample, under Xvfb, by clicking
# the navigator with xdotool. Output: assets/screenshot-<page>.png. Needs scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-assets}"
mkdir -p "$out"
cargo build --quiet --release
export LIBGL_ALWAYS_SOFTWARE=1
# Fresh settings so that the window opens on the Overview page with the default theme.
export XDG_DATA_HOME
XDG_DATA_HOME=$(mktemp -d)
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    set -eu
    out=$1
    ./target/release/tierlab projects/coffee-chain.ron &
    app=$!
    sleep 6
    shot() { xwd -root -silent | convert xwd:- "$out/screenshot-$1.png"; }
    click() { xdotool mousemove "$1" "$2" click 1; sleep 1.5; }
    shot overview
    click 29 91;  shot data
    click 569 67; shot import-wizard
    xdotool key Escape; sleep 1
    # The first click after the wizard closes only ends its modal: click Segments twice.
    click 53 114; click 53 114; shot segments
    click 50 229; shot personas
    click 51 321; shot scenarios
    click 37 413; sleep 2; shot results
    xdotool mousemove 700 500
    for _ in $(seq 12); do xdotool click 5; sleep 0.1; done
    sleep 1.5; shot projection
    click 35 436; sleep 4; shot model
    kill "$app"
' _ "$out"
ls -1 "$out"/screenshot-*.png
