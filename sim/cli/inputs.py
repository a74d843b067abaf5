"""What a command was asked to run: its overrides (``--set``, ``--set-file``), its label, the
warnings about its inputs, and recording them in the results folder's manifest.

The overrides of a command are one ordered mapping ``{dotted path: value}``: the override files
first (in the order given), then each ``--set`` (a later value of a path wins). A run's label is
``--label`` or, when there are overrides, their list (``flights.p_grant=0.76, ...``): the
terminal title, the manifest and the comparison tables name a run by it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.cli.common import PROG


def overrides_of(args: argparse.Namespace, sets: str = "overrides", files: str = "set_files") -> dict[str, Any]:
    """The overrides of ``args``: ``--set-file`` mappings, then ``--set PATH=VALUE`` (later wins)."""
    from sim.model.errors import ScenarioError
    from sim.model.loader import load_override_file, parse_override

    out: dict[str, Any] = {}
    for f in getattr(args, files, None) or []:
        out.update(load_override_file(f))
    for text in getattr(args, sets, None) or []:
        try:
            path, value = parse_override(text)
        except ScenarioError as exc:
            raise ScenarioError(getattr(args, "file", None), f"--set {exc.field}", exc.message) from None
        out[path] = value
    return out


def show_value(value: Any) -> str:
    """A value as it would be written after ``--set PATH=`` (JSON-like, dates as ISO)."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def describe_overrides(overrides: Mapping[str, Any]) -> str:
    """``"flights.p_grant=0.76, road_movements.p_grant_periods=[]"``."""
    return ", ".join(f"{p}={show_value(v)}" for p, v in overrides.items())


def label_of(label: str | None, files: Sequence[str] = (), sets: Mapping[str, Any] | None = None) -> str | None:
    """``--label``, else the override files and the ``--set`` overrides, else ``None`` (the
    scenario as written)."""
    if label:
        return label
    parts = [Path(f).stem for f in files]
    if sets:
        parts.append(describe_overrides(sets))
    return " + ".join(parts) or None


def inputs_record(args: argparse.Namespace, overrides: Mapping[str, Any], warnings: Sequence[str]) -> dict[str, Any]:
    """The manifest fields of what was asked: ``label``, ``overrides`` (path → value, as applied),
    ``override_files`` and ``warnings``."""
    files = [str(f) for f in getattr(args, "set_files", None) or []]
    return {
        "label": label_of(getattr(args, "label", None), files, overrides_of(args, files="")),
        "overrides": {p: json.loads(json.dumps(v, default=str)) for p, v in overrides.items()},
        "override_files": files,
        "warnings": list(warnings),
    }


def scenario_warnings(file: str | Path, overrides: Mapping[str, Any]) -> list[str]:
    """The input warnings of scenario ``file`` with ``overrides`` (it is valid: checked before)."""
    from sim.model.input_checks import input_warnings
    from sim.model.loader import apply_overrides, load_scenario, read_yaml

    sc = load_scenario(file, dict(overrides))  # bad input raises here, naming the file and the field
    return input_warnings(sc, apply_overrides(read_yaml(file), dict(overrides)))


def print_warnings(warnings: Sequence[str], file: str | Path | None = None) -> None:
    """Each warning on stderr, naming the file."""
    where = f"{file}: " if file else ""
    for w in warnings:
        print(f"{PROG}: warning: {where}{w}", file=sys.stderr)


def command_inputs(args: argparse.Namespace, file: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The overrides of a command on scenario ``file`` and the fields its manifest records (label,
    overrides, warnings), the warnings printed on the way."""
    ov = overrides_of(args)
    warnings = scenario_warnings(file, ov)
    print_warnings(warnings, file)
    return ov, inputs_record(args, ov, warnings)


def record(path: Path | None, fields: Mapping[str, Any]) -> None:
    """Add ``fields`` to the manifest of results folder ``path`` (top-level keys)."""
    if path is None:
        return
    from sim.store.runstore import RunStore

    RunStore.open(path, resume=False).update(**dict(fields))


class recording:
    """Around a command's run: on Ctrl-C, SIGTERM or an error, the label, overrides and warnings
    still go to the manifest of the folder the run had made (``results_path`` on the exception),
    so an interrupted or failed folder says what it was asked to run."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.fields = dict(fields)

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        path = getattr(exc, "results_path", None) if exc is not None else None
        if path and self.fields:
            import contextlib

            from sim.model.errors import StoreError

            with contextlib.suppress(StoreError, OSError):
                record(Path(path), self.fields)
