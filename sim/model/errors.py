"""Bad input, as every layer reports it: the file, the field, and what is wrong with it."""

from __future__ import annotations

from pathlib import Path


class ScenarioError(Exception):
    """Bad input: names the file and the field. The CLI prints it and exits with code 2."""

    def __init__(self, file: str | Path | None, field: str | None, message: str) -> None:
        self.file = str(file) if file is not None else "<scenario>"
        self.field = field
        self.message = message
        where = f"{self.file}: {field}" if field else self.file
        super().__init__(f"{where}: {message}")

    def naming(self, file: str | Path) -> ScenarioError:
        """This error naming ``file`` when it was raised without one (e.g. by a bad ``--set``)."""
        if self.file != "<scenario>":
            return self
        return ScenarioError(file, self.field, self.message)


class StoreError(Exception):
    """A results folder cannot be made, read or resumed (bad run id, unwritable root, a folder in
    use, parts that are not those of the run). Bad input like a ``ScenarioError``: the CLI prints it
    and exits with code 2."""


BAD_INPUT: tuple[type[Exception], ...] = (ScenarioError, StoreError)
"""The errors that are the user's input, not a bug: the CLI exits with code 2 on them."""
