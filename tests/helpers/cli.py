"""What a refusal of bad input looks like, in this process or a real one."""

from __future__ import annotations

from pathlib import Path


def assert_bad_input(code: int, err: str, file: Path | str, field: str | None, results_root: Path) -> None:
    """Exit code 2, one paragraph naming ``file`` (and ``field``), no traceback, no results folder."""
    assert code == 2, err
    assert "Traceback" not in err
    assert str(file) in err, err
    if field:
        assert field in err, err
    assert err.count("\n") <= 2, err  # one paragraph
    assert not results_root.exists() or list(results_root.iterdir()) == []
