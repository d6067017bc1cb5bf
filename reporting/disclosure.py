"""Statistical disclosure control for published tables: no count of fewer than MIN_PEOPLE people
is published, nor can one be worked out from what is published.

A table is rows × columns of cells, with row, column and grand totals. Each cell of each quarter
holds the cases it counts and the people behind them. A publication covers one quarter or the
four of a year and shows some of its entries (a cell or a total), hiding the rest. Every shown
entry is a linear equation over the quarter-level cells; an attacker holding every publication
of a year can solve the system. `hidden_entries` hides entries of a new publication until no
sum of cells over any set of quarters that counts 1 to 4 people is determined by the system
(linear algebra over a prime field: exact for these 0/1 equations).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

MIN_PEOPLE = 5
TOTAL = "_total"
QUARTERS = (1, 2, 3, 4)
_PRIME = 2**61 - 1

Key = tuple[str, str]  # (row, column); TOTAL in either place names a total


@dataclass(frozen=True)
class Cell:
    items: frozenset = frozenset()
    people: frozenset = frozenset()

    def __or__(self, other: Cell) -> Cell:
        return Cell(self.items | other.items, self.people | other.people)


def is_small(cell: Cell) -> bool:
    return 0 < len(cell.people) < MIN_PEOPLE


@dataclass
class Table:
    """One table of one year: its rows and columns, and each quarter's cells (missing: empty)."""

    rows: list[str]
    columns: list[str]
    quarters: dict[int, dict[Key, Cell]] = field(default_factory=dict)

    def keys(self) -> list[Key]:
        rows = [*self.rows, TOTAL]
        return [(row, column) for row in rows for column in [*self.columns, TOTAL]]

    def base(self, key: Key) -> list[Key]:
        """The cells a key sums: itself, or the cells of its row, column or table."""
        row, column = key
        rows = self.rows if row == TOTAL else [row]
        columns = self.columns if column == TOTAL else [column]
        return [(r, c) for r in rows for c in columns]

    def cell(self, key: Key, quarters: Iterable[int]) -> Cell:
        total = Cell()
        for quarter in quarters:
            cells = self.quarters.get(quarter, {})
            for base in self.base(key):
                total = total | cells.get(base, Cell())
        return total

    def lines(self) -> list[list[Key]]:
        """Each row and column with its total: the equations a table states by itself."""
        rows, columns = [*self.rows, TOTAL], [*self.columns, TOTAL]
        return [[(r, c) for c in columns] for r in rows] + [[(r, c) for r in rows] for c in columns]


@dataclass(frozen=True)
class Shown:
    """A publication of one table: the quarters it covers and the entries it hides."""

    quarters: tuple[int, ...]
    hidden: frozenset[Key]


class _Span:
    """The row space of a set of 0/1 vectors over GF(p), in echelon form by lowest variable."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[int, int]] = {}

    def reduce(self, vector: dict[int, int]) -> dict[int, int]:
        vector = {k: v % _PRIME for k, v in vector.items() if v % _PRIME}
        # Each stored row's variables are at or above its pivot, so taking the lowest first ends.
        while vector:
            pivot = min(vector)
            row = self.rows.get(pivot)
            if row is None:
                return vector
            factor = vector[pivot]
            for var, coef in row.items():
                value = (vector.get(var, 0) - factor * coef) % _PRIME
                if value:
                    vector[var] = value
                else:
                    vector.pop(var, None)
        return vector

    def add(self, vector: dict[int, int]) -> None:
        reduced = self.reduce(vector)
        if reduced:
            pivot = min(reduced)
            inverse = pow(reduced[pivot], _PRIME - 2, _PRIME)
            self.rows[pivot] = {k: v * inverse % _PRIME for k, v in reduced.items()}

    def holds(self, vector: dict[int, int]) -> bool:
        return not self.reduce(vector)


def _vector(table: Table, key: Key, quarters: Iterable[int], index: dict) -> dict[int, int]:
    return {index[(base, q)]: 1 for q in quarters for base in table.base(key)}


def _span(table: Table, shown: Sequence[Shown], index: dict) -> _Span:
    span = _Span()
    for publication in shown:
        for key in table.keys():
            if key not in publication.hidden:
                span.add(_vector(table, key, publication.quarters, index))
    return span


def _checks(table: Table, shown: Sequence[Shown]) -> list[tuple[Key | None, dict, Cell]]:
    """The sums that must not be known: each entry over each set of quarters, and the hidden
    cells of a line of a publication taken together."""
    checks = []
    index = _index(table)
    for key in table.keys():
        for size in range(1, 5):
            for quarters in combinations(QUARTERS, size):
                cell = table.cell(key, quarters)
                if is_small(cell):
                    checks.append((key, _vector(table, key, quarters, index), cell))
    for publication in shown:
        for line in table.lines():
            cells = [k for k in line if k in publication.hidden and TOTAL not in k]
            if len(cells) > 1:
                vector: dict[int, int] = {}
                together = Cell()
                for key in cells:
                    vector.update(_vector(table, key, publication.quarters, index))
                    together = together | table.cell(key, publication.quarters)
                if is_small(together):
                    checks.append((None, vector, together))
    return checks


def _index(table: Table) -> dict:
    return {
        ((row, column), q): i
        for i, (row, column, q) in enumerate(
            (row, column, q) for row in table.rows for column in table.columns for q in QUARTERS
        )
    }


def disclosed(table: Table, shown: Sequence[Shown]) -> list[Cell]:
    """The counts of 1 to 4 people that the publications `shown` of `table` let anyone work out."""
    index = _index(table)
    span = _span(table, shown, index)
    return [cell for _key, vector, cell in _checks(table, shown) if span.holds(vector)]


def hidden_entries(
    table: Table, *, quarters: tuple[int, ...], published: Sequence[Shown]
) -> frozenset[Key]:
    """The entries a new publication of `quarters` must hide, given the year's publications so
    far: every entry of 1 to 4 people, then more (the smallest first) until nothing is disclosed."""
    index = _index(table)
    hidden = {key for key in table.keys() if is_small(table.cell(key, quarters))}
    while True:
        candidate = Shown(quarters, frozenset(hidden))
        everything = [*published, candidate]
        span = _span(table, everything, index)
        leak = next(
            (vector for _k, vector, _c in _checks(table, everything) if span.holds(vector)), None
        )
        if leak is None:
            return frozenset(hidden)
        hidden.add(_to_hide(table, quarters, published, hidden, leak, index))


def _to_hide(table, quarters, published, hidden, leak, index) -> Key:
    """The shown entry whose hiding undoes the leak, or failing that the smallest one that takes
    part in it: its count, then its order in the table (rows first), so the choice is repeatable."""
    order = {key: n for n, key in enumerate(table.keys())}
    shown = [
        key
        for key in table.keys()
        if key not in hidden and set(_vector(table, key, quarters, index)) & set(leak)
    ]
    if not shown:  # the leak involves only other cells: hide the smallest shown entry of all
        shown = [key for key in table.keys() if key not in hidden]
    shown.sort(
        key=lambda key: (
            len(table.cell(key, quarters).items) == 0,
            _size(table, key, quarters),
            order[key],
        )
    )
    for key in shown:
        trial = Shown(quarters, frozenset(hidden | {key}))
        if not _span(table, [*published, trial], index).holds(leak):
            return key
    return shown[0]


def _size(table: Table, key: Key, quarters: tuple[int, ...]) -> int:
    return len(table.cell(key, quarters).items)
