#!/usr/bin/env bash
# `make soak`: ingests thousands of hostile inputs (src/samples/hostile.rs) plus CPython's e-mail
# test messages (Debian libpython3.11-testsuite, PSF licence) and the files in ../shared/hostile
# when present, with `intake ingest`, and accounts for every file: archived, duplicate or
# quarantined, none left unfinished, no crash. Prints the figures for RELIABILITY.md.
# SOAK_COUNT (default 2100) hostile files, SOAK_SEED (default 1).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="$here/target/release"
count="${SOAK_COUNT:-2100}"
seed="${SOAK_SEED:-1}"
work="$(mktemp -d /tmp/intake-soak.XXXXXX)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/in/hostile" "$work/in/cpython"
"$bin/intake-samples" hostile --out "$work/in/hostile" --count "$count" --seed "$seed"
for f in /usr/lib/python3.11/test/test_email/data/msg_*.txt; do
  cp "$f" "$work/in/cpython/$(basename "${f%.txt}").eml"
done
if [ -d "$here/../shared/hostile" ]; then
  mkdir -p "$work/in/shared"
  find "$here/../shared/hostile" -type f ! -name '*.md' -exec cp {} "$work/in/shared/" \;
fi
files=$(find "$work/in" -type f | wc -l)

# Deadlines shorter than the defaults so a soak of thousands fits in an hour; the mechanism is
# the same.
cat > "$work/intake.toml" <<TOML
data_dir = "$work/data"
[ocr]
page_timeout_secs = 10
item_timeout_secs = 120
[pipeline]
extract_timeout_secs = 20
understand_timeout_secs = 20
TOML
export INTAKE_CONFIG="$work/intake.toml"

started=$(date +%s)
set +e
"$bin/intake" ingest "$work/in" > "$work/ingest.out" 2> "$work/ingest.err"
rc=$?
set -e
seconds=$(( $(date +%s) - started ))

summary=$(grep -E '^[0-9]+ file\(s\) in' "$work/ingest.err" | tail -1 || true)
read -r archived duplicates failed < <(
  sed -E 's/.*: ([0-9]+) archived, ([0-9]+) duplicate\(s\), ([0-9]+) failed.*/\1 \2 \3/' <<<"${summary:-0: 0 archived, 0 duplicate(s), 0 failed}")
unfinished=$("$bin/intake" status | awk '$1 ~ /^(received|extracted|classified|indexed)$/ {s += $2} END {print s + 0}')
overruns=$(grep -c 'passed its deadline' "$work/ingest.err" || true)
crashed=0
if [ "$rc" -gt 1 ] || [ -z "$summary" ]; then crashed=1; fi

echo "soak: $files files ($count hostile, seed $seed, + public corpora) in ${seconds} s"
echo "soak: archived $archived, duplicates $duplicates, quarantined $failed, unfinished $unfinished, crashes $crashed, deadline overruns $overruns"
"$bin/intake" status | sed 's/^/soak: ledger /'
grep -E '^FAILED' "$work/ingest.err" | sed -E 's/^FAILED [^:]*: //' | cut -c1-90 | sed -E 's/[0-9]+/N/g' | sort | uniq -c | sort -rn | head -15 | sed 's/^/soak: reason /'
if [ "$crashed" -ne 0 ] || [ "$unfinished" -ne 0 ] || [ $((archived + duplicates + failed)) -ne "$files" ]; then
  echo "soak: FAILED — not every file is accounted for (exit $rc)" >&2
  tail -20 "$work/ingest.err" >&2
  exit 1
fi
echo "soak: every file accounted for"
