"""Benchmark of the reply parsers (issue 17, issue 12 points 1 and 3), not a timed test.

    make bench BENCH=reply_parsing
    .venv/bin/python -m tests.benchmarks reply_parsing [--before REV] [--runs 5] [--bytes 1000000]

1. Accuracy: the phrase corpus (tests/notifications/corpus/when_*.tsv) read by today's
   `read_when` and by the parser at git revision REV (default: the commit before issue 17),
   per language and class: phrases read right, and confident wrong answers (a sure reading the
   owner never meant: a booking on a wrong day). Before, every reading counted as sure.
2. Quote stripping: the mail corpus (tests/notifications/corpus/mail_quotes.py), before and after.
3. Time at the size cap: `mail_parse` on each hostile mail shape, `read_when` on a megabyte of
   dense dates (capped as in production, and uncapped at 100 KB and 1 MB to show it is linear),
   median and spread (min–max) of --runs runs, each with its ratio to a same-run lower bound
   doing the same reading of the bytes (lower-casing them and decoding them as UTF-8, C speed).
   The parsers at REV are timed on smaller inputs (they were quadratic: 1 MB would take hours).

Verdict (exit 1): any confident wrong answer or < 97 % right in a language today, any quote case
wrong, any median at the cap ≥ 0.2 s.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import time
import types
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
BEFORE = "4ac1e5b"  # main just before issue 17's parsers
LIMIT_SECONDS = 0.2


def _old_module(revision: str, path: str) -> types.ModuleType:
    """A parser module as it was at `revision` (its one moved import rewritten)."""
    source = subprocess.run(["git", "show", f"{revision}:{path}"], cwd=BASE_DIR, check=True, capture_output=True,
                            text=True).stdout
    source = source.replace("from vehicles.preferences import", "from vehicles.parsing.preferences import")
    module = types.ModuleType(f"before_{Path(path).stem}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, path, "exec"), module.__dict__)  # noqa: S102 - our own file from our own history
    return module


def _time(function: Callable[[], object], runs: int) -> list[float]:
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        found.append(time.perf_counter() - started)
    return found


def _figure(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:8.1f} ms ({min(seconds) * 1000:.1f}–{max(seconds) * 1000:.1f})"


def _score(read: Callable[[str], list[str]], corpus) -> dict[tuple[str, str], list[int]]:
    """(language, class) → [phrases, right, confident wrong]."""
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for phrase in corpus:
        got = tuple(read(phrase.text))
        sure_expected = {e for e in phrase.expected if not e.startswith("?")}
        row = table[(phrase.language, phrase.kind)]
        row[0] += 1
        row[1] += got == phrase.expected
        row[2] += any(not g.startswith("?") and g not in sure_expected for g in got)
    return table


def _accuracy(revision: str) -> bool:
    from notifications.parsing.when import read_when
    from tests.notifications.corpus import TODAY, canonical, phrases, shown

    corpus = phrases("ja") + phrases("en")
    old = _old_module(revision, "notifications/parsing/when.py")
    before = _score(lambda text: [shown(p) for p in old.parse_when(text, today=TODAY)], corpus)
    after = _score(lambda text: [canonical(r) for r in read_when(text, today=TODAY)], corpus)
    print(f"\n1. Phrase corpus, today = {TODAY}: right / phrases (confident wrong), before = {revision}, after = now")
    print(f"   {'language':8} {'class':14} {'before':>16} {'after':>16}")
    ok = True
    for language in ("ja", "en"):
        totals = {"before": [0, 0, 0], "after": [0, 0, 0]}
        for key in sorted(k for k in after if k[0] == language):
            b, a = before[key], after[key]
            print(f"   {language:8} {key[1]:14} {b[1]:>4}/{b[0]:<4} ({b[2]:>3}) {a[1]:>6}/{a[0]:<4} ({a[2]:>3})")
            for name, row in (("before", b), ("after", a)):
                totals[name] = [x + y for x, y in zip(totals[name], row, strict=True)]
        b, a = totals["before"], totals["after"]
        print(f"   {language:8} {'ALL':14} {b[1]:>4}/{b[0]:<4} ({b[2]:>3}) {a[1]:>6}/{a[0]:<4} ({a[2]:>3})   "
              f"{100 * b[1] / b[0]:.1f} % → {100 * a[1] / a[0]:.1f} %")
        ok = ok and a[2] == 0 and a[1] / a[0] >= 0.97
    return ok


def _quotes(revision: str) -> bool:
    from notifications.parsing.quotes import strip_quoted
    from tests.notifications.corpus.mail_quotes import CASES

    old = _old_module(revision, "notifications/parsing/mail.py")
    before = sum(old.strip_quoted(c.body) == c.expected for c in CASES)
    after = sum(strip_quoted(c.body) == c.expected for c in CASES)
    print(f"\n2. Quote stripping, our mail corpus: before {before}/{len(CASES)}, after {after}/{len(CASES)}")
    return after == len(CASES)


def _bound(raw: bytes) -> Callable[[], object]:
    return lambda: (raw.lower(), raw.decode("utf-8", "replace"))


def _timings(revision: str, runs: int, cap: int) -> bool:
    from notifications.parsing.mail import MalformedMail, mail_parse
    from notifications.parsing.when import read_when
    from tests.notifications.corpus import TODAY
    from tests.notifications.corpus.hostile_mail import hostile

    def parse(raw: bytes) -> None:
        with contextlib.suppress(MalformedMail):
            mail_parse(raw)

    print(f"\n3. Time at the size cap ({cap:,} bytes), median (min–max) of {runs} runs; ratio to the same-run bound")
    ok = True
    for name, build in hostile(cap).items():
        raw = build()
        seconds, bound = _time(lambda raw=raw: parse(raw), runs), _time(_bound(raw), runs)
        ratio = statistics.median(seconds) / max(statistics.median(bound), 1e-9)
        print(f"   mail_parse  {name:32} {len(raw):>9,} B {_figure(seconds)}  ×{ratio:6.1f}")
        ok = ok and statistics.median(seconds) < LIMIT_SECONDS
    dense = "12月5日 10時、" * (cap // len("12月5日 10時、".encode()))
    for label, text, limit in (
        ("read_when capped (as used)", dense, None), ("read_when uncapped 100 KB", dense[: len(dense) // 10], len(dense)),
        ("read_when uncapped 1 MB", dense, len(dense)),
    ):
        def run(text=text, limit=limit) -> object:
            return read_when(text, today=TODAY) if limit is None else read_when(text, today=TODAY, limit=limit)

        seconds, bound = _time(run, runs), _time(_bound(text.encode()), runs)
        ratio = statistics.median(seconds) / max(statistics.median(bound), 1e-9)
        print(f"   {label:44} {len(text.encode()):>9,} B {_figure(seconds)}  ×{ratio:6.1f}")
        if limit is None:
            ok = ok and statistics.median(seconds) < LIMIT_SECONDS
    old_when = _old_module(revision, "notifications/parsing/when.py")
    old_mail = _old_module(revision, "notifications/parsing/mail.py")
    print(f"   before ({revision}), one run each:")
    for size in (25_000, 50_000, 100_000):
        text = dense[: size // 4]
        print(f"   parse_when  dense dates {len(text.encode()):>9,} B {_figure(_time(lambda t=text: old_when.parse_when(t, today=TODAY), 1))}")
    for count in (5_000, 10_000, 20_000):
        line = "2026年11月24日 <" + "@" * count
        print(f"   strip_quoted date then @ {len(line.encode()):>8,} B {_figure(_time(lambda s=line: old_mail.strip_quoted(s), 1))}")
    return ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks reply_parsing")
    parser.add_argument("--before", default=BEFORE, help="git revision of the parsers to compare with")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bytes", type=int, default=1_000_000, help="the size cap (INBOUND_MAIL_MAX_BYTES)")
    args = parser.parse_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    verdicts = [_accuracy(args.before), _quotes(args.before), _timings(args.before, args.runs, args.bytes)]
    print(f"\nverdict: {'PASS' if all(verdicts) else 'FAIL'}")
    return 0 if all(verdicts) else 1
