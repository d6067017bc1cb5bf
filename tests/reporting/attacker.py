"""An attacker who holds every publication of a year and solves them as one linear system
(exact fractions), written apart from reporting.disclosure so that it checks it rather than
repeats it."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

QUARTERS = (1, 2, 3, 4)


def _quarters(content: dict) -> tuple[int, ...]:
    quarter = content["period"]["quarter"]
    return QUARTERS if quarter is None else (quarter,)


def _equations(contents: list[dict], name: str) -> tuple[list, list[str], list[str]]:
    rows = sorted({row["code"] for c in contents for row in c["tables"][name]["rows"]})
    columns = contents[0]["tables"][name]["columns"]
    equations = []
    for content in contents:
        table, quarters = content["tables"][name], _quarters(content)
        published = {row["code"]: row for row in table["rows"]}

        def add(cells: list[tuple[str, str]], value, quarters=quarters) -> None:
            if value is not None:
                equations.append(({(r, c, q): 1 for r, c in cells for q in quarters}, value))

        for code in rows:
            row = published.get(code)
            cells = row["cells"] if row else [0] * len(columns)  # a row left out counted nothing
            for column, value in zip(columns, cells, strict=True):
                add([(code, column)], value)
            add([(code, c) for c in columns], row["total"] if row else 0)
        for column, value in zip(columns, table["totals"], strict=True):
            add([(r, column) for r in rows], value)
        add([(r, c) for r in rows for c in columns], table["total"])
    return equations, rows, columns


def _subtract(row: dict, other: dict, factor: Fraction) -> None:
    """row -= factor × other, dropping the zeros."""
    for k, v in other.items():
        row[k] = row.get(k, 0) - factor * v
        if row[k] == 0:
            del row[k]


def _reduced(equations: list) -> list[tuple[tuple, dict, Fraction]]:
    """The equations in reduced row echelon form: (pivot, coefficients, value)."""
    pivots: list[tuple[tuple, dict, Fraction]] = []
    for coefficients, value in equations:
        row = {k: Fraction(v) for k, v in coefficients.items()}
        rhs = Fraction(value)
        for pivot, other, other_rhs in pivots:
            if pivot in row:
                factor = row[pivot]
                _subtract(row, other, factor)
                rhs -= factor * other_rhs
        if not row:
            continue
        pivot = min(row)
        factor = row[pivot]
        row = {k: v / factor for k, v in row.items()}
        rhs /= factor
        for index, (p, other, other_rhs) in enumerate(pivots):
            if pivot in other:
                factor = other[pivot]
                _subtract(other, row, factor)
                pivots[index] = (p, other, other_rhs - factor * rhs)
        pivots.append((pivot, row, rhs))
    return pivots


def solved(contents: list[dict], name: str) -> dict[tuple, Fraction]:
    """Every (row, column, quarters) count of table `name` the publications determine, and its
    value: single cells and row and column totals, over every set of quarters."""
    equations, rows, columns = _equations(contents, name)
    pivots = _reduced(equations)
    found = {}
    keys = [(r, c) for r in rows for c in columns]
    keys += [(r, "_total") for r in rows] + [("_total", c) for c in columns]
    for row, column in keys:
        cells = [
            (r, c)
            for r in (rows if row == "_total" else [row])
            for c in (columns if column == "_total" else [column])
        ]
        for size in range(1, 5):
            for quarters in combinations(QUARTERS, size):
                vector = {(r, c, q): Fraction(1) for r, c in cells for q in quarters}
                value = Fraction(0)
                for pivot, coefficients, rhs in pivots:
                    if pivot in vector:
                        factor = vector[pivot]
                        _subtract(vector, coefficients, factor)
                        value += factor * rhs
                if not vector:
                    found[(row, column, quarters)] = value
    return found


def small_counts_found(contents: list[dict]) -> dict[tuple, Fraction]:
    """What the attacker is after: counts of 1 to 4 that the publications give away."""
    return {
        (name, *key): value
        for name in contents[0]["tables"]
        for key, value in solved(contents, name).items()
        if 0 < value < 5
    }
