#!/bin/sh
# Retrains the shipped text model, classifiers/model.json, from scratch. Deterministic: the same
# inputs give the same file, byte for byte, on the same platform (exp/ln come from its libm).
#   - 4,000 generated documents (seed 21: 3,000 e-mails, 1,000 letters). They teach the phrase
#     families but are easier than real mail, so they do not calibrate the model.
#   - every hand-written set in samples/ (weight 3 each): dev/, validation/ and validation-2/
#     teach but do not calibrate (the rules were tuned on them); train/*/ were never looked at
#     while writing rules, so their out-of-fold predictions fit the model's temperature and
#     its share against the rules (classifiers/*.toml, read from the files).
# Never add the held-out set samples/heldout/ here: it is what the model is measured on.
# Usage: scripts/train-model.sh [OUT]   (default classifiers/model.json; needs a release build,
# or INTAKE and INTAKE_SAMPLES naming the binaries)
set -eu
case ${1:-} in
  "") out=classifiers/model.json ;;
  /*) out=$1 ;;
  *) out=$PWD/$1 ;;
esac
cd "$(dirname "$0")/.."
repo=$PWD
intake=${INTAKE:-target/release/intake}
samples_bin=${INTAKE_SAMPLES:-target/release/intake-samples}
work=target/model-training
rm -rf "$work"
mkdir -p "$work/root"
"$samples_bin" corpus --out "$work/root/generated" --emails 3000 --pdfs 1000 \
  --seed 21 --customers 400 >/dev/null 2>&1
calibrating=$(cd samples && ls -d train/*/ 2>/dev/null | sed 's|/$||') || true
if [ -z "$calibrating" ]; then
  echo "no training sets in samples/train/: nothing would calibrate the model" >&2
  exit 1
fi
handwritten="dev validation validation-2 $calibrating"
for set in $handwritten; do
  mkdir -p "$(dirname "$work/root/$set")"
  ln -s "$repo/samples/$set" "$work/root/$set"
done
# Prefix each label's file with its folder and add the training fields. Label lines are one
# object each, starting with "file" (as intake-samples and the hand-written sets write them).
label() { # folder, extra fields, labels file
  sed -e "s|^{ *\"file\": *\"|{$2, \"file\": \"$1/|" "$3"
}
{
  label generated '"calibrate": false' "$work/root/generated/truth.jsonl"
  for set in $handwritten; do
    case $set in
      train/*) fields='"weight": 3' ;;
      *) fields='"weight": 3, "calibrate": false' ;;
    esac
    label "$set" "$fields" "samples/$set/labels.jsonl"
  done
} > "$work/labels.jsonl"
if [ "$(grep -c '"file": "' "$work/labels.jsonl")" -ne "$(grep -c . "$work/labels.jsonl")" ]; then
  echo "a label line does not start with \"file\"; see $work/labels.jsonl" >&2
  exit 1
fi
# The rules come from the files, not from whatever the binary was built with.
cat > "$work/intake.toml" <<TOML
data_dir = '$repo/$work/data'
folders = []
[classify]
classifiers_dir = '$repo/classifiers'
use_model = false
TOML
INTAKE_CONFIG="$work/intake.toml" "$intake" train --labels "$work/labels.jsonl" \
  --root "$work/root" --out "$out"
