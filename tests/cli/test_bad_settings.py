"""Settings that used to end in an internal error (exit 1) or a long wait: each is refused with a
clear message naming the setting, exit 2, and no results folder."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

import sim.experiments.executors as executors
from sim.cli.main import main
from sim.experiments.executors import DASK_CONNECT_TIMEOUT_S, dask_address
from sim.model.errors import ScenarioError
from tests.helpers.cli import assert_bad_input


@pytest.fixture
def sweep_file(tiny_path: Path, tmp_path: Path) -> Path:
    f = tmp_path / "sweep.yaml"
    f.write_text(f"scenario: {tiny_path}\nreplications: 4\n"
                 "design: {kind: grid, parameters: {flights.p_grant: [0.1, 0.9]}}\n")
    return f


def _refused(args: list[str], file: Path, field: str, root: Path, capsys) -> str:
    code = main([*args, "--results-root", str(root), "--no-charts"])
    err = capsys.readouterr().err
    assert_bad_input(code, err, file, field, root)
    return err


def test_sweep_seed_minus_one(sweep_file, results_root, capsys) -> None:
    _refused(["sweep", str(sweep_file), "--seed", "-1"], sweep_file, "seed", results_root, capsys)


@pytest.mark.parametrize(("flag", "field"), [(["--seed", "-1"], "seed"), (["-n", "0"], "replications")])
def test_compare_bad_numbers(flag, field, tiny_path, results_root, capsys) -> None:
    _refused(["compare", str(tiny_path), "--set-variant", "flights.p_grant=0.5", *flag], tiny_path, field,
             results_root, capsys)


@pytest.mark.parametrize("replication", [10**20, 2**32, -1])
def test_trace_replication_out_of_the_stream_scheme(replication, tiny_path, results_root, capsys) -> None:
    """Replication indices are 32-bit words of the seed tree (``sim.engines.streams``)."""
    err = _refused(["trace", str(tiny_path), "--replication", str(replication)], tiny_path, "replication",
                   results_root, capsys)
    assert "4,294,967,295" in err


def test_trace_last_replication_index_runs(tiny_path, results_root) -> None:
    """The largest index runs (the real SimPy engine)."""
    assert main(["trace", str(tiny_path), "--replication", str(2**32 - 1), "--quiet", "--no-charts",
                 "--results-root", str(results_root)]) == 0


@pytest.mark.parametrize("address", ["nonsense", "tcp://", "tcp://host", "tcp://host:99999", "foo://host:1", "  "])
@pytest.mark.parametrize("command", ["sweep", "run"])
def test_bad_dask_address(address, command, sweep_file, tiny_path, results_root, capsys) -> None:
    file = sweep_file if command == "sweep" else tiny_path
    _refused([command, str(file), "--dask", address], file, "dask", results_root, capsys)


def _closed_port() -> int:
    """A local port nothing listens on (bound, then closed: no connection can be accepted there)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dask_scheduler_not_listening(sweep_file, results_root, capsys, monkeypatch) -> None:
    pytest.importorskip("distributed")
    assert DASK_CONNECT_TIMEOUT_S <= 5
    monkeypatch.setattr(executors, "DASK_CONNECT_TIMEOUT_S", 0.5)  # keep the test fast
    address = f"tcp://127.0.0.1:{_closed_port()}"
    _refused(["sweep", str(sweep_file), "--dask", address], sweep_file, "dask", results_root, capsys)


def test_dask_address_forms() -> None:
    pytest.importorskip("distributed")
    assert dask_address("tcp://127.0.0.1:8786") == "tcp://127.0.0.1:8786"
    assert dask_address("127.0.0.1:8786") == "tcp://127.0.0.1:8786"
    with pytest.raises(ScenarioError, match="dask"):
        dask_address("nonsense", "f.yaml")
