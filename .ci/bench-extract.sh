#!/usr/bin/env bash
# Whole-process extraction benchmark (issue 14 item 1): `ibackup extract`
# against `cp -r` of the same backup folder, interleaved rounds, with `sync`
# before and after each timed command (not timed), under /usr/bin/time -v.
#
#   .ci/bench-extract.sh [ROUNDS] [WORKDIR]        (defaults: 5, /tmp/ibackup-bench)
#
# Builds the tool and, if missing, the two benchmark backups of BENCHMARKS.md
# (mixed: one 512 MiB file + 1,758 small/empty; small: 20,000 files of 2-12 KB)
# in WORKDIR, which must be on the file system to measure (outputs go there too).
# Prints per backup the median elapsed time, median user+system CPU time and
# the largest peak RSS of each command, and the ratio of the medians.
# With FLOOR=1 it first measures what bounds an encrypted extraction: the
# disk's write bandwidth (O_DIRECT), the page-cache write and read rates
# through 128 KiB buffers (what a user-space copy pays), the in-kernel copy
# of `cp` (copy_file_range), and AES-256-CBC decryption on one and two cores.
#
# Set IBACKUP=path to time another build instead, and IBACKUP_BASE=path to
# time a second build (e.g. an older commit) in the same rounds.
#
# Outputs are deleted only after the last round: on ext4 without a journal
# (as on the machine of BENCHMARKS.md) the inode allocator skips inodes
# freed in the last 60-360 s, and after `rm -rf` of 20,000 files that scan
# took most of the system time of the next extraction or copy, whichever
# ran, so deleting between runs measures the file system's recovery.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
work=${2:-/tmp/ibackup-bench}
mkdir -p "$work"
work=$(cd "$work" && pwd)

if [ -z "${IBACKUP:-}" ]; then
  go build -o "$work/ibackup" ./cmd/ibackup
  IBACKUP=$work/ibackup
fi
if [ ! -f "$work/mixed.key" ]; then
  rm -rf "$work/mixed"
  IOSBACKUP_BENCH_OUT=$work/mixed go test -count=1 -run TestWriteBenchBackup ./backup >/dev/null
fi
if [ ! -f "$work/small.key" ]; then
  rm -rf "$work/small"
  IOSBACKUP_BENCH_OUT=$work/small IOSBACKUP_BENCH_SMALL=20000 go test -count=1 -run TestWriteBenchBackup ./backup >/dev/null
fi

# run NAME CMD...: one timed run; appends "elapsed user sys maxrss_kb" to $work/NAME.times
run() {
  local name=$1
  shift
  sync
  /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
    cat "$work/stderr.txt" >&2
    exit 1
  }
  sync
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, a, ":"); e = 0; for (i = 1; i <= n; i++) e = e * 60 + a[i] }
    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { m = $2 }
    END { printf "%.3f %.3f %.3f %d\n", e, u, s, m }' "$work/time.txt" >>"$work/$name.times"
}

# median FILE COLUMN-EXPR: median of an awk expression over the lines of FILE
median() {
  awk "{ print $2 }" "$1" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

summary() {
  local f=$work/$1.times
  median "$f" '$1' >"$work/$1.median"
  printf '%-16s elapsed median %s s (best %s, worst %s)  cpu median %s s  peak RSS %s MiB\n' "$1" \
    "$(cat "$work/$1.median")" "$(sort -n "$f" | head -1 | cut -d' ' -f1)" "$(sort -n "$f" | tail -1 | cut -d' ' -f1)" \
    "$(median "$f" '$2 + $3')" "$(awk '$4 > m { m = $4 } END { printf "%.1f", m / 1024 }' "$f")"
}

# cpu CMD...: prints "elapsed user+sys" of one run of CMD
cpu() {
  /usr/bin/time -f '%e %U %S' -o "$work/time.txt" "$@" >/dev/null 2>&1
  awk '{ printf "elapsed %.2f s, user+sys %.2f s", $1, $2 + $3 }' "$work/time.txt"
}

if [ "${FLOOR:-}" = 1 ]; then
  echo "floor (load $(cut -d' ' -f1-3 /proc/loadavg)):"
  big=$(find "$work/mixed" -type f -size +100M | head -1)
  sync
  echo "  disk write, 1 GiB O_DIRECT:            $(dd if=/dev/zero of="$work/dd.tmp" bs=1M count=1024 oflag=direct 2>&1 | tail -1)"
  rm -f "$work/dd.tmp"
  sync
  echo "  page-cache write, 512 MiB, 128 KiB:    $(cpu dd if=/dev/zero of="$work/dd.tmp" bs=128k count=4096)"
  rm -f "$work/dd.tmp"
  sync
  echo "  page-cache read, 512 MiB payload:      $(cpu dd if="$big" of=/dev/null bs=128k)"
  echo "  user-space copy (dd 128 KiB) of it:    $(cpu dd if="$big" of="$work/dd.tmp" bs=128k)"
  rm -f "$work/dd.tmp"
  sync
  echo "  in-kernel copy (cp) of it:             $(cpu cp "$big" "$work/dd.tmp")"
  rm -f "$work/dd.tmp"
  sync
  go test -run '^$' -bench 'DecryptInPlace' -benchtime 20x -count 3 ./internal/cbcio/ | awk '/^Benchmark/ { print "  AES-256-CBC decryption, " $1 ": " $(NF-1) " MB/s" }'
fi

echo "load before: $(uptime)"
rm -rf "$work/out"
mkdir "$work/out"
for b in ${BENCH_SETS:-mixed small}; do
  rm -f "$work/cp-$b.times" "$work/ibackup-$b.times" "$work/base-$b.times"
done
for ((i = 1; i <= rounds; i++)); do
  for b in ${BENCH_SETS:-mixed small}; do
    run "cp-$b" cp -r "$work/$b" "$work/out/cp-$b-$i"
    run "ibackup-$b" "$IBACKUP" extract "$work/$b" "$work/out/ibackup-$b-$i" --key-file "$work/$b.key"
    if [ -n "${IBACKUP_BASE:-}" ]; then
      run "base-$b" "$IBACKUP_BASE" extract "$work/$b" "$work/out/base-$b-$i" --key-file "$work/$b.key"
    fi
  done
done
echo "load after:  $(uptime)"
rm -rf "$work/out"
for b in ${BENCH_SETS:-mixed small}; do
  summary "cp-$b"
  summary "ibackup-$b"
  if [ -n "${IBACKUP_BASE:-}" ]; then
    summary "base-$b"
  fi
  awk -v b="$b" 'NR == FNR { c = $1; next } { printf "%-16s ratio of medians: %.2fx cp -r\n", b, $1 / c }' \
    "$work/cp-$b.median" "$work/ibackup-$b.median"
done
