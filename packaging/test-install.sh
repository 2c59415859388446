#!/usr/bin/env bash
# Proves the .deb works installed, without touching the machine: builds the package, checks that
# every package it depends on is installable here, unpacks it into a clean directory tree
# (dpkg-deb -x), checks the installed programs load their libraries from that tree (not the build
# tree), and runs the installed `tessera`: --version, nodes (the example plugin comes from
# <root>/usr/lib/tessera/plugins), validate and run of the installed img2img example on the tiny
# reference model.
#   packaging/test-install.sh [BUILD_DIR] [REFDATA_DIR]
set -euo pipefail
BUILD=$(realpath "${1:-build}")
REFDATA=$(realpath "${2:-${TESSERA_REFDATA:-$(dirname "$0")/../../shared/refdata}}")
fail() { echo "test-install: $*" >&2; exit 1; }

cmake --build "$BUILD" --target package >/dev/null
DEB=$(ls -t "$BUILD"/tessera_*.deb | head -1)
[ -f "$DEB" ] || fail "no package was built in $BUILD"
echo "package: $DEB ($(du -h "$DEB" | cut -f1))"

# Every dependency must be a package Debian has (installed here, or at least known to apt).
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
[ -n "$DEPENDS" ] || fail "the package declares no dependencies"
IFS=',' read -ra DEPS <<< "$DEPENDS"
for dep in "${DEPS[@]}"; do
  name=$(echo "$dep" | sed -E 's/^ *//; s/[ (|].*//')
  dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed" ||
    apt-cache show "$name" >/dev/null 2>&1 || fail "depends on '$name', which Debian does not have"
done

ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
dpkg-deb -x "$DEB" "$ROOT"
for f in usr/bin/tessera usr/share/applications/tessera.desktop usr/share/mime/packages/tessera.xml \
         usr/share/icons/hicolor/scalable/apps/tessera.svg usr/share/tessera/examples/img2img.tessera; do
  [ -e "$ROOT/$f" ] || fail "the package lacks /$f"
done
ls "$ROOT"/usr/lib/tessera/plugins/*.so >/dev/null 2>&1 || fail "the package has no plugins"

# Libraries must resolve inside the unpacked tree.
if ldd "$ROOT/usr/bin/tessera" | grep -E "libtessera" | grep -qv "$ROOT"; then
  ldd "$ROOT/usr/bin/tessera" | grep libtessera >&2
  fail "the installed tessera loads project libraries from outside the package"
fi

TESSERA="$ROOT/usr/bin/tessera"
"$TESSERA" --version
NODES=$("$TESSERA" nodes)
grep -q "UnsharpMask.*\[plugin image-adjust\]" <<< "$NODES" || fail "the installed plugin was not loaded"

MODELS="$ROOT/models"
mkdir -p "$MODELS/checkpoints" "$MODELS/tokenizers"
ln -s "$REFDATA/models/tiny-sd15.safetensors" "$MODELS/checkpoints/"
ln -s "$REFDATA/bpe_simple_vocab_16e6.txt.gz" "$MODELS/tokenizers/"
EXAMPLE="$ROOT/usr/share/tessera/examples/img2img.tessera"
SET=(--set CheckpointLoaderSimple.ckpt_name=tiny-sd15.safetensors --set KSampler.steps=2 --set NoiseByStrength.steps=2)
"$TESSERA" validate "$EXAMPLE" --models "$MODELS" "${SET[@]}" || fail "the installed example does not validate"
"$TESSERA" run "$EXAMPLE" --models "$MODELS" --output "$ROOT/out" --quiet "${SET[@]}"
ls "$ROOT"/out/*.png >/dev/null 2>&1 || fail "the installed tessera wrote no image"
echo "test-install: the package installs and runs the img2img example"
