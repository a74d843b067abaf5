"""Traffic and strikes per road (MODEL.md §8, "Per road"), deterministically (fixed seeds).

- the two engines' mean tallies per road agree (z-scores, as ``test_agreement``) on the shipped
  scenarios and on synthetic networks where two bases' routes share a road;
- the tallies are conserved: a SimPy run of one replication has exactly the per-road sums of the
  trace of the same seed (same streams: the trace's own draws use only the stream ``trace``), and
  in a run of either engine the roads' strikes, breakdowns and stationary attacks add up to the
  bases' exactly;
- a run's roads table does not depend on how its blocks are cut into chunks.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.api.runs import run, trace
from sim.engines.batch import simulate as batch_simulate
from sim.engines.des.engine import replications
from sim.engines.des.state import Static
from sim.engines.des.tallies import RoadCounts
from sim.engines.dispatch import simulate_units, units
from sim.engines.streams import BLOCK_SIZE
from sim.experiments.execution import execute
from sim.experiments.plan import Arm, make_plan
from sim.experiments.settings import RunSettings
from sim.model import traffic
from sim.model.loader import load_scenario, validate
from sim.model.schema import Scenario
from sim.store.roads import roads_table
from sim.store.runstore import RunStore
from tests.helpers.builders import shared_trucks, two_bases
from tests.helpers.paths import KIDAL, PHASE2, SHIPPED

Z_TOL = 4.5
"""As ``test_agreement``: about 200 means are compared here (roads × counts × scenarios)."""
SEED = 2024
N_BATCH = 2 * BLOCK_SIZE
N_DES = {"minusma_phase2_2023": 100}
"""SimPy replications per scenario (default 200): the reference is the slow side."""


def des_per_replication(sc: Scenario, n: int, seed: int = SEED) -> np.ndarray:
    """(replications, roads, counts): each SimPy replication's own tallies (the running sums'
    differences)."""
    static = Static(sc)
    acc = RoadCounts(sc, static.routes)
    out = np.zeros((n, len(sc.roads), len(traffic.ROAD_COUNTS)), dtype=np.int64)
    prev = acc.sums()
    for i, _ in enumerate(replications(static, seed, 0, n, roads=acc)):
        now = acc.sums()
        out[i] = now - prev
        prev = now
    return out


def batch_sums(sc: Scenario, n: int, seed: int = SEED) -> np.ndarray:
    acc = traffic.empty_tally(sc)
    simulate_units(sc, "batch", units("batch", n), seed, roads=acc)
    return acc


def disagreements(sc: Scenario, n_des: int) -> list[str]:
    d = des_per_replication(sc, n_des)
    b = batch_sums(sc, N_BATCH) / N_BATCH
    bad = []
    for r in range(len(sc.roads)):
        for k, name in enumerate(traffic.ROAD_COUNTS):
            x = d[:, r, k].astype(float)
            md, mb = float(x.mean()), float(b[r, k])
            var = float(x.var(ddof=1))
            if var == 0.0:  # constant in the reference: the batch mean equals it within one count in n
                if abs(md - mb) > max(1.0, abs(md)) / n_des:
                    bad.append(f"road {r} {name}: des {md} (constant), batch {mb:.4f}")
                continue
            z = (md - mb) / math.sqrt(var / n_des + var / N_BATCH)
            if abs(z) > Z_TOL:
                bad.append(f"road {r} {name}: des {md:.4f}, batch {mb:.4f}, z {z:.2f}")
    return bad


def shared_road_scenarios() -> dict[str, Scenario]:
    return {"shared_trucks": shared_trucks(), "two_bases": validate(two_bases())}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenarios_agree_per_road(path: Path) -> None:
    sc = load_scenario(path)
    assert not disagreements(sc, N_DES.get(path.stem, 200))


@pytest.mark.parametrize("name", sorted(shared_road_scenarios()))
def test_a_shared_road_agrees(name: str) -> None:
    sc = shared_road_scenarios()[name]
    roads = traffic.route_roads(sc)
    counts = [sum(i in r for r in roads.values()) for i in range(len(sc.roads))]
    assert max(counts) == 2  # two bases' routes share a road: its tallies are both bases' traffic
    assert not disagreements(sc, 400)


def test_a_des_run_has_the_tallies_of_its_trace(tmp_path: Path) -> None:
    """Same engine, same seed, same replication: the run's roads table is the trace's legs summed."""
    sc = load_scenario(PHASE2)
    for seed in (3, 11):
        res = run(sc, engine="des", replications=1, seed=seed, out=tmp_path / f"run{seed}")
        got = pd.read_parquet(res.path / "roads.parquet")
        legs = trace(sc, seed=seed).legs
        index = {frozenset((r.from_, r.to)): i for i, r in enumerate(sc.roads)}
        legs = legs.assign(road=[index[frozenset((a, b))] for a, b in zip(legs["a"], legs["b"], strict=True)])
        moving = legs[legs["vehicles"] > 0]
        want = pd.DataFrame({
            "convoy_passages": moving.groupby("road").size(),
            "vehicle_passages": moving.groupby("road")["vehicles"].sum(),
            "convoy_km": moving.groupby("road")["km"].sum(),
            "ied_strikes": legs.groupby("road")["ied_strikes"].sum(),
            "ambushes": legs.groupby("road")["ambushes"].sum(),
            "breakdowns": legs.groupby("road")["breakdowns"].sum(),
        }).reindex(range(len(sc.roads)), fill_value=0)
        for col in want.columns:
            assert got[col].tolist() == pytest.approx(want[col].tolist(), abs=0), col
        assert got["convoy_km"].sum() == pytest.approx(moving["km"].sum(), rel=1e-12)
        assert (got["replications"] == 1).all()
        assert got["ied_strikes"].sum() + got["ambushes"].sum() > 0  # the check has strikes to check


@pytest.mark.parametrize("engine,n", [("batch", 2000), ("des", 30)])
def test_roads_strikes_add_up_to_the_bases(engine: str, n: int) -> None:
    for sc in (load_scenario(PHASE2), shared_trucks()):
        acc = traffic.empty_tally(sc)
        bases = simulate_units(sc, engine, units(engine, n), 5, roads=acc)
        for k, col in ((traffic.IED, "ied_strikes"), (traffic.AMBUSH, "ambushes"),
                       (traffic.BREAKDOWN, "breakdowns"), (traffic.STATIONARY, "stationary_attacks")):
            assert int(acc[:, k].sum()) == int(bases[col].sum()), col
        assert acc[:, traffic.PASSAGES].sum() > 0


def test_a_block_keeps_only_its_kept_replications() -> None:
    """A run shorter than a block tallies only the replications it keeps: the first 100 of a block
    and the other 3996 add up to the whole block."""
    sc = load_scenario(KIDAL)
    parts = []
    for first, count in ((0, 100), (0, BLOCK_SIZE)):
        acc = traffic.empty_tally(sc)
        batch_simulate(sc, 0, first, count, seed=9, roads=acc)
        parts.append(acc)
    small, whole = parts
    assert (small <= whole).all() and small[:, traffic.PASSAGES].sum() < whole[:, traffic.PASSAGES].sum()
    assert small[:, traffic.PASSAGES].sum() >= 100  # every replication drives its final convoys


def test_the_roads_table_does_not_depend_on_chunks(tmp_path: Path) -> None:
    """Three blocks in one chunk or in three: the same roads table (the chunks' parts add up)."""
    sc = load_scenario(KIDAL)
    settings = RunSettings("batch", 2 * BLOCK_SIZE + 300, 13)
    tables = []
    for i, chunk in enumerate((None, BLOCK_SIZE)):
        plan = make_plan([Arm(0, sc)], settings, chunk_replications=chunk)
        store = RunStore.create(None, sc, "run", "batch", 13, settings.replications, out=tmp_path / f"s{i}")
        execute(plan, sink=store.sink())
        got = roads_table(store, [t.part_id for t in plan.tasks])
        assert got is not None
        tables.append((len(plan.tasks), got))
    (n1, one), (n3, three) = tables
    assert (n1, n3) == (1, 3)
    pd.testing.assert_frame_equal(one, three)
    assert (one["replications"] == settings.replications).all()
