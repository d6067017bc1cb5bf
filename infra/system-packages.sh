#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: Chromium for the
# end-to-end tests, Arabic fonts and Pango for WeasyPrint, poppler for checking PDFs.
set -euo pipefail
missing=()
# Read the lists first: `grep -q` closing a pipe early would fail the pipeline.
fonts=$(fc-list 2>/dev/null || true)
libs=$(ldconfig -p 2>/dev/null || true)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
grep -q "Amiri" <<<"$fonts" || missing+=(fonts-hosny-amiri)
grep -q "Noto Naskh Arabic" <<<"$fonts" || missing+=(fonts-noto-core)
grep -q "libpango-1.0" <<<"$libs" || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
grep -q "libharfbuzz-subset" <<<"$libs" || missing+=(libharfbuzz-subset0)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
