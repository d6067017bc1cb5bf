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
TRIALS = 3

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


class _Audit:
    """One table's publications so far and the sums that must not be known, computed once; each
    trial of a new publication only adds its own equations to a copy of the others' span."""

    def __init__(self, table: Table, published: Sequence[Shown]) -> None:
        self.table = table
        self.index = {
            ((row, column), q): i
            for i, (row, column, q) in enumerate(
                (r, c, q) for r in table.rows for c in table.columns for q in QUARTERS
            )
        }
        self.published = list(published)
        self.vectors: dict[tuple[Key, tuple[int, ...]], dict[int, int]] = {}
        self.base = _Span()
        for publication in self.published:
            self._add(self.base, publication)
        # Each entry over each set of quarters that counts 1 to 4 people.
        self.checks = []
        for key in table.keys():
            for size in range(1, 5):
                for quarters in combinations(QUARTERS, size):
                    if is_small(table.cell(key, quarters)):
                        self.checks.append(self.vector(key, tuple(quarters)))

    def vector(self, key: Key, quarters: tuple[int, ...]) -> dict[int, int]:
        if (key, quarters) not in self.vectors:
            self.vectors[(key, quarters)] = _vector(self.table, key, quarters, self.index)
        return dict(self.vectors[(key, quarters)])

    def _add(self, span: _Span, publication: Shown) -> None:
        for key in self.table.keys():
            if key not in publication.hidden:
                span.add(self.vector(key, publication.quarters))

    def span_with(self, candidate: Shown) -> _Span:
        span = _Span()
        span.rows = dict(self.base.rows)  # stored rows are never changed in place
        self._add(span, candidate)
        return span

    def line_checks(self, publications: Sequence[Shown]) -> list[dict[int, int]]:
        """The hidden entries of each line of a publication taken together, when 1 to 4 people."""
        checks = []
        for publication in publications:
            for line in self.table.lines():
                # The line's own total (last) is what they sum to, not one of them.
                cells = [k for k in line[:-1] if k in publication.hidden]
                if len(cells) > 1:
                    together = Cell()
                    vector: dict[int, int] = {}
                    for key in cells:
                        vector.update(self.vector(key, publication.quarters))
                        together = together | self.table.cell(key, publication.quarters)
                    if is_small(together):
                        checks.append(vector)
        return checks

    def leak(self, candidate: Shown) -> dict[int, int] | None:
        """A sum that must not be known and is, with `candidate` published (None: none)."""
        span = self.span_with(candidate)
        checks = self.checks + self.line_checks([*self.published, candidate])
        return next((vector for vector in checks if span.holds(vector)), None)


def hidden_entries(
    table: Table, *, quarters: tuple[int, ...], published: Sequence[Shown]
) -> frozenset[Key]:
    """The entries a new publication of `quarters` must hide, given the year's publications so
    far: every entry of 1 to 4 people, then more (the smallest first) until nothing is disclosed."""
    audit = _Audit(table, published)
    hidden = {key for key in table.keys() if is_small(table.cell(key, quarters))}
    while (leak := audit.leak(Shown(quarters, frozenset(hidden)))) is not None:
        hidden.add(_to_hide(audit, quarters, hidden, leak))
    return frozenset(hidden)


def _to_hide(audit: _Audit, quarters: tuple[int, ...], hidden: set[Key], leak: dict) -> Key:
    """The shown entry whose hiding undoes the leak, or failing that the smallest one that takes
    part in it: nonzero first, then by count, then by its order in the table (rows first), so
    the choice is repeatable."""
    table = audit.table
    order = {key: n for n, key in enumerate(table.keys())}
    shown = [
        key
        for key in table.keys()
        if key not in hidden and set(audit.vector(key, quarters)) & set(leak)
    ]
    if not shown:  # the leak involves only other cells: hide the smallest shown entry of all
        shown = [key for key in table.keys() if key not in hidden]
    if not shown:
        raise RuntimeError("every entry is hidden and a count can still be worked out")

    def size(key: Key) -> int:
        return len(table.cell(key, quarters).items)

    shown.sort(key=lambda key: (size(key) == 0, size(key), order[key]))
    # A few trials only: each rebuilds the span, and the smallest usually does it.
    for key in shown[:TRIALS]:
        trial = Shown(quarters, frozenset(hidden | {key}))
        if not audit.span_with(trial).holds(leak):
            return key
    return shown[0]
