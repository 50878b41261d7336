#!/usr/bin/env bash
# Installs the system libraries sectorstats links (libcsv, zlib, libxlsxwriter) when they are missing.
# Used by `make build/test/run`; a no-op when they are present. Needs root or sudo only
# when something must be installed.
set -euo pipefail

missing=()
[ -f /usr/include/csv.h ] || missing+=(libcsv-dev)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
[ -f /usr/include/xlsxwriter.h ] || missing+=(libxlsxwriter-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "setup: ${missing[*]} missing and neither root nor sudo: install them with apt-get" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}"
