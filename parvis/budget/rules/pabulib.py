"""Reader and writer for the pabulib ``.pb`` format (http://pabulib.org/format).

The reader follows pabutools 1.2.3's parser so that both see the same election: ``;``-separated
CSV with standard quoting, section titles in any case, fields whose value is ``None`` (any case)
treated as absent, decimal commas in costs and budget, repeated ids in an approval ballot counted
once (the last points win in a cumulative or scoring ballot, the first position in an ordinal one),
a cumulative or scoring ballot without ``points`` taken as empty. Where pabutools would crash (an
unknown project id, a missing cost) we raise ``PabulibError`` naming the line.
"""

from __future__ import annotations

import csv
import io
import os
from fractions import Fraction

import numpy as np

from .profile import VOTE_TYPES, Election, Profile


class PabulibError(ValueError):
    """A malformed .pb file; the message names the line."""


def _number(text: str, line: int, what: str) -> Fraction:
    try:
        return Fraction(text.strip().replace(",", "."))
    except (ValueError, ZeroDivisionError):
        raise PabulibError(f"line {line}: {what} {text!r} is not a number")


def _points(text: str, line: int) -> int | Fraction:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise PabulibError(f"line {line}: points {text!r} is not a number")


def read(source: str | os.PathLike | io.TextIOBase) -> Election:
    """Parse a .pb file (path or open text stream) into an ``Election``."""
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", newline="") as f:
            return parse(f.read())
    return parse(source.read())


