#!/usr/bin/env bash
# Fuzzes the CSV import and the project loader for a bounded time (default 60 s): mutated real
# files, optimised build. Inputs that panic are saved to target/fuzz-crashes/; add each to
# tests/data/bad/ with the error it must produce in tests/data/bad/expected.txt, then fix it.
# Usage: scripts/fuzz.sh [SECONDS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
export TIERLAB_FUZZ_SECONDS="${1:-60}"
[ -n "${2:-}" ] && export TIERLAB_FUZZ_SEED="$2"
cargo test --release --test fuzz -- --ignored --nocapture fuzz_for_a_while
