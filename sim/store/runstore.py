"""Results folders: a manifest, the scenario as run, Parquet tables written atomically in parts.

Layout of one run folder (``results/<run-id>/`` or an explicit ``--out DIR``)::

    manifest.json              what ran, with which versions, its status and the finished parts
                               (``parts``: rows of each; ``checksums``: SHA-256 and size of each)
    scenario.yaml              the validated scenario as run (overrides applied)
    tables/<table>/part-<id>.parquet   parts, each listed in the manifest once complete
                               (``bases``, and ``roads``: each chunk's traffic per road, written
                               before its bases part, ``PartSink``)
    bases.parquet runs.parquet roads.parquet summary.csv ...   consolidated tables, written at the end

Every file is written to a temporary name in its own folder, flushed to disk and renamed into
place, and the manifest is rewritten the same way after each part. A part file that the manifest
does not list is not finished: ``RunStore.open`` removes it, so a resumed run redoes it once.

The API (used by ``sim.api``, ``sim.experiments.sweep`` and ``sim.experiments.executors``):

- ``RunStore.create(root, scenario, kind, engine, seed, replications, design=None, run_id=None,
  out=None)`` makes a new folder (never reusing an existing one) and writes the manifest
  (status ``running``) and ``scenario.yaml``;
- ``RunStore.open(path, resume=True)`` reopens a folder (to resume it, or only to read it);
- ``store.done_parts(table)`` / ``store.write_part(table, part_id, df)`` /
  ``store.read_parts(table)`` handle parts; ``store.write_table``, ``store.write_text``,
  ``store.write_bytes`` write whole files; ``store.finish(status, wall_time_s, extra)`` closes the run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from sim.model.errors import StoreError
from sim.model.loader import scenario_dict, scenario_hash
from sim.model.schema import Scenario
from sim.store.atomic import atomic_write, atomic_write_bytes

if TYPE_CHECKING:
    from sim.experiments.executors import Chunk

MANIFEST = "manifest.json"
ROADS = "roads"
"""The table of traffic and strikes per road: parts per chunk, ``roads.parquet`` at the end."""
FORMAT_VERSION = 1
KINDS: tuple[str, ...] = ("run", "trace", "sweep", "compare")
STATUSES: tuple[str, ...] = ("running", "complete", "failed", "interrupted")
PACKAGES: dict[str, str] = {
    "sim": "withdrawal-sim",
    "numpy": "numpy",
    "pandas": "pandas",
    "pyarrow": "pyarrow",
    "simpy": "simpy",
    "scipy": "scipy",
    "pydantic": "pydantic",
}
"""Versions recorded in every manifest: label → distribution name."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def _safe_name(text: str) -> str:
    """A file-name-safe version of ``text`` (scenario names may contain anything)."""
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", text).strip("._") or "scenario"


