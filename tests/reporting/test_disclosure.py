"""The disclosure control against an attacker who solves every publication of a year at once:
for any counts and any order of publishing the quarters and the year, no count of 1 to 4 can be
worked out (Hypothesis draws the tables; no database needed)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.disclosure import QUARTERS, Cell, Shown, Table, hidden_entries
from reporting.statistics import table_values
from tests.reporting.attacker import small_counts_found

ROWS, COLUMNS = ["interview", "phone", "website"], ["accepted", "rejected"]
PERIODS = [(q,) for q in QUARTERS] + [QUARTERS]


def _table(counts: list[int]) -> Table:
    """One person per case; `counts` fills quarter by quarter, row by row, column by column."""
    ids = itertools.count()
    quarters: dict = {}
    keys = [(q, r, c) for q in QUARTERS for r in ROWS for c in COLUMNS]
    for (quarter, row, column), count in zip(keys, counts, strict=True):
        if count:
            items = frozenset(next(ids) for _ in range(count))
            quarters.setdefault(quarter, {})[(row, column)] = Cell(items, items)
    return Table(rows=ROWS, columns=COLUMNS, quarters=quarters)


def _content(table: Table, quarters: tuple[int, ...], hidden) -> dict:
    quarter = None if len(quarters) == 4 else quarters[0]
    return {
        "period": {"year": 2025, "quarter": quarter},
        "tables": {"outcomes": table_values(table, quarters, hidden)},
    }


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(
        st.sampled_from([0, 0, 1, 2, 4, 5, 6, 9]),
        min_size=4 * len(ROWS) * len(COLUMNS),
        max_size=4 * len(ROWS) * len(COLUMNS),
    ),
    order=st.permutations(PERIODS).flatmap(lambda p: st.integers(1, 5).map(lambda n: p[:n])),
)
def test_no_order_of_publications_gives_a_small_count_away(counts, order):
    table = _table(counts)
    published: list[Shown] = []
    contents = []
    for quarters in order:
        hidden = hidden_entries(table, quarters=quarters, published=published)
        published.append(Shown(quarters, hidden))
        contents.append(_content(table, quarters, hidden))
        assert small_counts_found(contents) == {}, (quarters, contents)


def test_a_year_after_its_quarter_hides_the_one_person_who_came_later():
    # Six by the website in the year: five in the first quarter, one in the second.
    counts = [0] * (4 * len(ROWS) * len(COLUMNS))
    counts[ROWS.index("website") * 2] = 5  # Q1, website, accepted
    counts[6 + ROWS.index("website") * 2] = 1  # Q2, website, accepted
    counts[ROWS.index("phone") * 2] = 7
    table = _table(counts)
    first = hidden_entries(table, quarters=(1,), published=[])
    assert first == frozenset()  # nothing small in the first quarter alone
    year = hidden_entries(table, quarters=QUARTERS, published=[Shown((1,), first)])
    assert ("website", "accepted") in year
