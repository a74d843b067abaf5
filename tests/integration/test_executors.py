"""Executors that start processes: local worker processes and Dask clusters give the tables of a
serial run for the same seed. Dask clusters bind random ports only (no dashboard, no fixed port)."""

from __future__ import annotations

import socket
import warnings

import pandas as pd
import pytest

from sim.api import run
from sim.api.sweeps import sweep
from sim.engines.dispatch import Unit
from sim.experiments.designs import parse_design
from sim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from sim.experiments.plan import Task
from sim.model.loader import load_scenario
from tests.helpers import fake_engine as fe
from tests.helpers.paths import KIDAL

pytestmark = pytest.mark.integration

DESIGN = parse_design({"kind": "grid", "parameters": {
    "flights.p_grant": [0.1, 0.6], "convoy.max_vehicles": [50, 150]}})
DASHBOARD_PORT = 8787
"""Dask's default port for a scheduler's HTTP server (its dashboard)."""


def _run(executor) -> object:  # noqa: ANN001 - any executor
    return sweep(KIDAL, DESIGN, replications=30, engine="des", seed=9, executor=executor,
                 chunk_replications=7, simulate=fe.simulate_unit)


def test_run_on_two_processes_same_tables() -> None:
    """``sim.run`` on two worker processes (its last chunks cut into pieces) gives the serial tables."""
    sc = load_scenario(KIDAL)
    ref = run(sc, engine="des", replications=120, seed=2)
    with ProcessExecutor(2) as ex:
        got = run(sc, engine="des", replications=120, seed=2, executor=ex)
    pd.testing.assert_frame_equal(ref.bases, got.bases)
    pd.testing.assert_frame_equal(ref.runs, got.runs)
    assert ref.path is None and got.path is None  # nothing written without out= or results_root=


def test_process_executor_same_tables() -> None:
    ref = _run(None)
    with ProcessExecutor(2) as ex:
        got = _run(ex)
    pd.testing.assert_frame_equal(ref.bases, got.bases)
    pd.testing.assert_frame_equal(ref.table, got.table)
    pd.testing.assert_frame_equal(ref.summary, got.summary)


def test_real_batch_engine_same_tables_in_processes() -> None:
    sc = load_scenario(KIDAL)
    tasks = [Task(f"p{p}", p, sc, "batch", (Unit(0, 0, 40),), 3) for p in range(2)]
    ref = pd.concat([c.bases for _, c in SerialExecutor().run(tasks)], ignore_index=True)
    with ProcessExecutor(2) as ex:
        got = sorted(ex.run(tasks), key=lambda x: x[0].part_id)
    pd.testing.assert_frame_equal(ref, pd.concat([c.bases for _, c in got], ignore_index=True))


def _http_port(ex: DaskExecutor) -> int | None:
    """The port of the scheduler's HTTP server (Dask reports it as the ``dashboard`` service)."""
    return ex.client.scheduler_info().get("services", {}).get("dashboard")


def test_dask_local_cluster_same_tables() -> None:
    pytest.importorskip("distributed")
    ref = _run(None)
    with DaskExecutor("local", workers=2) as ex:
        got = _run(ex)
    pd.testing.assert_frame_equal(ref.bases, got.bases)
    pd.testing.assert_frame_equal(ref.table, got.table)


def test_dask_local_cluster_binds_no_fixed_port() -> None:
    """Two local clusters at once (two tests, two sweeps with ``--dask local``) must not compete for
    a port: the scheduler and its HTTP server listen on ports the system picks. With port 8787
    taken, no "Port 8787 is already in use" warning and no server on 8787."""
    pytest.importorskip("distributed")
    with socket.socket() as held:
        try:
            held.bind(("127.0.0.1", DASHBOARD_PORT))
        except OSError:
            pass  # someone else holds it: the same situation
        else:
            held.listen()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with DaskExecutor("local", workers=1) as ex:
                port = _http_port(ex)
    assert not [w for w in caught if "already in use" in str(w.message)], [str(w.message) for w in caught]
    assert port != DASHBOARD_PORT


def _random_port_cluster():  # noqa: ANN202 - a distributed.LocalCluster
    """A LocalCluster on random ports only: no dashboard, and its scheduler's HTTP server (which
    Dask starts on 8787 even without a dashboard) on a port the system picks."""
    distributed = pytest.importorskip("distributed")
    return distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                    scheduler_port=0, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})


@pytest.mark.slow
def test_dask_scheduler_address_same_tables() -> None:
    ref = _run(None)
    cluster = _random_port_cluster()
    try:
        with DaskExecutor(cluster.scheduler_address) as ex:
            assert ex.workers == 2
            assert _http_port(ex) != DASHBOARD_PORT
            got = _run(ex)
    finally:
        cluster.close()
    pd.testing.assert_frame_equal(ref.table, got.table)