def _check_name(name: str, what: str) -> str:
    if not _NAME.match(name) or ".." in name:
        raise StoreError(
            f"{what} '{name}' is not allowed: use letters, digits, '_', '-' and '.', "
            "starting with a letter or digit (no path separators, no '..')"
        )
    return name


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an ``OSError`` while writing ``path`` (disk full, read-only, permissions) into a
    ``StoreError``: bad conditions for the results folder, not a bug. The atomic writer has already
    removed its temporary file, so nothing half-written is left."""
    try:
        yield
    except FileExistsError:
        raise
    except OSError as exc:
        raise StoreError(
            f"cannot write {path}: {exc.strerror or exc}; finished parts are kept in the results "
            "folder (free space or fix permissions, then resume)"
        ) from None


def atomic_write_parquet(path: Path, df: pd.DataFrame) -> None:
    """Write ``df`` as Parquet to ``path`` atomically (temp file, fsync, rename)."""
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))


def file_digest(path: Path) -> dict[str, Any]:
    """``{"sha256": hex digest of the file's bytes, "bytes": its size}``."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return {"sha256": h.hexdigest(), "bytes": size}


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape the results (None when not installed)."""
    out: dict[str, str | None] = {}
    for label, dist in PACKAGES.items():
        try:
            out[label] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[label] = None
    return out


def git_commit() -> str | None:
    """The commit of the repository the ``sim`` package sits in, if it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        res = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = res.stdout.strip()
    return sha if res.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", sha) else None


def new_run_id(scenario_name: str, label: str, now: dt.datetime | None = None) -> str:
    """``20261129-053012-kidal_2023-batch-1a2b3c``: time, scenario, engine or kind, random."""
    now = now or dt.datetime.now()
    return f"{now:%Y%m%d-%H%M%S}-{_safe_name(scenario_name)}-{_safe_name(label)}-{secrets.token_hex(3)}"


def part_file_name(part_id: str | int) -> str:
    """File name of a part; ``part_id`` is a string of safe characters (ints are converted)."""
    return f"part-{_check_name(str(part_id), 'part id')}.parquet"


def _natural_key(text: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


class RunStore:
    """One results folder. Not a simulator: it only writes and reads what others computed.

    Safe to use from several threads of one process (the manifest is updated under a lock); only
    one process should write to a folder at a time.
    """

    def __init__(self, path: Path, manifest: dict[str, Any]) -> None:
        self.path = Path(path)
        self._manifest = manifest
        self._lock = threading.Lock()

    # -- making and opening ------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        root: str | Path | None,
        scenario: Scenario,
        kind: str,
        engine: str,
        seed: int,
        replications: int,
        design: Mapping[str, Any] | list[Any] | None = None,
        run_id: str | None = None,
        out: str | Path | None = None,
    ) -> RunStore:
        """Make a new run folder: ``out`` if given (it must not exist or be empty), else
        ``root/<run_id>`` with a fresh id. Writes ``manifest.json`` (status ``running``) and
        ``scenario.yaml``. Raises ``StoreError`` if the folder cannot be made."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind '{kind}' (kinds: {', '.join(KINDS)})")
        if out is not None:
            path = cls._make_out(Path(out))
        elif root is not None:
            path = cls._make_in_root(Path(root), scenario.name, engine if kind == "run" else kind, run_id)
        else:
            raise ValueError("RunStore.create needs a results root or an output folder")
        manifest: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "run_id": path.name,
            "kind": kind,
            "scenario": {"name": scenario.name, "sha256": scenario_hash(scenario)},
            "engine": engine,
            "seed": int(seed),
            "replications": int(replications),
            "design": design,
            "versions": package_versions(),
            "git_commit": git_commit(),
            "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "finished": None,
            "wall_time_s": None,
            "status": "running",
            "parts": {},
            "checksums": {},
            "files": [],
            "extra": {},
        }
        store = cls(path, manifest)
        try:
            store._save(exclusive=True)  # claims the folder: a concurrent run with the same --out fails here
        except FileExistsError:
            raise StoreError(
                f"output folder {path} is already used by another run; choose another --out "
                "(results are never overwritten)"
            ) from None
        text = yaml.safe_dump(scenario_dict(scenario), sort_keys=False, allow_unicode=True)
        store.write_text("scenario.yaml", text)
        return store

    @staticmethod
    def _make_out(path: Path) -> Path:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.mkdir(path)
            except FileExistsError:
                if not path.is_dir() or any(path.iterdir()):
                    raise StoreError(
                        f"output folder {path} already exists and is not empty; "
                        "choose another --out (results are never overwritten)"
                    ) from None
            probe = path / f".probe-{secrets.token_hex(4)}"
            probe.write_bytes(b"")
            probe.unlink()
        except StoreError:
            raise
        except OSError as exc:
            raise StoreError(f"cannot create output folder {path}: {exc.strerror or exc}") from None
        return path

    @staticmethod
    def _make_in_root(root: Path, name: str, label: str, run_id: str | None) -> Path:
        if run_id is not None:
            _check_name(run_id, "run id")
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create results root {root}: {exc.strerror or exc}") from None
        for _ in range(20):
            rid = run_id or new_run_id(name, label)
            path = root / rid
            if path.resolve().parent != root.resolve():
                raise StoreError(f"run id '{rid}' would leave the results root {root}")
            try:
                os.mkdir(path)
                return path
            except FileExistsError:
                if run_id is not None:
                    raise StoreError(
                        f"results folder {path} already exists; choose another run id "
                        "(results are never overwritten)"
                    ) from None
            except OSError as exc:
                raise StoreError(
                    f"cannot create a results folder in {root}: {exc.strerror or exc}"
                ) from None
        raise StoreError(f"could not find a free run id in {root}")

    @classmethod
    def open(cls, path: str | Path, resume: bool = True) -> RunStore:
        """Reopen a run folder. To ``resume`` it, part files that the manifest does not list (a
        write cut short) and leftover temporary files are removed; ``resume=False`` only reads
        (safe while another process is still writing the folder)."""
        path = Path(path)
        mfile = path / MANIFEST
        try:
            manifest = json.loads(mfile.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StoreError(f"{path} is not a results folder (no {MANIFEST})") from None
        except (OSError, ValueError) as exc:
            raise StoreError(f"{mfile}: cannot read the manifest: {exc}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            raise StoreError(f"{mfile}: not a manifest of this version of withdrawal-sim")
        store = cls(path, manifest)
        if resume:
            store._clean()
        return store

    def _clean(self) -> None:
        tables = self.path / "tables"
        for tmp in self.path.rglob(".*.tmp-*"):
            tmp.unlink(missing_ok=True)
        if not tables.is_dir():
            return
        for table_dir in tables.iterdir():
            listed = {part_file_name(p) for p in self._manifest["parts"].get(table_dir.name, {})}
            for f in table_dir.glob("part-*.parquet"):
                if f.name not in listed:
                    f.unlink()

    # -- manifest ------------------------------------------------------------------------------

    @property
    def manifest(self) -> dict[str, Any]:
        """A copy of the manifest as last saved."""
        with self._lock:
            return json.loads(json.dumps(self._manifest))

    @property
    def run_id(self) -> str:
        return str(self._manifest["run_id"])

    def _save(self, exclusive: bool = False) -> None:
        data = json.dumps(self._manifest, indent=2, default=str).encode()
        with writing(self.path / MANIFEST):
            atomic_write_bytes(self.path / MANIFEST, data, exclusive=exclusive)

    def update(self, **fields: Any) -> None:
        """Set top-level manifest fields (e.g. ``design``) and save the manifest atomically."""
        with self._lock:
            self._manifest.update(fields)
            self._save()

    def finish(self, status: str, wall_time_s: float, extra: Mapping[str, Any] | None = None) -> None:
        """Record the end of the run: ``complete``, ``failed`` or ``interrupted``."""
        if status not in STATUSES:
            raise ValueError(f"unknown status '{status}' (statuses: {', '.join(STATUSES)})")
        with self._lock:
            self._manifest["status"] = status
            self._manifest["wall_time_s"] = round(float(wall_time_s), 3)
            self._manifest["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
            if extra:
                self._manifest["extra"].update(extra)
            self._save()

    # -- parts -----------------------------------------------------------------------------------

    def done_parts(self, table: str) -> set[str]:
        """Ids (strings) of the finished parts of ``table``, as listed in the manifest."""
        with self._lock:
            return set(self._manifest["parts"].get(table, {}))

    def part_path(self, table: str, part_id: str | int) -> Path:
        return self.path / "tables" / _check_name(table, "table name") / part_file_name(part_id)

    def write_part(self, table: str, part_id: str | int, df: pd.DataFrame) -> Path:
        """Write one part of ``table`` atomically, then list it in the manifest with its rows, size
        and SHA-256 (one atomic rewrite of the manifest). Writing a listed part again replaces it
        (``check-results --repair``)."""
        path = self.part_path(table, part_id)
        with writing(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_parquet(path, df)
            digest = file_digest(path)
        with self._lock:
            self._manifest["parts"].setdefault(table, {})[str(part_id)] = int(len(df))
            self._manifest.setdefault("checksums", {}).setdefault(table, {})[str(part_id)] = digest
            self._save()
        return path

    def part_checksum(self, table: str, part_id: str) -> dict[str, Any] | None:
        """``{"sha256": hex, "bytes": size}`` recorded when the part was written (None in folders
        written before checksums were recorded)."""
        with self._lock:
            got = self._manifest.get("checksums", {}).get(table, {}).get(str(part_id))
            return dict(got) if isinstance(got, dict) else None

    def sink(self, table: str = "bases") -> PartSink:
        """Where an experiment streams the finished parts of ``table`` (and finds them on resume)."""
        return PartSink(self, table)

    def read_parts(self, table: str) -> pd.DataFrame:
        """The finished parts of ``table`` concatenated in part-id order (natural sort)."""
        ids = sorted(self.done_parts(table), key=_natural_key)
        frames = [pd.read_parquet(self.part_path(table, i)) for i in ids]
        frames = [f for f in frames if len(f.columns)]
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)

    # -- whole files -----------------------------------------------------------------------------

    def _file(self, name: str) -> Path:
        rel = Path(name)
        if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts):
            raise StoreError(f"file name '{name}' must be a relative path inside the results folder")
        for p in rel.parts:
            _check_name(p, "file name")
        path = self.path / rel
        with writing(path.parent):
            path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _record(self, name: str) -> None:
        with self._lock:
            if name not in self._manifest["files"]:
                self._manifest["files"].append(name)
                self._save()

    def write_table(self, name: str, df: pd.DataFrame) -> Path:
        """Write a whole table atomically: ``name.csv`` as CSV, anything else as Parquet
        (``.parquet`` added when ``name`` has no suffix)."""
        if not name.endswith((".csv", ".parquet")):
            name = f"{name}.parquet"
        path = self._file(name)
        with writing(path):
            if name.endswith(".csv"):
                atomic_write_bytes(path, df.to_csv(index=False).encode())
            else:
                atomic_write_parquet(path, df)
        self._record(name)
        return path

    def write_text(self, name: str, text: str) -> Path:
        """Write a UTF-8 text file atomically."""
        return self.write_bytes(name, text.encode("utf-8"))

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Write a file atomically (charts, reports)."""
        if name == MANIFEST:
            raise StoreError(f"{MANIFEST} is written by the store itself")
        path = self._file(name)
        with writing(path):
            atomic_write_bytes(path, data)
        self._record(name)
        return path


class PartSink:
    """The parts of one table of a results folder, as ``sim.experiments.execution`` writes and
    reads them (its ``Sink``); a chunk's roads table goes to the parts of ``roads``, written before
    its bases part (which marks the chunk done: a roads part without one is redone with its chunk)."""

    def __init__(self, store: RunStore, table: str) -> None:
        self.store, self.table = store, table
        self.roads: dict[str, pd.DataFrame] = {}
        """The roads parts written through this sink, kept (a few rows each) so that the roads
        table is summed without reading them back."""

    def finished(self) -> dict[str, int]:
        with self.store._lock:
            return dict(self.store._manifest["parts"].get(self.table, {}))

    def read(self, part_id: str) -> pd.DataFrame:
        path = self.store.part_path(self.table, part_id)
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # missing or damaged since it was listed: never mixed in
            raise StoreError(damaged_message(self.store.path, [f"{self.table}/{part_id}: {exc}"])) from None

    def write(self, part_id: str, chunk: Chunk) -> None:
        """Write ``chunk`` as parts of ``roads`` (when it has one), then of ``bases``."""
        if chunk.roads is not None:
            self.store.write_part(ROADS, part_id, chunk.roads)
            self.roads[part_id] = chunk.roads
        self.store.write_part(self.table, part_id, chunk.bases)


def damaged_message(folder: Path, problems: list[str]) -> str:
    """The message of a resume refused for damaged parts: which, and how to redo only them."""
    shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
    return (f"{folder}: {len(problems)} finished part(s) are damaged ({shown}); nothing was run. "
            f"Re-run only those parts with 'withdrawal-sim check-results {folder} --repair', then resume")


@contextlib.contextmanager
def recorded(store: RunStore | None, t0: float) -> Iterator[None]:
    """Mark ``store``'s folder ``interrupted`` on Ctrl-C and ``failed`` on any other error, with the
    wall time since ``t0`` (``time.perf_counter``), and put the folder on the exception as
    ``results_path``. Best effort: on a full disk the manifest keeps its last state, which a resume
    also accepts. ``store=None``: nothing is recorded."""
    try:
        yield
    except BaseException as exc:
        if store is not None:
            interrupted = isinstance(exc, KeyboardInterrupt)
            extra = None if interrupted else {"error": f"{type(exc).__name__}: {exc}"}
            with contextlib.suppress(StoreError):
                store.finish("interrupted" if interrupted else "failed", time.perf_counter() - t0, extra)
            with contextlib.suppress(AttributeError):  # some exceptions take no attributes
                exc.results_path = str(store.path)  # type: ignore[attr-defined]
        raise
