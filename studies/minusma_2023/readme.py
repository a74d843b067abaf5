"""Generated sections of the README files: the text between ``<!-- name:start -->`` and
``<!-- name:end -->`` markers, replaced atomically by the scripts that compute it."""

from __future__ import annotations

from pathlib import Path

from sim.store.atomic import atomic_write_text

from .paths import README


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def read_section(text: str, name: str) -> str:
    """The text between the ``name`` markers (without the markers' own lines)."""
    start, end = markers(name)
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i:
        raise ValueError(f"markers {start} … {end} not found")
    return text[i + len(start):j].strip("\n") + "\n"


def replace_section(text: str, name: str, body: str) -> str:
    """``text`` with the section between the ``name`` markers replaced by ``body``."""
    start, end = markers(name)
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i:
        raise ValueError(f"markers {start} … {end} not found")
    return text[: i + len(start)] + "\n" + body.rstrip("\n") + "\n" + text[j:]


def update_readme(name: str, body: str, readme: Path = README) -> bool:
    """Replace section ``name`` of ``readme``; True if the file changed."""
    old = readme.read_text(encoding="utf-8")
    new = replace_section(old, name, body)
    if new != old:
        atomic_write_text(readme, new)
    return new != old
