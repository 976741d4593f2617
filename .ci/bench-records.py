#!/usr/bin/env python3
"""Whole-process records benchmark (issue 14 items 2-3): `ibackup messages|contacts|calls
--db FILE --format jsonl > /dev/null` beside `sqlite3 -readonly -json FILE < reference.sql`,
interleaved rounds (each round runs every command once), under /usr/bin/time; prints the
medians of wall and CPU (user+system) time, the largest peak RSS, the ratios of the medians
and the 1-minute load before and after.

  .ci/bench-records.py ROUNDS IBACKUP KIND=FILE...     (KIND: messages, contacts, calls)

Databases: messages from `IOSBACKUP_BENCH_OUT=DIR go test -run TestWriteBenchDatabases
./records`; contacts and calls from `.ci/bench-people-gen.sh N DIR IDX`.
"""
import os, statistics, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
REF = {
    "messages": open(os.path.join(here, "bench-messages-ref.sql")).read(),
    # the people with their multi-values (phones, emails, addresses), in order; a join rather
    # than a correlated subquery, which SQLite runs quadratically when record_id has no index
    "contacts": "SELECT p.*, v.property, v.label, v.value FROM ABPerson p LEFT JOIN ABMultiValue v "
                "ON v.record_id = p.ROWID ORDER BY p.ROWID, v.UID;",
    "calls": None,  # chosen from the schema below
}
CALLS_NEW = "SELECT * FROM ZCALLRECORD ORDER BY ZDATE;"
CALLS_OLD = "SELECT * FROM call ORDER BY date;"

def timed(cmd, stdin=None):
    r = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M"] + cmd, input=stdin, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("failed: %s: %s" % (" ".join(cmd), r.stderr[-500:]))
    e, u, s, m = map(float, r.stderr.strip().splitlines()[-1].split())
    return e, u + s, m / 1024

def main():
    rounds, ib = int(sys.argv[1]), sys.argv[2]
    for spec in sys.argv[3:]:
        kind, db = spec.split("=", 1)
        ref = REF[kind] or (CALLS_NEW if db.endswith(".storedata") else CALLS_OLD)
        load0 = open("/proc/loadavg").read().split()[0]
        ours, theirs = [], []
        for _ in range(rounds):
            ours.append(timed([ib, kind, "--db", db, "--format", "jsonl"]))
            theirs.append(timed(["sqlite3", "-readonly", "-json", db], stdin=ref))
        load1 = open("/proc/loadavg").read().split()[0]
        med = lambda v, k: statistics.median(x[k] for x in v)
        print("%-8s %-40s ibackup wall %.3f cpu %.3f rss %4.0f MiB | sqlite3 wall %.3f cpu %.3f rss %4.0f MiB | "
              "ratio wall %.2fx cpu %.2fx | size %.1f MiB | load %s-%s" % (
                  kind, os.path.relpath(db), med(ours, 0), med(ours, 1), max(x[2] for x in ours),
                  med(theirs, 0), med(theirs, 1), max(x[2] for x in theirs),
                  med(ours, 0) / med(theirs, 0), med(ours, 1) / max(med(theirs, 1), 1e-3),
                  os.path.getsize(db) / 2**20, load0, load1), flush=True)

main()
