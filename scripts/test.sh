#!/usr/bin/env bash
# The test command: formatting, lints, the CLI-only build, every test, and a smoke test of the
# real window under Xvfb when Xvfb is installed (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

step "cargo build --no-default-features (CLI without egui)"
cargo build --no-default-features
if cargo tree --no-default-features -e normal | grep -qE '^.*(egui|eframe|winit|rfd) v'; then
    echo "error: the CLI-only build pulls in GUI crates" >&2
    exit 1
fi

step "cargo test (unit, integration, property and GUI tests)"
cargo test --all-targets
cargo test --doc

if command -v xvfb-run >/dev/null 2>&1; then
    step "GUI smoke test under Xvfb"
    scripts/gui-smoke.sh
else
    echo "(xvfb-run not installed: skipping the window smoke test; run scripts/setup.sh)"
fi

if command -v chromium >/dev/null 2>&1; then
    step "HTML report rendered in headless Chromium"
    scripts/report-check.sh
else
    echo "(chromium not installed: skipping the report rendering check; run scripts/setup.sh)"
fi
