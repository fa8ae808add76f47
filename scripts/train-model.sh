#!/bin/sh
# Retrains the shipped text model, classifiers/model.json, from scratch (deterministic):
#   - 4,000 generated documents (seed 21: 3,000 e-mails, 1,000 letters). They teach the phrase
#     families but are easier than real mail, so they do not calibrate the model.
#   - the hand-written sets samples/dev/ and samples/validation/ (weight 3 each), which
#     calibrate its temperature.
# Never add the held-out set samples/heldout/ here: it is what the model is measured on.
# Usage: scripts/train-model.sh [OUT]   (default classifiers/model.json; needs a release build)
set -eu
cd "$(dirname "$0")/.."
out=${1:-classifiers/model.json}
work=target/model-training
rm -rf "$work"
mkdir -p "$work/root"
target/release/intake-samples corpus --out "$work/root/generated" --emails 3000 --pdfs 1000 \
  --seed 21 --customers 400 >/dev/null
ln -s "$PWD/samples/dev" "$work/root/dev"
ln -s "$PWD/samples/validation" "$work/root/validation"
# Prefix each label's file with its folder and add the training fields.
label() { # folder, extra fields, labels file
  sed -e "s|^{ *\"file\": *\"|{$2, \"file\": \"$1/|" "$3"
}
{
  label generated '"calibrate": false' "$work/root/generated/truth.jsonl"
  label dev '"weight": 3' samples/dev/labels.jsonl
  label validation '"weight": 3' samples/validation/labels.jsonl
} > "$work/labels.jsonl"
printf 'data_dir = "%s/data"\nfolders = []\n' "$PWD/$work" > "$work/intake.toml"
INTAKE_CONFIG="$work/intake.toml" target/release/intake train --labels "$work/labels.jsonl" \
  --root "$work/root" --out "$out"
