"""Growth of the seed and the daily run with the fleet (issue 13 §1), not a timed test.

    .venv/bin/python -m tests.benchmarks scale [--sizes 1000000,10000000] [--dates 5] [--keep]

For each size, in one run: a fresh database `benchscale_<size>` on the private PostgreSQL,
`seed_demo --vehicles <size>` timed, then the daily-run benchmark (tests/benchmarks/daily_run.py:
the median of --dates business dates beside its same-run bound, one hand-written INSERT … SELECT,
and the 1st of the month beside its write floor). Prints, per size, each figure beside its bound
and its growth from the smallest size, and the verdict of issue 13:
- the daily run grows at most linearly (its growth ≤ the size ratio) and stays ≤ 1.5× its bound;
- the 1st of the month stays ≤ 2× its write floor;
- the seed: ≤ 60 s per million cars (1M), ≤ 12 minutes for 10M.
Drops each database after its size unless --keep (10M cars take about 16 GB).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PATTERNS = {
    "seed_s": r"seeded in (\d+) s",
    "run_ms": r"median: run ([\d.]+) ms",
    "bound_ms": r"bound ([\d.]+) ms, ratio",
    "ratio": r"ratio ([\d.]+) \(median of the per-date ratios",
    "first_ms": r"first of the month [\d-]+: run ([\d.]+) ms",
    "first_floor_ms": r"from a table that holds them: ([\d.]+) ms",
}


def _run_size(size: int, dates: int, keep: bool) -> dict[str, float]:
    from tests.benchmarks.daily_run import _server_socket_dir

    name = f"benchscale_{size}"
    import psycopg

    admin = f"postgresql://postgres@/postgres?host={_server_socket_dir()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    started = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    process = subprocess.Popen([sys.executable, "-m", "tests.benchmarks", "daily_run", "--vehicles", str(size), "--db", name,
                                "--dates", str(dates)], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        print(f"  [{size:,}] {line}", end="", flush=True)
        lines.append(line)
    code = process.wait()
    output = "".join(lines)
    if not keep:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if code != 0:
        raise SystemExit(f"the daily-run benchmark at {size:,} cars failed ({code})")
    found = {}
    for key, pattern in PATTERNS.items():
        match = re.search(pattern, output)
        if match is None:
            raise SystemExit(f"{key} not found in the daily-run benchmark's output at {size:,}")
        found[key] = float(match.group(1))
    found["wall_s"] = time.perf_counter() - started
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks scale")
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated fleet sizes, smallest first")
    parser.add_argument("--dates", type=int, default=5, help="business dates per size (the daily run's median)")
    parser.add_argument("--keep", action="store_true", help="keep the databases (large!)")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))

    from tconnect.devstack import start_postgres

    server, _url = start_postgres()
    print(f"scale benchmark: sizes {', '.join(f'{s:,}' for s in sizes)}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs", flush=True)
    results = {size: _run_size(size, args.dates, args.keep) for size in sizes}
    base_size = sizes[0]
    base = results[base_size]
    print(f"\n{'cars':>12} {'seed s':>7} {'s/1M':>6} {'run ms':>8} {'bound ms':>9} {'ratio':>6} {'growth':>7} "
          f"{'bound gr.':>9} {'1st ms':>8} {'floor ms':>9} {'1st/floor':>9}")
    ok = True
    for size in sizes:
        r = results[size]
        growth, bound_growth = r["run_ms"] / base["run_ms"], r["bound_ms"] / base["bound_ms"]
        per_million = r["seed_s"] / (size / 1_000_000)
        first_ratio = r["first_ms"] / r["first_floor_ms"]
        print(f"{size:>12,} {r['seed_s']:>7.0f} {per_million:>6.0f} {r['run_ms']:>8.1f} {r['bound_ms']:>9.1f} "
              f"{r['ratio']:>6.2f} {growth:>6.1f}x {bound_growth:>8.1f}x {r['first_ms']:>8.1f} {r['first_floor_ms']:>9.1f} "
              f"{first_ratio:>9.2f}")
        linear = growth <= size / base_size * 1.0 + 1e-9
        ok &= linear and r["ratio"] <= 1.5 and first_ratio <= 2.0
        if size >= 10_000_000:
            ok &= r["seed_s"] <= 12 * 60
        if size == 1_000_000:
            ok &= r["seed_s"] <= 60
    print(f"\ngrowth = the daily run's median at that size / at {base_size:,} (size ratio up to "
          f"{sizes[-1] / base_size:.0f}x); ratio = run / same-run bound (median of the per-date ratios)")
    print(f"verdict (growth ≤ size ratio, run ≤ 1.5× bound, 1st ≤ 2× floor, seed ≤ 60 s per 1M at 1M and ≤ 12 min at 10M): "
          f"{'yes' if ok else 'NO'}; load average {os.getloadavg()[0]:.1f}")
    del server
    return 0 if ok else 1
