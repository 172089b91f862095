"""Fault tests take minutes: they run when asked for (`make test-faults`, i.e. `-m faults`), and
`make test` / `.ci/run`'s default pass leaves them out (deselected, not skipped)."""

from __future__ import annotations


def pytest_collection_modifyitems(config, items):
    if (config.getoption("markexpr") or "").strip() == "faults":
        return
    kept = [item for item in items if item.get_closest_marker("faults") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker("faults") is not None])
        items[:] = kept
