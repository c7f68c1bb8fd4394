"""What a tally returns: the funded projects and, for every project, why.

A city has to be able to tell a citizen why their project lost: with the Method of Equal Shares,
either its supporters had spent their share on other projects, or nobody supported it; with greedy,
it came after the point where the budget ran out. These dataclasses carry that, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

# Reasons a project was or was not funded.
FUNDED = "funded"
NO_SUPPORT = "no_support"
SUPPORTERS_CANNOT_AFFORD = "supporters_cannot_afford"
BUDGET_EXHAUSTED = "budget_exhausted"
NOT_REACHED = "not_reached"
OVER_WINNER_LIMIT = "over_winner_limit"


@dataclass(frozen=True)
class ProjectResult:
    """One project's fate in a tally.

    ``rho`` (MES) is the price per unit of utility its supporters paid: with cost utility a voter
    paid ``rho * cost``, with approval utility ``rho``. ``payers`` counts supporters who paid anything.
    ``position`` is the order of selection (1 = first funded); for greedy, the rank in the greedy order.
    ``money_left`` (MES, unfunded) is what its supporters had left when the rule stopped.
    ``points`` (greedy by points) is the total of the points voters gave it.
    """

    project_id: str
    cost: Fraction
    votes: int
    funded: bool
    reason: str
    position: int | None = None
    rho: Fraction | None = None
    payers: int | None = None
    money_left: Fraction | None = None
    score: Fraction | None = None
    stage: str | None = None
    points: int | Fraction | None = None

    def describe(self) -> str:
        """One line in English for the command's ``--explain`` output."""
        head = f"{self.project_id}: cost {_money(self.cost)}, {self.votes} votes"
        if self.points is not None:
            head += f", {_num(self.points)} points"
        if self.funded:
            parts = [f"funded (#{self.position}" + (f", {self.stage}" if self.stage else "") + ")"]
            if self.rho is not None:
                parts.append(f"rho = {float(self.rho):.6g} per unit of utility")
            if self.payers is not None:
                parts.append(f"paid by {self.payers} supporters")
            return f"{head}; " + ", ".join(parts)
        why = {
            NO_SUPPORT: "not funded: nobody supported it",
            SUPPORTERS_CANNOT_AFFORD: "not funded: its supporters could not afford it",
            BUDGET_EXHAUSTED: "not funded: the budget ran out",
            NOT_REACHED: "not funded: not reached",
            OVER_WINNER_LIMIT: "not funded: the number of winners was reached",
        }.get(self.reason, f"not funded: {self.reason}")
        if self.money_left is not None:
            why += f" (they had {_money(self.money_left)} left)"
        if self.position is not None and self.rho is None:
            why += f" (rank {self.position})"
        return f"{head}; {why}"


@dataclass(frozen=True)
class Outcome:
    """The result of a tally.

    ``selected`` lists project ids in the order the rule funded them. ``projects`` has one
    ``ProjectResult`` per project, in the election's order. ``details`` holds rule-specific facts,
    e.g. ``budget_ran_out_at`` (greedy: rank of the first project that no longer fitted) or
    ``voter_budget`` (MES: the per-voter budget of the run that was kept).
    """

    rule: str
    selected: tuple[str, ...]
    total_cost: Fraction
    budget: Fraction
    projects: tuple[ProjectResult, ...]
    details: dict = field(default_factory=dict)

    def result(self, project_id: str) -> ProjectResult:
        for p in self.projects:
            if p.project_id == project_id:
                return p
        raise KeyError(project_id)

    def as_dict(self) -> dict:
        """JSON-ready form: money as strings of exact decimals/fractions, plus floats for display."""
        return {
            "rule": self.rule,
            "selected": list(self.selected),
            "total_cost": _num(self.total_cost),
            "budget": _num(self.budget),
            "details": {k: _num(v) if isinstance(v, Fraction) else v for k, v in self.details.items()},
            "projects": [
                {
                    "project_id": p.project_id,
                    "cost": _num(p.cost),
                    "votes": p.votes,
                    "funded": p.funded,
                    "reason": p.reason,
                    "position": p.position,
                    "rho": None if p.rho is None else _num(p.rho),
                    "rho_float": None if p.rho is None else float(p.rho),
                    "payers": p.payers,
                    "money_left": None if p.money_left is None else _num(p.money_left),
                    "stage": p.stage,
                    "points": None if p.points is None else _num(p.points),
                }
                for p in self.projects
            ],
        }

    def explain(self) -> str:
        lines = [f"rule: {self.rule}; budget {_money(self.budget)}; spent {_money(self.total_cost)}"]
        for key, value in self.details.items():
            lines.append(f"{key}: {_money(value) if isinstance(value, Fraction) else value}")
        funded = sorted((p for p in self.projects if p.funded), key=lambda p: p.position or 0)
        others = [p for p in self.projects if not p.funded]
        lines += [p.describe() for p in funded]
        lines += [p.describe() for p in others]
        return "\n".join(lines)


def _num(x: Fraction) -> str:
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    return f"{x.numerator}/{x.denominator}"


def _money(x) -> str:
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    return f"{float(x):.2f}"
