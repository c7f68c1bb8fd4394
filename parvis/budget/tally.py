"""From one envelope's data to its outcome, through the tally engine (``parvis.budget.rules``).

Pure: no Django. The city's procedure on top of the engine's rules:

1. Projects an administrator excluded (a justified override) leave the ballot; projects an
   administrator funded by override are funded first, drawing on the reserved amount when they
   lie in a priority area, else on the general part.
2. **Reserved stage**: the projects located in priority areas (QPV) compete, by the campaign's rule,
   for the reserved amount, with every ballot restricted to them.
3. **General stage**: every project not yet funded (priority areas included) competes, by the
   same rule, for the rest of the envelope (amount − reserved amount).
4. **Completion**: what the reserved stage left unspent stays reserved, so only priority-area
   projects may draw on it: those still unfunded compete for it plus whatever the general stage
   left (a priority project dearer than the reserved amount alone can so combine both).

The same data written as a pabulib file (``to_election``) carries the reserved amount, the priority
flags and the overrides, so that ``from_election`` + ``tally_envelope`` recompute the same outcome.
See docs/decisions/0402-budget-reserved-amount.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from itertools import chain, repeat

import numpy as np

from . import rules
from .rules.profile import Election, Profile

MISSING_GRADE = 1
#: MES with Add1 raises each voter's share in steps; a step of 1/STEPS of the budget per voter
#: keeps the number of runs bounded whatever the currency unit.
MES_STEPS = 200


@dataclass
class EnvelopeData:
    costs: dict[str, int]  # project id -> cost, in ballot order
    budget: int
    ballots: list | Profile  # sets/lists of project ids, or {project_id: grade}; or ``packed``
    rule: str = "greedy"  # greedy | mes | mj
    reserved: int = 0
    priority: frozenset = frozenset()  # project ids located in a priority area
    excluded: frozenset = frozenset()  # overrides: left out
    forced: tuple = ()  # overrides: funded first
    grades: bool = False
    meta: dict = field(default_factory=dict)


@dataclass
class EnvelopeOutcome:
    selected: list[str]
    projects: dict[str, dict]
    reserved_spent: int
    general_spent: int

    @property
    def total_cost(self) -> int:
        return self.reserved_spent + self.general_spent

    def as_dict(self) -> dict:
        return {
            "selected": self.selected,
            "projects": self.projects,
            "reserved_spent": self.reserved_spent,
            "general_spent": self.general_spent,
            "total_cost": self.total_cost,
        }


def ballots_from_grade_counts(total: int, grades: dict[str, dict[str, int]]) -> list[dict]:
    """``total`` anonymous grade ballots whose per-project grade distributions are exactly ``grades``
    (project id -> {grade: number of ballots giving it}); a project is ungraded on the other ballots.

    The ballots are built column-wise: ballot *i* gives project *p* the *i*-th best of *p*'s grades.
    Which grades sat together on one real ballot is unknown (a polling place's count sheet does not say)
    and is not reproduced, but majority judgment — and greedy, by votes or by points — depend only on
    each project's grade distribution and on the number of ballots, so the outcome is the one the real
    ballots give. MES depends on the whole ballots and must not be fed these (decision 0403)."""
    width = max((sum(counts.values()) for counts in grades.values()), default=0)
    if width > total:
        raise ValueError(f"a project has {width} grades for {total} ballots")
    ballots: list[dict] = [{} for _ in range(width)]
    for pid, counts in grades.items():
        i = 0
        for grade in sorted(counts, key=int, reverse=True):
            for _ in range(counts[grade]):
                ballots[i][pid] = int(grade)
                i += 1
    blank: dict = {}  # read only: the ballots without any grade share one empty mapping
    return ballots + [blank] * (total - width)


def packed(data: EnvelopeData) -> EnvelopeData:
    """The same envelope with its ballots as a ``Profile`` (numpy arrays, columns in ``costs`` order):
    what the tally counts, and what is sent to another process, where a list of a few hundred
    thousand small lists costs more to unpickle than to count."""
    if isinstance(data.ballots, Profile):
        return data
    return replace(data, ballots=_profile(data.ballots, list(data.costs), data.grades))


def _profile(ballots: list, ids: list[str], grades: bool) -> Profile:
    """A CSR profile of the ballots restricted to ``ids`` (voters whose ballot becomes empty stay).

    Ballots name projects by id as int or str; ids not in ``ids`` are dropped. Vectorised: a
    city-wide envelope has hundreds of thousands of ballots."""
    column: dict = {}
    for i, pid in enumerate(ids):
        column[pid] = i
        if pid.isdigit():
            column[int(pid)] = i
    n = len(ballots)
    lengths = np.fromiter(map(len, ballots), dtype=np.int64, count=n)
    total = int(lengths.sum())
    keys = chain.from_iterable(ballots)  # a mapping iterates over its keys (project ids)
    cols = np.fromiter(map(column.get, keys, repeat(-1)), dtype=np.int64, count=total)
    mask = cols >= 0
    rows = np.repeat(np.arange(n), lengths)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[mask], minlength=n), out=indptr[1:])
    values = None
    if grades:
        grade_values = np.fromiter(
            map(int, chain.from_iterable(b.values() for b in ballots)), dtype=np.int64, count=total
        )
        values = tuple(grade_values[mask].tolist())
    return Profile(
        num_projects=len(ids),
        indptr=indptr,
        indices=cols[mask].astype(np.int32),
        vote_type="scoring" if grades else "approval",
        values=values,
    )


def _restrict(full: Profile, all_ids: list[str], ids: list[str], grades: np.ndarray | None = None) -> Profile:
    """The profile restricted to the columns of ``ids`` (in that order); every voter is kept."""
    position = {pid: i for i, pid in enumerate(all_ids)}
    new_col = np.full(max(len(all_ids), 1), -1, dtype=np.int64)
    for j, pid in enumerate(ids):
        new_col[position[pid]] = j
    mapped = new_col[full.indices.astype(np.int64)]
    mask = mapped >= 0
    if grades is not None:
        # An explicit lowest mention is the same as no mention (majority judgment's missing grade):
        # leaving those out gives the same outcome with fewer grades to count.
        mask &= grades > MISSING_GRADE
    rows = np.repeat(np.arange(full.num_voters), np.diff(full.indptr))
    counts = np.bincount(rows[mask], minlength=full.num_voters)
    indptr = np.zeros(full.num_voters + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    values = None
    if grades is not None:
        values = tuple(grades[mask].tolist())
    return Profile(
        num_projects=len(ids),
        indptr=indptr,
        indices=mapped[mask].astype(np.int32),
        vote_type=full.vote_type,
        values=values,
    )


def _run(rule: str, ids: list[str], costs: dict[str, int], budget: int, profile: Profile):
    election = Election(ids, [Fraction(costs[p]) for p in ids], Fraction(max(budget, 0)), profile)
    ballots = range(profile.num_voters)
    if rule == "mj":
        return rules.majority_judgment(election, missing_grade=MISSING_GRADE)
    if rule == "mes":
        n = max(len(ballots), 1)
        step = Fraction(max(budget, 1), n * MES_STEPS)
        return rules.equal_shares(election, utility="cost", completion="add1", increment=step)
    if rule == "greedy":
        return rules.greedy(election, utility="cost")
    raise ValueError(f"unknown rule {rule!r}")


def _explain(result, stage: str) -> dict:
    return {
        "funded": result.funded,
        "reason": result.reason,
        "stage": stage,
        "position": result.position,
        "score": None if result.score is None else str(result.score),
        "detail": result.stage or "",
    }


def tally_envelope(data: EnvelopeData) -> EnvelopeOutcome:
    """Selected project ids (in funding order) and, for every project, why (see module docstring)."""
    if data.rule == "mj" and not data.grades:
        raise ValueError("majority judgment needs grade ballots")
    if data.reserved > data.budget:
        raise ValueError("the reserved amount exceeds the envelope")
    all_ids = list(data.costs)
    full = packed(data).ballots
    votes = dict(zip(all_ids, full.support_counts().tolist(), strict=True))
    grade_array = np.asarray(full.values, dtype=np.int64) if full.values is not None else None

    def run(ids, budget):
        return _run(data.rule, ids, data.costs, budget, _restrict(full, all_ids, ids, grade_array))

    explained: dict[str, dict] = {}
    selected: list[str] = []
    reserved_left = data.reserved
    general_left = data.budget - data.reserved
    reserved_spent = general_spent = 0
    for pid in data.excluded:
        if pid in data.costs:
            explained[pid] = {
                "funded": False,
                "reason": "override_excluded",
                "stage": "override",
                "position": None,
                "score": None,
                "detail": "",
            }
    for pid in data.forced:
        if pid not in data.costs or pid in data.excluded:
            continue
        cost = data.costs[pid]
        from_reserved = min(cost, reserved_left) if pid in data.priority else 0
        reserved_left -= from_reserved
        general_left -= cost - from_reserved
        reserved_spent += from_reserved
        general_spent += cost - from_reserved
        selected.append(pid)
        explained[pid] = {
            "funded": True,
            "reason": "override_funded",
            "stage": "override",
            "position": len(selected),
            "score": None,
            "detail": "",
        }
    general_left = max(general_left, 0)
    open_ids = [p for p in data.costs if p not in explained]
    priority_ids = [p for p in open_ids if p in data.priority]
    if priority_ids and reserved_left > 0:
        outcome = run(priority_ids, reserved_left)
        for pid in outcome.selected:
            selected.append(pid)
            reserved_spent += data.costs[pid]
            explained[pid] = _explain(outcome.result(pid), "reserved")
    rest = [p for p in open_ids if p not in explained]
    if rest:
        outcome = run(rest, general_left)
        for pid in outcome.selected:
            selected.append(pid)
            general_spent += data.costs[pid]
        for result in outcome.projects:
            explained[result.project_id] = _explain(result, "general")
    # Completion: unspent reserved money plus what the general part left, for priority projects only.
    reserved_left = data.reserved - reserved_spent
    general_left = max(data.budget - data.reserved - general_spent, 0)
    leftover = [p for p in priority_ids if not explained[p]["funded"]]
    if leftover and reserved_left > 0:
        outcome = run(leftover, reserved_left + general_left)
        for pid in outcome.selected:
            selected.append(pid)
            cost = data.costs[pid]
            from_reserved = min(cost, reserved_left)
            reserved_left -= from_reserved
            reserved_spent += from_reserved
            general_spent += cost - from_reserved
            explained[pid] = _explain(outcome.result(pid), "reserved")
    projects = {}
    for pid, cost in data.costs.items():
        info = dict(explained[pid])
        info.update(project_id=pid, cost=cost, votes=votes[pid], priority_area=pid in data.priority)
        if info["funded"]:
            info["position"] = selected.index(pid) + 1
        projects[pid] = info
    return EnvelopeOutcome(
        selected=selected, projects=projects, reserved_spent=reserved_spent, general_spent=general_spent
    )


def to_election(data: EnvelopeData, names: dict[str, str] | None = None) -> Election:
    """The envelope as a pabulib election: anonymous ballots, plus what the procedure needs."""
    ids = list(data.costs)
    meta = {
        "description": data.meta.get("description", ""),
        "country": data.meta.get("country", "France"),
        "unit": data.meta.get("unit", ""),
        "subunit": data.meta.get("subunit", ""),
        "instance": data.meta.get("instance", ""),
        "rule": {"greedy": "greedy", "mes": "equalshares/add1", "mj": "majority-judgment"}[data.rule],
        "parvis_rule": data.rule,
        "parvis_reserved_budget": str(data.reserved),
        "parvis_procedure": "overrides; priority-area projects for the reserved budget; all for the rest",
    }
    if data.grades:
        meta.update(min_points="1", max_points="4", parvis_missing_grade=str(MISSING_GRADE))
    meta = {k: v for k, v in meta.items() if v != ""}
    override = {p: "exclude" for p in data.excluded}
    override.update({p: f"fund:{i + 1}" for i, p in enumerate(data.forced)})
    project_meta = [
        {
            "name": (names or {}).get(p, ""),
            "priority_area": "1" if p in data.priority else "0",
            "parvis_override": override.get(p, ""),
        }
        for p in ids
    ]
    for fields in project_meta:  # an absent value is left out (a column of "None" only when others have one)
        for key in ("name", "parvis_override"):
            if not fields[key]:
                fields.pop(key)
    election = Election(
        ids,
        [Fraction(data.costs[p]) for p in ids],
        Fraction(data.budget),
        packed(data).ballots,
        meta,
        project_meta,
    )
    return election


def from_election(election: Election) -> EnvelopeData:
    """Read back what ``to_election`` wrote (from a parsed pabulib file)."""
    ids = election.project_ids
    meta = election.meta
    pm = election.project_meta or [{} for _ in ids]
    grades = election.profile.values is not None
    ballots: list = []
    profile = election.profile
    for v in range(profile.num_voters):
        cols = profile.ballot(v)
        if grades:
            ballots.append({ids[c]: int(x) for c, x in zip(cols, profile.ballot_values(v), strict=True)})
        else:
            ballots.append({ids[c] for c in cols})
    excluded = frozenset(p for p, f in zip(ids, pm, strict=True) if f.get("parvis_override") == "exclude")
    forced = sorted(
        (
            (int(f["parvis_override"][5:]), p)
            for p, f in zip(ids, pm, strict=True)
            if str(f.get("parvis_override", "")).startswith("fund:")
        )
    )
    return EnvelopeData(
        costs={p: int(c) for p, c in zip(ids, election.costs, strict=True)},
        budget=int(election.budget),
        ballots=ballots,
        rule=meta.get("parvis_rule", "greedy"),
        reserved=int(meta.get("parvis_reserved_budget", "0")),
        priority=frozenset(p for p, f in zip(ids, pm, strict=True) if f.get("priority_area") == "1"),
        excluded=excluded,
        forced=tuple(p for _, p in forced),
        grades=grades,
        meta=dict(meta),
    )
