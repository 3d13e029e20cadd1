#!/bin/sh
# Install Debian's tesseract with Swedish for the opt-in OCR of scanned PDFs (KB_OCR=1) and its
# test. Idempotent: does nothing when Swedish is already there.
set -eu
if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx swe; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq || true
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq tesseract-ocr tesseract-ocr-swe >/dev/null
tesseract --list-langs 2>/dev/null | grep -qx swe
