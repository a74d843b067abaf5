"""The package's architecture, read from its source: imports run one way through the layers, no
import cycle, twin engine files, unique class names, and a command line that imports nothing heavy.

Layers, lowest first (docs/architecture.md): model ← engines ← experiments ← store ← report ← api ←
cli. A module may import its own layer and those below it, at module level or inside a function.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "sim"
LAYERS = ("model", "engines", "experiments", "store", "report", "api", "cli")
TOP = {"sim", "sim.__main__"}
"""The package's face (lazy re-exports) and ``python -m sim``: above every layer."""
HEAVY = ("numpy", "pandas", "matplotlib", "scipy", "dask", "distributed", "SALib", "networkx", "rich",
         "pydantic", "pyarrow", "simpy", "yaml", "PIL", "shapely", "pyproj", "folium")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports(name: str, path: Path, module_level_only: bool = False) -> set[str]:
    """Names of the modules ``name`` imports (``from a import b`` gives ``a.b`` when that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    known = modules()
    out: set[str] = set()
    is_package = path.name == "__init__.py"

    def visit(nodes: list[ast.stmt], top: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                if not module_level_only:
                    visit(node.body, top)
                continue
            if isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(name, is_package, node)
                for a in node.names:
                    sub = f"{target}.{a.name}"
                    out.add(sub if sub in known else target)
            if module_level_only and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if isinstance(node, ast.ClassDef):
                    visit(node.body, top)
                continue
            for field in ("body", "orelse", "finalbody", "handlers"):
                child = getattr(node, field, None)
                if isinstance(child, list) and child and isinstance(child[0], ast.stmt | ast.ExceptHandler):
                    visit([c for c in child if isinstance(c, ast.stmt)] + [
                        s for h in child if isinstance(h, ast.ExceptHandler) for s in h.body], False)

    visit(tree.body, True)
    return out


def layer(name: str) -> int | None:
    parts = name.split(".")
    if parts[0] != "sim" or name in TOP:
        return None
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_is_in_a_layer() -> None:
    stray = [n for n in modules() if n not in TOP and layer(n) is None]
    assert not stray, f"modules outside the layers {LAYERS}: {stray}"


def test_imports_run_down_the_layers() -> None:
    upward = []
    for name, path in modules().items():
        own = layer(name)
        if own is None:
            continue
        for target in imports(name, path):
            if target.split(".")[0] in ("studies", "benchmarks", "tests"):
                upward.append(f"{name} imports {target} (outside the package)")
            t = layer(target)
            if t is not None and t > own:
                upward.append(f"{name} ({LAYERS[own]}) imports {target} ({LAYERS[t]})")
    assert not upward, "imports that run back up:\n" + "\n".join(upward)


def test_no_import_cycle() -> None:
    mods = modules()
    graph = {n: {t for t in imports(n, p, module_level_only=True) if t in mods and t != n} for n, p in mods.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            strong(v)
    assert not cycles, f"import cycles: {cycles}"


def test_twin_engine_files() -> None:
    des = {p.stem for p in (PACKAGE / "engines" / "des").glob("*.py")}
    batch = {p.stem for p in (PACKAGE / "engines" / "batch").glob("*.py")}
    for twin in ("engine", "road", "lifts", "leaving", "flights", "air_cover", "state"):
        assert twin in des and twin in batch, twin


def test_class_names_do_not_collide() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                where[node.name].append(name)
    clashes = {k: v for k, v in where.items() if len(v) > 1}
    assert not clashes, clashes


def test_simpy_private_fields_only_in_the_fence() -> None:
    offenders = [n for n, p in modules().items() if n != "sim.engines.des.simpy_internals"
                 and any(f in p.read_text(encoding="utf-8") for f in ("._ok", "._value"))]
    assert not offenders, offenders


def test_the_command_line_imports_nothing_heavy() -> None:
    """``--help`` and ``validate`` answer at once: building the parser and validating a file load none
    of the heavy libraries but what validation itself needs (pydantic, yaml)."""
    code = (
        "import sys; import sim.cli.main as m; m.build_parser(); "
        f"print(sorted({{k.split('.')[0] for k in sys.modules}} & set({HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout
    code = (
        "import sys; from sim.model.loader import load_scenario; load_scenario('scenarios/minusma_phase1_2023.yaml'); "
        f"print(sorted({{k.split('.')[0] for k in sys.modules}} & set({HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "['pydantic', 'yaml']", out.stdout
    # a scenario with distributions (MODEL.md §17) needs their quantiles: numpy and scipy.special, no more
    code = (
        "import sys; from sim.model.loader import load_scenario; load_scenario('scenarios/kidal_2023.yaml'); "
        f"print(sorted({{k.split('.')[0] for k in sys.modules}} & set({HEAVY!r})), 'scipy.stats' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "['numpy', 'pydantic', 'scipy', 'yaml'] False", out.stdout


@pytest.mark.parametrize("module", ["sim.model", "sim.engines.dispatch", "sim.model.rules"])
def test_low_layers_do_not_import_high_libraries(module: str) -> None:
    """The model does not import plotting, Dask or SALib (nor does the engines' dispatcher)."""
    code = (f"import sys, {module}; "
            "print(sorted({k.split('.')[0] for k in sys.modules} & {'matplotlib', 'dask', 'distributed', 'SALib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout
