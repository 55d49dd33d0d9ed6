#!/usr/bin/env bash
# Measures the peak memory (RSS) of importing 10M transactions: generates a 10.27M-row CSV of
# 1.25M customers (314 MB, dates in order, customers interleaved: the hardest order for the
# store) and imports it under /usr/bin/time. Fails above 400 MB, the target of the issue.
set -euo pipefail
cd "$(dirname "$0")/.."
limit_kb=$((400 * 1024))
cargo build --quiet --release --no-default-features
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/tierlab generate --customers 1250000 --start 2021-01-01 --end 2024-12-31 \
    --out "$work/big.csv"
/usr/bin/time -f '%M %e' -o "$work/time" target/release/tierlab import "$work/big.csv" \
    | grep -E '^(transactions|customers)'
read -r peak_kb seconds < "$work/time"
echo "import-memory: peak RSS $((peak_kb / 1024)) MB in ${seconds} s (limit $((limit_kb / 1024)) MB)"
[ "$peak_kb" -le "$limit_kb" ]
