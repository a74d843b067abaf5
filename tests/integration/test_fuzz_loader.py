"""Fuzzed loader: every shipped scenario, override and sweep file, mutated with a fixed seed, through
the real CLI. Each case either runs (exit 0, a complete results folder) or exits with code 2 and one
message naming the file (and the field, when the file still parses as a mapping), with no traceback
and no results folder. Also the limits: safe YAML, size and nesting, paths, no eval of user text.

The default run tries a few hundred mutated files (a fixed seed per file, counts printed with
``-s``); ``-m slow`` runs a sweep of thousands.
"""

from __future__ import annotations

import ast
import os
import random
import re
import shutil
import subprocess
import sys
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.cli.main import main
from sim.model.loader import MAX_FILE_BYTES, ScenarioError, read_yaml
from tests.helpers.fuzz_mutations import (
    Mutation,
    hostile_files,
    names,
    override_mutations,
    people_and_strict,
    references,
    structural,
    sweep_mutations,
    textual,
    yaml_tricks,
)
from tests.helpers.paths import OVERRIDES, ROOT, SWEEPS
from tests.helpers.paths import SHIPPED as SCENARIOS

pytestmark = pytest.mark.integration

SEED = 20231031
ENGINE = "des"
"""The cheapest engine on two replications of the shipped scenarios (and it refuses nothing)."""


def _seed(name: str, salt: int = 0) -> random.Random:
    return random.Random(SEED + salt + zlib.crc32(name.encode()))


def scenario_mutations(path: Path, scale: float = 1, salt: int = 0) -> list[Mutation]:
    raw = path.read_bytes()
    data = yaml.safe_load(raw)
    rng = _seed(path.name, salt)

    def k(n: int) -> int:
        return max(1, round(n * scale))

    return [
        *structural(data, rng, n_delete=k(14), n_swap=k(14), n_number=k(12), n_unknown=k(3)),
        *references(data, rng), *names(data, rng), *textual(raw, rng, n_cut=k(4)), *yaml_tricks(data, raw),
        *people_and_strict(data, rng, n=k(40)),
    ]


@dataclass
class Tally:
    """Outcomes of the cases of one shipped file, and the cases that broke a rule."""

    outcomes: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def report(self, label: str, n_files: int) -> str:
        return f"{label}: {n_files} mutated files, " + ", ".join(f"{k}: {v}" for k, v in sorted(self.outcomes.items()))


class Cli:
    """Runs ``sim.cli.main.main`` in this process and checks each outcome against the rules."""

    def __init__(self, capsys: Any, tmp: Path) -> None:
        self.capsys, self.tmp, self.n = capsys, tmp, 0

    def call(self, argv: list[str]) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def check(self, tally: Tally, case: str, argv: list[str], file: Path, needs_field: bool,
              writes: bool, label: str) -> int:
        """Run ``argv`` (with ``--out`` and ``--results-root`` in tmp when ``writes``), check it."""
        self.n += 1
        out_dir, root = self.tmp / f"out{self.n}", self.tmp / f"root{self.n}"
        if writes:
            argv = [*argv, "--out", str(out_dir), "--results-root", str(root)]
        code, out, err = self.call(argv)
        bad = problems(code, out, err, file, needs_field)
        if writes:
            bad += folder_problems(code, out_dir, root)
        tally.outcomes[f"{label} {'ok' if code == 0 else f'exit {code}'}"] += 1
        if bad:
            tally.problems.append(f"[{case}] {' '.join(argv[:2])}: {'; '.join(bad)}\n    stderr: {err.strip()[:300]}")
        return code


def problems(code: int, out: str, err: str, file: Path, needs_field: bool) -> list[str]:
    """What is wrong with one CLI outcome (empty if it follows the rules)."""
    bad = []
    if code not in (0, 2):
        bad.append(f"exit code {code}")
    if "Traceback" in err or "Traceback" in out or "internal error" in err:
        bad.append("traceback or internal error")
    if code == 2:
        if str(file) not in err:
            bad.append("message does not name the file")
        elif needs_field and not named_field(err, file):
            bad.append("message does not name a field")
        if err.count("\n") > 2:
            bad.append("more than one paragraph")
    return bad


