"""Executors: how chunks of replications are run. In-process, local processes, or Dask.

The model does not know how it is executed. A ``Task`` is one chunk (a sweep point × a group of
units); every executor maps ``run_task`` over tasks and yields ``(task, chunk)`` as chunks finish
(``Chunk``: its bases table and its roads tally), so results stream to the store. Units own their random streams, so the tables are the same
whatever the executor, the number of workers or the order in which chunks finish.
"""

from __future__ import annotations

import multiprocessing
import secrets
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from sim.engines import dispatch
from sim.engines.allocator import keep_freed_memory
from sim.experiments.plan import Task
from sim.model import traffic
from sim.model.errors import ScenarioError

Simulate = Callable[..., pd.DataFrame]
"""``simulate(sc, engine, unit, seed, point, crn) -> bases table``, one unit at a time: a test's
module-level fake engine. Without it, tasks run through ``sim.engines.dispatch.simulate_units``."""


@dataclass
class Chunk:
    """What one chunk (or a piece of one) gives: its per-base table and its ``roads`` table
    (``traffic.roads_frame``: traffic per road summed over its replications; ``None`` when a test's
    ``simulate`` ran it, which tallies nothing)."""

    bases: pd.DataFrame
    roads: pd.DataFrame | None = None

    @staticmethod
    def join(pieces: list[Chunk]) -> Chunk:
        """Pieces of one chunk in unit order as one: bases stacked, roads added up."""
        bases = pd.concat([p.bases for p in pieces], ignore_index=True)
        roads = [p.roads for p in pieces]
        if any(r is None for r in roads):
            return Chunk(bases)
        return Chunk(bases, traffic.add_frames(r for r in roads if r is not None))


def run_task(task: Task, simulate: Simulate | None = None) -> Chunk:
    """The per-base table of every unit of ``task``, in unit order, labelled with the task's point
    (its streams may be keyed by another: ``Task.stream_point``), and their traffic per road."""
    roads: pd.DataFrame | None = None
    if simulate is None:
        sums = traffic.empty_tally(task.scenario)
        df = dispatch.simulate_units(task.scenario, task.engine, task.units, task.seed, task.seed_point, task.crn,
                                     roads=sums)
        roads = traffic.roads_frame(task.scenario, sums, task.replications, task.point)
    else:
        frames = [simulate(task.scenario, task.engine, u, task.seed, task.seed_point, task.crn) for u in task.units]
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if task.seed_point != task.point and "point" in df.columns:
        df["point"] = task.point
    return Chunk(df, roads)


def _worker_setup() -> None:
    """What every worker process does first: keep freed heap for the batch engine's next block."""
    keep_freed_memory()


class Executor(Protocol):
    """Runs tasks and yields ``(task, chunk)`` as they finish."""

    workers: int

    def run(self, tasks: Iterable[Task], simulate: Simulate | None = None) -> Iterator[tuple[Task, Chunk]]:
        ...

    def close(self) -> None:
        ...


class SerialExecutor:
    """In the calling process, one task after another (the default)."""

    workers = 1

    def run(self, tasks: Iterable[Task], simulate: Simulate | None = None) -> Iterator[tuple[Task, Chunk]]:
        for t in tasks:
            yield t, run_task(t, simulate)

    def close(self) -> None:
        pass

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _window(tasks: list[Task], submit: Callable[[Task], Future], limit: int) -> Iterator[tuple[Task, Any]]:
    """Keep at most ``limit`` futures in flight; yield ``(task, result)`` as each finishes."""
    pending: dict[Future, Task] = {}
    it = iter(tasks)
    for t in it:
        pending[submit(t)] = t
        if len(pending) >= limit:
            break
    while pending:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for f in done:
            t = pending.pop(f)
            yield t, f.result()
            nxt = next(it, None)
            if nxt is not None:
                pending[submit(nxt)] = nxt


class ProcessExecutor:
    """Local worker processes (``spawn``, so it behaves the same on every platform)."""

    def __init__(self, workers: int = 2) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_worker_setup)
        return self._pool

    def run(self, tasks: Iterable[Task], simulate: Simulate | None = None) -> Iterator[tuple[Task, Chunk]]:
        pool = self._get_pool()
        yield from _window(list(tasks), lambda t: pool.submit(run_task, t, simulate), 4 * self.workers)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


