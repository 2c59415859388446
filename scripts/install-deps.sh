#!/usr/bin/env bash
# Installs everything Tessera needs to build, test and run, from Debian 12 packages.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  qt6-base-dev qt6-declarative-dev qt6-tools-dev libgl-dev
  qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
  qml6-module-qtquick-window qml6-module-qtquick-templates qml6-module-qtqml-workerscript
  qml6-module-qtquick-dialogs qml6-module-qt-labs-platform qml6-module-qttest
  qt6-httpserver-dev qt6-websockets-dev
  libtorch-dev libopenblas0-openmp libopencv-dev libquazip1-qt6-dev zlib1g-dev libgtest-dev
  libgoogle-perftools-dev libmimalloc-dev
  xvfb xauth dpkg-dev
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
