"""The C heap of a process that runs the batch engine: freed memory is kept for the next block.

A block of the batch engine allocates and frees many numpy temporaries of 32 KB to a few MB. With
glibc's default settings the top of the heap is given back to the system as soon as it is free and
taken again on the next allocation, so every block page-faults its memory afresh. Per 4,096-replication
block, measured with ``getrusage`` in alternating processes on this project's 2-core VM: Kidal made
5,318 page faults and spent 16-20 ms in the system, of 0.08-0.12 s of CPU (0.07-0.09 s with the
padding); MINUSMA phase 2 made about 8,800 and spent 32-45 ms. Keeping 64 MB of padding at the top
of the heap (``M_TOP_PAD``) brings the faults to 0 (Kidal) and about 200 (phase 2) after the first
block, and the system time to nothing.

The setting is process-wide and only keeps memory the process has already used (at most 64 MB
more than glibc would keep). It is applied once per process by the process entry points, never by
importing or running an engine: the command line (``sim.cli.main.main``) and every worker process
(``sim.experiments.executors``: the process pool's initializer and the Dask workers), so that a
serial run, process workers and Dask workers alike get it while a notebook that imports the engine
does not. ``WITHDRAWAL_SIM_TOP_PAD_MB=0`` (or glibc's own ``MALLOC_TOP_PAD_``) leaves the allocator
as it is; other C libraries are left alone.
"""

from __future__ import annotations

import ctypes
import os
import platform

ENV = "WITHDRAWAL_SIM_TOP_PAD_MB"
DEFAULT_MB = 64
_M_TOP_PAD = -2  # glibc's mallopt parameter number

_done: list[bool] = []


def top_pad_bytes() -> int:
    """The padding to set: ``WITHDRAWAL_SIM_TOP_PAD_MB`` megabytes (default 64, at most 1024); 0 when
    glibc's ``MALLOC_TOP_PAD_`` is set (the user's choice wins) or the variable is not a whole number."""
    if "MALLOC_TOP_PAD_" in os.environ:
        return 0
    raw = os.environ.get(ENV, str(DEFAULT_MB)).strip()
    return min(int(raw), 1024) << 20 if raw.isdigit() else 0


def keep_freed_memory() -> bool:
    """Set glibc's ``M_TOP_PAD`` once in this process (see the module's doc); whether it was set."""
    if _done:
        return _done[0]
    applied = False
    pad = top_pad_bytes()
    if pad > 0 and platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        try:
            applied = bool(ctypes.CDLL(None).mallopt(_M_TOP_PAD, pad))
        except (OSError, AttributeError):
            applied = False
    _done.append(applied)
    return applied
