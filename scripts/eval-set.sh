#!/usr/bin/env bash
# Evaluates one labelled set with its own master data in a fresh, temporary data directory
# (sets' master data must not mix): imports customers/contracts/claims, runs `intake eval`.
#
#   scripts/eval-set.sh SETDIR [OUT]      # OUT.json (figures only: a held-out set's mistakes
#                                         # stay unread); EVAL_TEXT=1 adds OUT.txt with them
#   INTAKE=path/to/intake scripts/eval-set.sh samples/eval/c /tmp/c
#
# SETDIR holds customers.csv, contracts.csv, optional claims.csv, labels.jsonl and the files
# the labels name.
set -euo pipefail
set_dir=$(cd "$1" && pwd)
out=${2:-}
intake=${INTAKE:-$(dirname "$0")/../target/release/intake}
intake=$(cd "$(dirname "$intake")" && pwd)/$(basename "$intake")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'data_dir = "%s/data"\n' "$work" >"$work/intake.toml"
export INTAKE_CONFIG="$work/intake.toml"
import=(--customers "$set_dir/customers.csv")
[ -f "$set_dir/contracts.csv" ] && import+=(--contracts "$set_dir/contracts.csv")
[ -f "$set_dir/claims.csv" ] && import+=(--claims "$set_dir/claims.csv")
"$intake" customers import "${import[@]}" >"$work/import.txt" || [ $? -eq 2 ]
if [ -n "$out" ]; then
  # The text report from a copy of the imported data directory: an evaluation ingests, so a
  # second run on the same directory would see duplicates.
  cp -a "$work/data" "$work/data-text"
  "$intake" eval --labels "$set_dir/labels.jsonl" --root "$set_dir" --json >"$out.json"
  if [ "${EVAL_TEXT:-0}" = 1 ]; then
    printf 'data_dir = "%s/data-text"\n' "$work" >"$work/intake.toml"
    "$intake" eval --labels "$set_dir/labels.jsonl" --root "$set_dir" >"$out.txt"
    cat "$work/import.txt" >>"$out.txt"
  fi
else
  "$intake" eval --labels "$set_dir/labels.jsonl" --root "$set_dir"
fi
