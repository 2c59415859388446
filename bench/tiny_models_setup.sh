# Sourced by the bench scripts that run the tiny refdata models: sets root, build (the first
# argument, shifted off, default build/), refdata and a scratch folder $work (removed on exit)
# holding a models folder with tiny-sd15 and the CLIP vocabulary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
shift || true
refdata="${TESSERA_REFDATA:-$root/../shared/refdata}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/models/checkpoints" "$work/models/tokenizers"
ln -s "$refdata/models/tiny-sd15.safetensors" "$work/models/checkpoints/"
ln -s "$refdata/bpe_simple_vocab_16e6.txt.gz" "$work/models/tokenizers/"
