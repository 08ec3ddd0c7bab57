"""The one exception family for "cannot continue"."""

from __future__ import annotations

from dataclasses import dataclass


class MohinhError(Exception):
    """Base of every error that stops a command; its text is meant for staff."""


@dataclass(frozen=True)
class PlanProblem:
    """One problem in a plan: where it is and what is wrong, in Vietnamese."""

    file: str
    line: int | None
    path: str
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class PlanError(MohinhError):
    """The plan cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[PlanProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
