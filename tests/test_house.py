"""The house's rules, checked by walking the source (README: "Where things are").

- Layers: dealers ← vehicles ← notifications; no app imports the project package `tconnect`.
- No import circle among product modules; a function-local import counts (dodging a circle by
  importing late is still a circle).
- One layout: inside each app a package per layer and a module per capability; nothing at an
  app's top level but those layers and Django's own hook modules.
- Tasks are queued by name through one helper: no product module imports a `tasks` module.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("dealers", "vehicles", "notifications")
RANK = {"dealers": 0, "vehicles": 1, "notifications": 2}
LAYERS = {"models", "services", "selectors", "views", "forms", "admin", "api", "tasks", "urls", "parsing", "management"}
# Modules Django (or allauth) finds by name, and the app's own package marker.
DJANGO_HOOKS = {"__init__", "apps", "middleware", "adapters", "signals", "templatetags", "migrations"}
# Not layers of the server: the car agent (its own install extra) and the demo data generator.
APP_EXTRAS = {"vehicles": {"agent", "demo"}}
LAYER_NAMED = re.compile(r"^(selectors|views|admin|forms|services|tasks|urls|api)_.+|^.+_(selectors|views|admin|forms|tasks|portal|urls|api)$")


def _modules() -> dict[str, Path]:
    found = {}
    for top in (*APPS, "tconnect"):
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every imported name (module or module.attribute), at any depth of the file."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            names += [(node.lineno, a.name) for a in node.names]
    return names


def _graph() -> dict[str, set[str]]:
    return {m: {n for _line, n in _imports(p) if n in MODULES and n != m} for m, p in MODULES.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    circles = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def test_the_walk_sees_function_local_imports_and_finds_a_planted_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    local = ast.parse("def f():\n    from notifications.services import replies\n")
    assert any(isinstance(n, ast.ImportFrom) for n in ast.walk(local))  # ast.walk reaches into bodies


def test_no_import_circle_among_product_modules():
    assert _circles(_graph()) == []


def test_the_layers_point_one_way_and_apps_never_import_the_project_package():
    wrong = []
    for module, path in MODULES.items():
        source = module.split(".")[0]
        if source not in RANK:
            continue
        for line, name in _imports(path):
            target = name.split(".")[0]
            if target == "tconnect" or (target in RANK and RANK[target] > RANK[source]):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert wrong == []


@pytest.mark.parametrize("app", APPS)
def test_an_app_holds_its_layers_and_django_hooks_only(app):
    entries = {p.stem if p.is_file() else p.name for p in (ROOT / app).iterdir() if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}
    assert entries - LAYERS - DJANGO_HOOKS - APP_EXTRAS.get(app, set()) == set()


def test_no_module_is_named_by_its_layer():
    named = [m for m in MODULES if m.split(".")[0] in RANK and LAYER_NAMED.match(m.rsplit(".", 1)[-1])]
    assert named == []


def test_the_layers_have_the_same_names_in_every_app():
    """A layer is a package (or tasks.py / urls.py) of the same name wherever it exists."""
    for app in APPS:
        for layer in LAYERS - {"tasks", "urls"}:
            assert not (ROOT / app / f"{layer}.py").exists(), f"{app}/{layer}.py should be the package {app}/{layer}/"
        for layer in ("tasks", "urls"):
            assert not (ROOT / app / layer / "__init__.py").exists() or not (ROOT / app / f"{layer}.py").exists()


def test_services_queue_tasks_by_name_and_nothing_imports_a_tasks_module():
    importers = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for module, path in MODULES.items()
        for line, name in _imports(path)
        if re.match(r"^(dealers|vehicles|notifications)\.tasks(\.|$)", name) and not module.endswith(".tasks")
    ]
    assert importers == []
    direct = [
        str(path.relative_to(ROOT))
        for module, path in MODULES.items()
        if ".services." in f"{module}." and re.search(r"\.(delay|apply_async)\(", path.read_text(encoding="utf-8"))
    ]
    assert direct == [], "services queue through dealers.services.queueing.task_queue_on_commit"


def test_settings_are_one_pass():
    settings_source = (ROOT / "tconnect" / "settings.py").read_text(encoding="utf-8")
    assert "globals()" not in settings_source
    assert settings_source.count("from celery.schedules import crontab") == 1
    assert "CELERY_IMPORTS" not in settings_source
    assigned = [t.id for node in ast.parse(settings_source).body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)]
    assert sorted({n for n in assigned if assigned.count(n) > 1}) == []
