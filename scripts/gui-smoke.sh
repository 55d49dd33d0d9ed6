#!/usr/bin/env bash
# Starts the real tierlab window under Xvfb with Mesa's software OpenGL on a sample project,
# checks that it comes up and stays up, and saves a screenshot (default target/gui-smoke.png).
set -euo pipefail
cd "$(dirname "$0")/.."
project="${1:-projects/coffee-chain.ron}"
shot="${2:-target/gui-smoke.png}"

cargo build --quiet
export LIBGL_ALWAYS_SOFTWARE=1
log=$(mktemp)
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    set -u
    ./target/debug/tierlab "$1" > "$3" 2>&1 &
    app=$!
    sleep 8
    kill -0 "$app" 2>/dev/null || { echo "tierlab exited early" >&2; cat "$3" >&2; exit 1; }
    xwd -root -silent > "$2.xwd"
    sleep 2
    kill -0 "$app" 2>/dev/null || { echo "tierlab died after the first frames" >&2; cat "$3" >&2; exit 1; }
    kill "$app" 2>/dev/null; wait "$app" 2>/dev/null || true
    if command -v convert >/dev/null 2>&1; then convert "xwd:$2.xwd" "$2" && rm -f "$2.xwd"; fi
' _ "$project" "$shot" "$log"
if grep -q "panicked" "$log"; then
    cat "$log" >&2
    exit 1
fi
rm -f "$log"
echo "gui smoke test: window came up and stayed up; screenshot in $shot"
