"""The example notebook ``examples/what_if.ipynb`` runs from top to bottom without an error
(executed with nbclient in a kernel of this interpreter), writes nothing, and draws its chart."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "what_if.ipynb"

pytestmark = pytest.mark.integration


def _untracked() -> set[str]:
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--", "examples", "results"],
                         cwd=ROOT, capture_output=True, text=True, check=False).stdout
    return set(out.splitlines())


def test_the_what_if_notebook_runs() -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    before = _untracked()
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError on the first cell that fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "the chart was not drawn"
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "flights granted with p = 0.1 → 1.0" in text
    assert _untracked() == before  # nothing written next to the notebook or into results/