def parse(text: str) -> Election:
    """Parse the text of a .pb file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    reader = csv.reader(lines, delimiter=";")
    meta: dict[str, str] = {}
    ids: list[str] = []
    costs: list[Fraction] = []
    project_meta: list[dict[str, str]] = []
    column: dict[str, int] = {}
    section = ""
    header: list[str] = []
    vote_col = points_col = -1
    vote_type = ""
    indptr = [0]
    indices: list[int] = []
    values: list = []
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        title = row[0].strip().lower()
        if title in ("meta", "projects", "votes"):
            section = title
            try:
                header = [h.strip() for h in next(reader)]
            except StopIteration:
                raise PabulibError(f"line {reader.line_num}: section {row[0].strip()} has no header line")
            if section == "votes":
                vote_type = meta.get("vote_type", "")
                if vote_type not in VOTE_TYPES:
                    raise PabulibError(
                        f"line {reader.line_num}: unknown or missing vote_type {vote_type!r} in META "
                        f"(expected one of {', '.join(VOTE_TYPES)})"
                    )
                vote_col = header.index("vote") if "vote" in header else -1
                points_col = header.index("points") if "points" in header else -1
            continue
        line = reader.line_num
        if section == "meta":
            if len(row) < 2:
                raise PabulibError(f"line {line}: META line needs a key and a value")
            meta[row[0].strip()] = row[1].strip()
        elif section == "projects":
            pid = row[0].strip()
            fields = {}
            for key, value in zip(header, row, strict=False):
                if value.strip().lower() != "none":
                    fields[key] = value.strip()
            if "cost" not in fields:
                raise PabulibError(f"line {line}: project {pid!r} has no cost")
            if pid in column:
                raise PabulibError(f"line {line}: project id {pid!r} appears twice in PROJECTS")
            column[pid] = len(ids)
            ids.append(pid)
            costs.append(_number(fields["cost"], line, "cost"))
            project_meta.append(fields)
        elif section == "votes":
            vote = row[vote_col].strip() if 0 <= vote_col < len(row) else ""
            if vote.lower() == "none":
                vote = ""
            start = len(indices)
            if vote_type in ("approval", "choose-1", "ordinal"):
                if vote:
                    seen = set()
                    for name in vote.split(","):
                        if not name:
                            continue
                        col = column.get(name)
                        if col is None:
                            raise PabulibError(f"line {line}: unknown project id {name!r} in vote")
                        if col not in seen:
                            seen.add(col)
                            indices.append(col)
            else:
                points = row[points_col].strip() if 0 <= points_col < len(row) else ""
                if points and points.lower() != "none":
                    names = vote.split(",")
                    pts = points.split(",")
                    if len(pts) < len(names):
                        raise PabulibError(f"line {line}: fewer points than projects in vote")
                    where: dict[int, int] = {}
                    for name, p in zip(names, pts, strict=False):
                        col = column.get(name)
                        if col is None:
                            raise PabulibError(f"line {line}: unknown project id {name!r} in vote")
                        value = _points(p, line)
                        if col in where:
                            values[where[col]] = value
                        else:
                            where[col] = len(indices)
                            indices.append(col)
                            values.append(value)
            del start
            indptr.append(len(indices))
    if "budget" not in meta:
        raise PabulibError("META has no budget")
    if section != "votes" and not ids:
        raise PabulibError("no PROJECTS section found")
    budget = _number(meta["budget"], 0, "budget")
    vote_type = vote_type or meta.get("vote_type", "approval")
    profile = Profile(
        num_projects=len(ids),
        indptr=np.asarray(indptr, dtype=np.int64),
        indices=np.asarray(indices, dtype=np.int32),
        vote_type=vote_type,
        values=tuple(values) if vote_type in ("cumulative", "scoring") else None,
    )
    return Election(ids, costs, budget, profile, meta, project_meta)


def _fmt(x) -> str:
    if isinstance(x, Fraction):
        if x.denominator == 1:
            return str(x.numerator)
        value = float(x)
        if Fraction(value) == x or Fraction(repr(value)) == x:
            return repr(value)
        return f"{x.numerator}/{x.denominator}"
    return str(x)


def dumps(election: Election, voter_ids: list[str] | None = None) -> str:
    """The .pb text of an election; voters are numbered 1..n unless ``voter_ids`` is given.

    Only what a tally needs is written (META, costs and the projects' own fields, votes and
    points), so that exports of anonymous ballots carry no personal data.
    """
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    profile = election.profile
    meta = dict(election.meta)
    meta["num_projects"] = str(len(election.project_ids))
    meta["num_votes"] = str(profile.num_voters)
    meta["budget"] = _fmt(election.budget)
    meta["vote_type"] = profile.vote_type
    w.writerow(["META"])
    w.writerow(["key", "value"])
    for key, value in meta.items():
        w.writerow([key, value])
    extra: list[str] = []
    for fields in election.project_meta:
        for key in fields:
            if key not in ("project_id", "cost") and key not in extra:
                extra.append(key)
    w.writerow(["PROJECTS"])
    w.writerow(["project_id", "cost", *extra])
    for i, pid in enumerate(election.project_ids):
        fields = election.project_meta[i] if i < len(election.project_meta) else {}
        w.writerow([pid, _fmt(election.costs[i]), *(fields.get(k, "None") for k in extra)])
    w.writerow(["VOTES"])
    with_points = profile.vote_type in ("cumulative", "scoring")
    w.writerow(["voter_id", "vote", *(["points"] if with_points else [])])
    ids = election.project_ids
    for v in range(profile.num_voters):
        ballot = profile.ballot(v)
        row = [voter_ids[v] if voter_ids else str(v + 1), ",".join(ids[c] for c in ballot)]
        if with_points:
            # pabutools reads an empty points field as a number; "None" is its empty ballot
            row.append(",".join(_fmt(Fraction(x)) for x in profile.ballot_values(v)) or "None")
        w.writerow(row)
    return out.getvalue()


def write(
    election: Election, target: str | os.PathLike | io.TextIOBase, voter_ids: list[str] | None = None
) -> None:
    """Write an election as a .pb file (path or open text stream)."""
    text = dumps(election, voter_ids)
    if isinstance(target, str | os.PathLike):
        with open(target, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    else:
        target.write(text)