def named_field(err: str, file: Path) -> bool:
    """``<file>: <field>: <message>`` with a field made of path characters."""
    rest = err.split(str(file), 1)[1]
    m = re.match(r": ([^:\s]+|--set [^:\s]*): \S", rest)
    return m is not None


def folder_problems(code: int, out_dir: Path, root: Path) -> list[str]:
    bad = []
    if root.exists() and any(root.iterdir()):
        bad.append(f"wrote into the results root: {sorted(p.name for p in root.iterdir())}")
    if code == 0:
        manifest = out_dir / "manifest.json"
        if not manifest.exists() or '"status": "complete"' not in manifest.read_text():
            bad.append("exit 0 without a complete results folder")
    elif out_dir.exists():
        bad.append(f"left a results folder: {sorted(p.name for p in out_dir.iterdir())}")
    shutil.rmtree(out_dir, ignore_errors=True)
    return bad


def fuzz_scenario_file(cli: Cli, path: Path, cases: list[Mutation], tmp: Path) -> Tally:
    """``validate`` and ``run`` each mutated copy of a scenario file."""
    tally = Tally()
    for i, case in enumerate(cases):
        file = tmp / f"{path.stem}-{i}.yaml"
        file.write_bytes(case.content)
        v = cli.check(tally, case.name, ["validate", str(file)], file, case.parsed, False, "validate")
        r = cli.check(tally, case.name, ["run", str(file), "--replications", "2", "--no-charts", "--quiet",
                                         "--engine", ENGINE], file, case.parsed, True, "run")
        if v == 2 and r == 0:
            tally.problems.append(f"[{case.name}] validate refused a file that runs")
        if case.refuse and 0 in (v, r):
            tally.problems.append(f"[{case.name}] accepted: the strict rules refuse it")
    return tally


def _finish(tally: Tally, label: str, n_files: int) -> None:
    print("\n" + tally.report(label, n_files))
    assert not tally.problems, f"{len(tally.problems)} broken cases:\n" + "\n".join(tally.problems[:40])


@pytest.mark.timeout(120)
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_mutated_scenarios(path, tmp_path, capsys):
    # the default run takes half the mutations of each kind; -m slow runs 2 seeds at 4 times as many
    cases = scenario_mutations(path, scale=0.5)
    tally = fuzz_scenario_file(Cli(capsys, tmp_path), path, cases, tmp_path)
    with capsys.disabled():
        _finish(tally, path.name, len(cases))
    assert len(cases) >= 45


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_mutated_scenarios_many(path, tmp_path, capsys):
    cases = [c for salt in range(1, 3) for c in scenario_mutations(path, scale=4, salt=salt)]
    tally = fuzz_scenario_file(Cli(capsys, tmp_path), path, cases, tmp_path)
    with capsys.disabled():
        _finish(tally, path.name, len(cases))


# -- counterfactual override files -------------------------------------------------------------------


def _base_of(override: Path) -> Path:
    phase2 = override.stem.endswith("_phase2") or override.stem == "southern_lifts_held"
    return ROOT / "scenarios" / ("minusma_phase2_2023.yaml" if phase2 else "kidal_2023.yaml")


def _set_args(data: Any) -> list[str] | None:
    """``--set PATH=VALUE`` arguments for an override mapping (None if it is not one)."""
    if not isinstance(data, dict):
        return None
    args = []
    for k, v in data.items():
        text = yaml.safe_dump(v, default_flow_style=True, width=10**9).strip().removesuffix("...").strip()
        args += ["--set", f"{k}={text}"]
    return args


