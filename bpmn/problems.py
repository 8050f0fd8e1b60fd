"""What is wrong with a model, said so that a person can find it: file, line, element."""
from dataclasses import dataclass, asdict


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    line: int | None = None
    element_id: str | None = None
    code: str | None = None

    def as_dict(self):
        return asdict(self)


class InvalidModel(Exception):
    """Raised with every problem found, so one upload reports all of them at once."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(_describe(p) for p in self.problems))


def _describe(problem):
    where = problem.file
    if problem.line:
        where += f":{problem.line}"
    if problem.element_id:
        where += f" ({problem.element_id})"
    return f"{where}: {problem.message}"
