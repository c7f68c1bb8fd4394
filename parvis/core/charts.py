"""Server-rendered SVG pictures: no JavaScript, readable by screen readers, the table kept beside.

Plain Python (no Django): each function takes plain data and returns SVG markup with ``role="img"``, a
``<title>`` and a ``<desc>`` (referenced by ``aria-labelledby``), every text escaped. Pages mark the
markup safe and keep the table that gives the same figures.
"""

from html import escape
from itertools import count

#: Distinct fills that keep a 3:1 contrast with white (WCAG 1.4.11 for graphical objects).
PALETTE = ("#0b4fa3", "#b3261e", "#1b6e3a", "#7a3e9d", "#8a5a00", "#00607a")
REMAINDER = "#d8dde6"
_ids = count(1)


def _frame(width: int, height: int, title: str, desc: str, body: list[str], css_class: str) -> str:
    n = next(_ids)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {escape(css_class)}" role="img" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc">'
        f'<title id="chart-{n}-title">{escape(title)}</title><desc id="chart-{n}-desc">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def budget_fill(amount: int, projects: list[tuple[str, int]], *, title: str, desc: str) -> str:
    """The envelope as one bar, filled project by project in the order given (cost proportional);
    what is left unspent stays grey. Each segment's ``<title>`` names the project and its cost."""
    width, height = 1000, 40
    body, x = [], 0.0
    total = max(amount, sum(cost for _name, cost in projects), 1)
    for i, (name, cost) in enumerate(projects):
        w = width * cost / total
        body.append(
            f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" '
            f'fill="{PALETTE[i % len(PALETTE)]}" stroke="#fff" stroke-width="2">'
            f"<title>{escape(name)} : {_euros(cost)}</title></rect>"
        )
        x += w
    if x < width:
        body.append(f'<rect x="{x:.2f}" y="0" width="{width - x:.2f}" height="{height}" fill="{REMAINDER}"/>')
    return _frame(width, height, title, desc, body, "budget-fill")


def merit_profile(grades: list[tuple[str, int]], median: int, *, title: str, desc: str) -> str:
    """Majority judgment's standard picture: one bar of the grades' shares, worst to best left to right,
    with a line at 50 % (where the median grade lies); ``median`` is the index of that grade."""
    width, height = 1000, 40
    total = sum(n for _label, n in grades) or 1
    body, x = [], 0.0
    for i, (label, n) in enumerate(grades):
        w = width * n / total
        stroke = ' stroke="#000" stroke-width="4"' if i == median else ""
        body.append(
            f'<rect x="{x:.2f}" y="4" width="{w:.2f}" height="{height - 8}" '
            f'fill="{PALETTE[i % len(PALETTE)]}"{stroke}>'
            f"<title>{escape(label)} : {n} ({100 * n / total:.0f} %)</title></rect>"
        )
        x += w
    middle = width / 2
    body.append(f'<line x1="{middle}" y1="0" x2="{middle}" y2="{height}" stroke="#000" stroke-width="3"/>')
    return _frame(width, height, title, desc, body, "merit-profile")


def _euros(amount: int) -> str:
    return f"{amount:,}".replace(",", "\u202f") + " €"