LOCAL_CLUSTER_CONFIG: dict[str, object] = {
    # Dask's nannies set MALLOC_TRIM_THRESHOLD_ in their workers, which turns off glibc's adaptive
    # mmap threshold: every large numpy array is then mmapped and page-faulted afresh, and the batch
    # engine ran 2x slower per task (measured). Workers we start keep the default allocator settings.
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    # The workers' statistical profiler samples every thread's stack every 10 ms under the GIL; on
    # two cores it made each task about 20 % slower (summed task time 2.8 s with it, 2.1-2.5 s without).
    "distributed.worker.profile.enabled": False,
    # Chunks are independent tasks, all submitted at once and queued on the scheduler until a worker
    # is free, so there is nothing for work stealing or the active memory manager to do; with them
    # and the 20 ms event-loop tick, the scheduler and client (which share the calling process) used
    # 0.9-1.2 s of CPU per 16-point sweep against 0.7-0.85 s without (measured on two cores, where
    # that CPU is taken from the workers).
    "distributed.scheduler.work-stealing": False,
    "distributed.scheduler.active-memory-manager.start": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Settings of the LocalCluster that ``DaskExecutor("local")`` starts (a cluster given by address
keeps its own)."""


DASK_CONNECT_TIMEOUT_S = 5.0
"""How long to wait for a Dask scheduler given by address before refusing (Dask's own default is
30 s, a long silence for a mistyped address)."""
DASK_SCHEMES: tuple[str, ...] = ("tcp", "tls", "ws", "wss", "ucx", "inproc")


def dask_address(address: str, where: str | Path | None = None) -> str:
    """``address`` if it reads as a Dask scheduler address (``[scheme://]host:port``), else a
    ``ScenarioError`` on ``dask`` (exit 2), before any connection is tried."""
    from distributed.comm import parse_address, parse_host_port

    why = "expected 'local' or a scheduler address such as tcp://host:8786"
    try:
        scheme, loc = parse_address(address.strip())
        host, port = parse_host_port(loc)
    except (ValueError, TypeError) as exc:
        raise ScenarioError(where, "dask", f"{address!r} is not a scheduler address ({exc}); {why}") from None
    if scheme not in DASK_SCHEMES or not host or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ScenarioError(where, "dask", f"{address!r} is not a scheduler address; {why} "
                            f"(schemes: {', '.join(DASK_SCHEMES)}; ports 1-65535)")
    return f"{scheme}://{loc}"


class DaskExecutor:
    """A Dask cluster: ``address=None`` or ``"local"`` starts a LocalCluster of ``workers``
    processes with one thread each; ``"tcp://host:port"`` connects to a running scheduler."""

    def __init__(self, address: str | None = None, workers: int = 2, where: str | Path | None = None) -> None:
        import dask
        from distributed import Client, LocalCluster

        self._cluster = None
        if address in (None, "local"):
            with dask.config.set(LOCAL_CLUSTER_CONFIG):
                # no fixed port anywhere: the scheduler's HTTP server (which Dask starts even with
                # the dashboard off) and the scheduler itself bind ports the system picks
                self._cluster = LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                                             dashboard_address=None, scheduler_port=0,
                                             scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
            # results straight from the workers: through the scheduler, which lives in this process
            # too, each chunk's table was received and sent once more (0.45 s of the event loop's
            # CPU per 16-point sweep against 0.32 s direct, measured)
            self.client = Client(self._cluster, direct_to_workers=True)
        else:
            scheduler = dask_address(address, where)
            try:
                self.client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError) as exc:  # nothing listening, refused, unreachable
                raise ScenarioError(where, "dask", f"no Dask scheduler answered at {scheduler} within "
                                    f"{DASK_CONNECT_TIMEOUT_S:g} s ({exc}); start one "
                                    "('dask scheduler') or use --dask local") from None
        self.client.run(_worker_setup)  # the workers there now; the batch engine's heap setting
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})) or workers)

    def run(self, tasks: Iterable[Task], simulate: Simulate | None = None) -> Iterator[tuple[Task, Chunk]]:
        from distributed import as_completed

        task_list = list(tasks)
        if not task_list:
            return
        futures = {}
        batch = secrets.token_hex(4)
        for t in task_list:
            f = self.client.submit(run_task, t, simulate, key=f"withdrawal-sim-{batch}-{t.part_id}", pure=False)
            futures[f.key] = (f, t)
        # with_results: each result is fetched in the background as its task finishes, not by a
        # blocking round trip to the client's event loop after the previous one was handled
        for f, result in as_completed([f for f, _ in futures.values()], with_results=True):
            task = futures[f.key][1]
            f.release()
            yield task, result

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


TAIL_PIECES = 4
"""Pieces each of the last chunks is cut into (consecutive units), so that the workers finish
together (``run_chunks``)."""


def run_chunks(executor: Executor, tasks: list[Task], simulate: Simulate | None = None) -> Iterator[tuple[Task, Chunk]]:
    """``executor.run(tasks)``, yielding each chunk whole, as ``run_task`` makes it; on
    several workers the last ``workers`` chunks are run in up to ``TAIL_PIECES`` pieces each.

    A chunk runs on one worker; without this, one worker sat idle for up to a whole chunk (0.4 s of
    a 4 s sweep on two workers, measured) while the other finished the last one. The pieces are
    joined in unit order before the chunk is yielded, so parts, part ids (and so resuming) and
    tables are those of the unsplit plan.
    """
    if executor.workers < 2 or not tasks:
        yield from executor.run(tasks, simulate)
        return
    submit: list[Task] = []
    piece_of: dict[str, tuple[Task, int, int]] = {}  # piece id -> (chunk, piece index, pieces)
    tail = {t.part_id for t in tasks[-executor.workers:] if len(t.units) > 1}
    for t in tasks:
        if t.part_id not in tail:
            submit.append(t)
            continue
        n = min(TAIL_PIECES, len(t.units))
        for k in range(n):
            lo, hi = k * len(t.units) // n, (k + 1) * len(t.units) // n
            piece = replace(t, part_id=f"{t.part_id}/{k}", units=t.units[lo:hi])
            piece_of[piece.part_id] = (t, k, n)
            submit.append(piece)
    got: dict[str, dict[int, Chunk]] = {}
    for task, df in executor.run(submit, simulate):
        hit = piece_of.get(task.part_id)
        if hit is None:
            yield task, df
            continue
        chunk, k, n = hit
        pieces = got.setdefault(chunk.part_id, {})
        pieces[k] = df
        if len(pieces) == n:
            del got[chunk.part_id]
            yield chunk, Chunk.join([pieces[i] for i in range(n)])


def make_executor(workers: int | None = None, dask: str | None = None,
                  where: str | Path | None = None) -> SerialExecutor | ProcessExecutor | DaskExecutor:
    """The executor for CLI flags: ``--dask ADDRESS`` wins, then ``--workers N`` (> 1), else serial.
    A bad or unreachable Dask address is a ``ScenarioError`` naming ``where`` (the command's file)."""
    if dask:
        return DaskExecutor(dask, workers or 2, where=where)
    if workers and workers > 1:
        return ProcessExecutor(workers)
    return SerialExecutor()
