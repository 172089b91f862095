"""Run a benchmark: `python -m tests.benchmarks NAME [ARGS...]` runs tests/benchmarks/NAME.py:main(ARGS)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in available():
        print(f"usage: python -m tests.benchmarks NAME [ARGS...]; NAME is one of: {', '.join(available()) or '(none)'}",
              file=sys.stderr)
        return 2
    module = importlib.import_module(f"tests.benchmarks.{argv[0]}")
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
