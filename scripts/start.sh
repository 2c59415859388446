#!/usr/bin/env bash
# Installs what Tessera needs, builds it and starts the editor on the img2img example. Without a
# display it runs the example headless with the command line and says where the picture went.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target tessera tessera-editor tessera_image_adjust -j"$(nproc)"

MODELS=${TESSERA_MODELS:-$HOME/.local/share/tessera/models}
mkdir -p "$MODELS"/{checkpoints,vae,controlnet,loras,embeddings,vae_approx,depth,tokenizers}
EXAMPLE=resources/examples/img2img.tessera
ARGS=(--models "$MODELS" --output output)
if ! ls "$MODELS"/checkpoints/*.safetensors >/dev/null 2>&1 && [ -d ../shared/refdata/models ]; then
  # No checkpoint of the user's yet: demonstrate on the tiny random-weight reference models.
  DEMO=build/demo-models
  mkdir -p "$DEMO"/{checkpoints,tokenizers}
  ln -sf "$PWD"/../shared/refdata/models/tiny-sd15.safetensors "$DEMO"/checkpoints/
  ln -sf "$PWD"/../shared/refdata/bpe_simple_vocab_16e6.txt.gz "$DEMO"/tokenizers/
  echo "No checkpoint in $MODELS/checkpoints: running the example on the tiny reference model (the picture is noise)."
  ARGS=(--models "$DEMO" --output output --set CheckpointLoaderSimple.ckpt_name=tiny-sd15.safetensors)
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  MODELS_ARG=("${ARGS[@]:0:2}")
  exec ./build/app/tessera-editor "$EXAMPLE" "${MODELS_ARG[@]}"
fi
./build/app/tessera run "$EXAMPLE" "${ARGS[@]}" || {
  echo
  echo "Put the files listed above into $MODELS and run this script again."
  exit 1
}
echo "Done: the picture is in $PWD/output/"
