#!/usr/bin/env bash
# Installs what tierlab needs on a fresh Debian/Ubuntu machine: the libraries its window loads at
# run time (OpenGL through Mesa, X11/Wayland, xkbcommon) and the tools the test script uses to
# start the window headless (Xvfb) and take screenshots. Safe to run again.
set -euo pipefail

packages=(
    # Build: a C compiler for the few -sys crates.
    gcc pkg-config
    # Run time of the window (loaded dynamically by winit/glutin).
    libgl1 libgl1-mesa-dri libglx-mesa0 libegl1 libxcursor1 libxi6 libxrandr2
    libxkbcommon0 libxkbcommon-x11-0 libwayland-client0 libwayland-egl1
    # Headless window tests and screenshots.
    xvfb xauth x11-apps imagemagick xdotool
    # The HTML report rendered headless (scripts/report-check.sh).
    chromium
)

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo not found: install Rust 1.89 or newer (https://rustup.rs) and run this again" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: ready"
