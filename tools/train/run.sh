#!/usr/bin/env bash
# The whole training recipe in one command (corpus, tokenizer, three models, cards).
# Usage: tools/train/run.sh [--out DIR] [recipe options]; DIR defaults to models/ of this repository.
# Runs on a GPU host (about 8 minutes on one H200); on CPU only with tiny settings (see tools/train/README.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
args=("$@")
if [[ " ${args[*]} " != *" --out "* ]]; then
  args=(--out "$here/../../models" "${args[@]}")
fi
PYTHONUNBUFFERED=1 exec "${PYTHON:-python3}" "$here/recipe.py" "${args[@]}"