@pytest.mark.timeout(120)
@pytest.mark.parametrize("path", OVERRIDES, ids=[p.stem for p in OVERRIDES])
def test_mutated_override_files(path, tmp_path, capsys):
    """Through ``studies.minusma_2023.findings.variant_scenario`` (the way the findings use them): a Scenario or a
    ScenarioError naming the override file; through ``--set``: the CLI rules."""
    from studies.minusma_2023.findings import variant_scenario

    raw_base = read_yaml(_base_of(path))
    raw = path.read_bytes()
    cases = override_mutations(yaml.safe_load(raw), raw, _seed(path.name), n_cut=3)
    cli, tally = Cli(capsys, tmp_path), Tally()
    for i, case in enumerate(cases):
        file = tmp_path / f"{path.stem}-{i}.yaml"
        file.write_bytes(case.content)
        try:
            variant_scenario(raw_base, file)
            tally.outcomes["variant ok"] += 1
        except ScenarioError as exc:
            tally.outcomes["variant refused"] += 1
            if exc.file != str(file) or (case.parsed and exc.field is None):
                tally.problems.append(f"[{case.name}] variant_scenario: names {exc.file!r} / {exc.field!r}: {exc}")
        except Exception as exc:
            tally.problems.append(f"[{case.name}] variant_scenario raised {type(exc).__name__}: {exc}")
        try:
            args = _set_args(yaml.safe_load(case.content))
        except yaml.YAMLError:
            args = None
        if args:
            base = _base_of(path)
            cli.check(tally, case.name, ["validate", str(base), *args], base, True, False, "--set validate")
    with capsys.disabled():
        _finish(tally, path.name, len(cases))


# -- sweep and sensitivity files ------------------------------------------------------------------------


def fuzz_sweep_file(path: Path, tmp_path: Path, capsys: Any, n: int, n_cut: int, salt: int = 0) -> None:
    """``sweep`` (or ``sensitivity``) on each mutated file, with the shipped scenario beside it as in
    ``scenarios/``; the closed-form fake engine runs the points, the validation path is the real one.
    A sensitivity file's ``n`` is set to 2 first (its 64 × 6 points would take minutes)."""
    (tmp_path / "sweeps").mkdir()
    for sc in SCENARIOS:
        shutil.copy(sc, tmp_path / sc.name)
    raw = path.read_bytes()
    data = yaml.safe_load(raw)
    command = "sensitivity" if "method" in data else "sweep"
    if command == "sensitivity":
        data["n"] = 2
        raw = yaml.safe_dump(data, sort_keys=False).encode()
    cases = sweep_mutations(data, raw, _seed(path.name, salt), n=n, n_cut=n_cut)
    cli, tally = Cli(capsys, tmp_path), Tally()
    for i, case in enumerate(cases):
        file = tmp_path / "sweeps" / f"{path.stem}-{i}.yaml"
        file.write_bytes(case.content)
        cli.check(tally, case.name, [command, str(file), "--replications", "2", "--no-charts", "--quiet"],
                  file, case.parsed, True, command)
    with capsys.disabled():
        _finish(tally, path.name, len(cases))


@pytest.mark.timeout(240)
@pytest.mark.parametrize("path", [pytest.param(p, marks=[] if p.stem == "kidal_flights_convoy_grid" else [pytest.mark.slow])
                                  for p in SWEEPS], ids=[p.stem for p in SWEEPS])
def test_mutated_sweep_files(path, tmp_path, capsys, fake_engine):
    """The grid sweep file in the default run; the LHS, Sobol and sensitivity files (slower to
    expand) with ``-m slow``."""
    fuzz_sweep_file(path, tmp_path, capsys, n=4, n_cut=1)


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_mutated_sweep_files_many(path, tmp_path, capsys, fake_engine):
    fuzz_sweep_file(path, tmp_path, capsys, n=120, n_cut=20, salt=1)


# -- files that attack the parser -----------------------------------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", hostile_files(), ids=[c.name for c in hostile_files()])
def test_hostile_files(case, tmp_path, capsys):
    file = tmp_path / "hostile.yaml"
    file.write_bytes(case.content)
    cli, tally = Cli(capsys, tmp_path), Tally()
    for command in ("validate", "run"):
        argv = [command, str(file)] + (["--replications", "2", "--no-charts"] if command == "run" else [])
        cli.check(tally, case.name, argv, file, False, command == "run", command)
    assert not tally.problems, tally.problems
    assert set(tally.outcomes) == {"validate exit 2", "run exit 2"}


