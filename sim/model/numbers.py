"""What every number of a scenario file shares: booleans are refused (Python and pydantic would read
``true`` as 1). Used by the scenario schema and by the distributions of its uncertain inputs."""

from __future__ import annotations


def not_boolean(value: object) -> object:
    """``value``, unless it is a boolean (a ``ValueError`` then)."""
    if isinstance(value, bool):
        raise ValueError(f"a number is needed, not {str(value).lower()}")
    return value
