#!/usr/bin/env bash
# System packages xxgk needs beyond Python: LibreOffice (DOC/WPS/RTF conversion, sample PDFs),
# CJK fonts (rendering), poppler-utils, and Debian's Chromium (the HTML report's browser test).
# Installs only what is missing, and only where apt-get can (root on Debian/Ubuntu); elsewhere it
# says what to install and exits 0, so the Python set-up still works.
set -euo pipefail
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# (count, not grep -q: an early grep exit would fail the pipe under pipefail)
[ "$(fc-list 2>/dev/null | grep -ci 'Noto Sans CJK' || true)" -gt 0 ] || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "xxgk: please install these system packages: ${need[*]} (tests needing them will skip)" >&2
fi