def test_python_tags_are_refused_not_run(tmp_path, capsys):
    marker = tmp_path / "pwned"
    file = tmp_path / "tag.yaml"
    file.write_text(f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    assert main(["validate", str(file)]) == 2
    err = capsys.readouterr().err
    assert str(file) in err and "python/object/apply" in err and "Traceback" not in err
    assert not marker.exists()


def test_big_file_is_refused_before_parsing(tmp_path, capsys, monkeypatch):
    file = tmp_path / "big.yaml"
    line = b"k: " + b"x" * 1020 + b"\n"
    with file.open("wb") as f:
        for _ in range(100 * 1024):
            f.write(line)
    assert file.stat().st_size >= 100 * 1024 * 1024

    def no_parse(*a: Any, **k: Any) -> None:
        raise AssertionError("a file over the size limit was parsed")

    monkeypatch.setattr(yaml, "safe_load", no_parse)
    for argv in (["validate", str(file)], ["run", str(file), "--results-root", str(tmp_path / "r")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert str(file) in err and str(MAX_FILE_BYTES) in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def _special_paths(tmp_path: Path) -> dict[str, Path]:
    paths = {"directory": tmp_path / "dir.yaml", "dev_zero": Path("/dev/zero"), "dev_null": Path("/dev/null")}
    paths["directory"].mkdir()
    if hasattr(os, "mkfifo"):
        paths["fifo"] = tmp_path / "fifo.yaml"
        os.mkfifo(paths["fifo"])
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    paths["symlink_loop"] = loop
    dangling = tmp_path / "dangling.yaml"
    dangling.symlink_to(tmp_path / "missing.yaml")
    paths["dangling_symlink"] = dangling
    return paths


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", ["directory", "dev_zero", "dev_null", "fifo", "symlink_loop", "dangling_symlink"])
def test_paths_that_are_not_files(kind, tmp_path, capsys):
    """Never read a FIFO (it blocks) or /dev/zero (it never ends): refused fast, exit 2."""
    paths = _special_paths(tmp_path)
    if kind not in paths:
        pytest.skip("no FIFOs here")
    file = paths[kind]
    cli, tally = Cli(capsys, tmp_path), Tally()
    cli.check(tally, kind, ["validate", str(file)], file, False, False, "validate")
    cli.check(tally, kind, ["run", str(file), "--replications", "2", "--no-charts"], file, False, True, "run")
    assert not tally.problems, tally.problems
    assert set(tally.outcomes) == {"validate exit 2", "run exit 2"}


@pytest.mark.timeout(20)
def test_nesting_limit(tmp_path):
    file = tmp_path / "deep.yaml"
    file.write_text("name: " + "[" * 200 + "]" * 200 + "\n")
    with pytest.raises(ScenarioError, match="nested") as err:
        read_yaml(file)
    assert err.value.file == str(file)


@pytest.mark.parametrize("name", ["../../escape", "/tmp/abs", "..", "a/b", "é" * 80])
def test_scenario_names_cannot_leave_the_results_root(name, kidal_path, tmp_path, capsys):
    """The run id is made from the scenario name: whatever the name, the folder is inside the root."""
    data = yaml.safe_load(kidal_path.read_bytes())
    data["name"] = name
    file = tmp_path / "named.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True))
    root = tmp_path / "deep" / "root"
    code = main(["run", str(file), "--replications", "2", "--no-charts", "--quiet", "--engine", ENGINE,
                 "--results-root", str(root)])
    assert code == 0, capsys.readouterr().err
    made = [p for p in root.iterdir()]
    assert len(made) == 1 and made[0].parent == root and (made[0] / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "named.yaml"]
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["root"]


# -- no eval of user text ------------------------------------------------------------------------------------

DANGEROUS_CALLS = {"eval", "exec", "compile", "__import__"}
DANGEROUS_ATTRS = {("yaml", "load"), ("yaml", "unsafe_load"), ("yaml", "full_load"), ("pickle", "loads"),
                   ("pickle", "load"), ("os", "system"), ("subprocess", "getoutput"), ("yaml", "Loader")}


def _safe_yaml_loads(tree: ast.AST) -> set[int]:
    """``yaml.load(..., Loader=SAFE_LOADER)`` calls: their ``yaml.load`` attribute is allowed
    (``sim.model.loader.SAFE_LOADER`` is checked to be a safe loader below)."""
    ok = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "load" \
                and any(k.arg == "Loader" and isinstance(k.value, ast.Name) and k.value.id == "SAFE_LOADER"
                        for k in node.keywords):
            ok.add(id(node.func))
    return ok


def _calls(tree: ast.AST) -> list[tuple[str, int]]:
    found = []
    allowed = _safe_yaml_loads(tree)
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DANGEROUS_CALLS:
            found.append((node.func.id, node.lineno))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and (node.value.id, node.attr) in DANGEROUS_ATTRS:
            found.append((f"{node.value.id}.{node.attr}", node.lineno))
        if isinstance(node, ast.keyword) and node.arg == "shell" and isinstance(node.value, ast.Constant) \
                and node.value.value is True:
            found.append(("shell=True", node.lineno))
    return found


def test_no_eval_or_unsafe_loading_in_the_package():
    """No eval/exec/compile, unsafe YAML or pickle loading, or shell commands anywhere in ``sim/``."""
    sources = sorted((ROOT / "sim").rglob("*.py"))
    assert len(sources) > 20
    found = [f"{p.relative_to(ROOT)}:{line}: {what}" for p in sources
             for what, line in _calls(ast.parse(p.read_text(), str(p)))]
    assert found == []


def test_the_eval_check_finds_eval():
    assert _calls(ast.parse("eval(x)\nyaml.load(s)\nsubprocess.run(c, shell=True)\n"
                            "yaml.load(s, Loader=SAFE_LOADER)\nyaml.load(s, Loader=yaml.Loader)\n")) == [
        ("eval", 1), ("yaml.load", 2), ("shell=True", 3), ("yaml.load", 5), ("yaml.Loader", 5)]


def test_the_package_yaml_loader_is_safe():
    """The strict loader is a safe loader: no constructor of a python tag, and only the standard
    tags get past its check."""
    from sim.model.loader import SAFE_LOADER
    from sim.model.strict_yaml import ALLOWED_TAGS

    assert issubclass(SAFE_LOADER, (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    assert not [t for t in SAFE_LOADER.yaml_constructors if t and "python" in t]
    assert all(t.startswith("tag:yaml.org,2002:") and "python" not in t for t in ALLOWED_TAGS)


# -- real processes ---------------------------------------------------------------------------------------------


def _subprocess(args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("WITHDRAWAL_SIM_TRACEBACK", None)
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120, check=False)


SUBPROCESS_CASES: list[tuple[str, Callable[[Path], Mutation]]] = [
    ("truncated", lambda p: textual(p.read_bytes(), _seed(p.name), 1)[0]),
    ("billion_laughs", lambda p: hostile_files()[0]),
    ("python_tag", lambda p: yaml_tricks(yaml.safe_load(p.read_bytes()), p.read_bytes())[0]),
]


@pytest.mark.timeout(200)
@pytest.mark.parametrize("make", [pytest.param(c[1], marks=[] if c[0] == "billion_laughs" else [pytest.mark.slow])
                                  for c in SUBPROCESS_CASES], ids=[c[0] for c in SUBPROCESS_CASES])
def test_no_traceback_in_a_real_process(make, kidal_path, tmp_path):
    case = make(kidal_path)
    file = tmp_path / "mutated.yaml"
    file.write_bytes(case.content)
    out, root = tmp_path / "out", tmp_path / "root"
    res = _subprocess(["run", str(file), "--replications", "2", "--no-charts", "--engine", ENGINE,
                       "--out", str(out), "--results-root", str(root)])
    assert problems(res.returncode, res.stdout, res.stderr, file, case.parsed) == [], res.stderr
    assert res.returncode == 2 and res.stdout == "" and "Traceback" not in res.stderr
    assert not out.exists() and not root.exists()
