"""Complementary suppression: an attacker who subtracts published figures recovers no hidden cell."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registers import margins, suppress_complementary
from tests.disclosure import attack

THRESHOLD = 5


def test_registered_8_with_prescription_7_gives_away_neither_the_7_nor_the_1():
    # issue 13's coverage row: the 1 without a prescription was 8 - 7
    frame = pd.DataFrame(
        {"okrug_id": ["A"], "registered_patients": [8], "with_guideline_prescription": [7], "pct": [87.5]}
    )
    out = suppress_complementary(
        frame,
        ["registered_patients", "with_guideline_prescription"],
        also=["pct"],
        nested=[("with_guideline_prescription", "registered_patients")],
    )
    row = out.iloc[0]
    assert row["registered_patients"] == 8 and not row["registered_patients_suppressed"]
    assert pd.isna(row["with_guideline_prescription"]) and row["with_guideline_prescription_suppressed"]
    assert pd.isna(row["pct"])  # 87.5% of 8 is 7 again
    row_counts = out.iloc[0].tolist()
    published = {v for v in row_counts if isinstance(v, int | np.integer) and not isinstance(v, bool)}
    assert published == {8}  # neither 7 nor 8 - 7 can be read or computed


def test_with_the_city_total_beside_the_okrugs_a_second_okrug_is_hidden():
    frame = pd.DataFrame({"okrug_id": list("ABCD"), "registered_patients": [3, 40, 12, 9]})
    out = suppress_complementary(frame, "registered_patients", totals=[[]])
    # the city (64) minus the visible okrugs would give A's 3: D, the next smallest, goes too
    assert out["registered_patients_suppressed"].tolist() == [True, False, False, True]
    assert suppress_complementary(frame, "registered_patients")["registered_patients_suppressed"].sum() == 1


def test_a_small_difference_in_one_okrug_hides_a_second_part_against_the_city_totals():
    frame = pd.DataFrame({"okrug_id": list("ABC"), "registered": [8, 60, 90], "with_visit": [7, 30, 50]})
    out = suppress_complementary(
        frame, ["registered", "with_visit"], totals=[[]], nested=[("with_visit", "registered")]
    )
    # A's part goes, else A's 1 without is 8 - 7; then the city's 87 minus B's and C's parts would give A's
    # 7 back: the smallest visible part (B's 30) goes too
    assert out["with_visit_suppressed"].tolist() == [True, True, False]
    assert not out["registered_suppressed"].any()


def test_zero_follows_the_policy_for_cells_and_differences():
    frame = pd.DataFrame({"whole": [20, 20], "part": [20, 0]})
    kept = suppress_complementary(frame, ["whole", "part"], nested=[("part", "whole")], keep_zero=True)
    assert not kept["part_suppressed"].any()
    hidden = suppress_complementary(frame, ["whole", "part"], nested=[("part", "whole")])
    assert hidden["part_suppressed"].tolist() == [True, True]  # "all 20" and "none of 20" alike


def test_missing_counts_stay_missing_and_do_not_count_as_hidden():
    frame = pd.DataFrame({"whole": [30, 40], "part": [None, 10]}).astype({"part": "Int64"})
    out = suppress_complementary(frame, ["whole", "part"], totals=[[]], nested=[("part", "whole")])
    assert not out["part_suppressed"].any() and out["part"].isna().tolist() == [True, False]


def test_derived_columns_by_count_and_errors():
    frame = pl.DataFrame({"a": [2, 50], "b": [50, 50], "ra": [0.1, 0.2], "rb": [0.3, 0.4]})
    out = suppress_complementary(frame, ["a", "b"], also={"a": ["ra"], "b": ["rb"]})
    assert out["ra"].to_list() == [None, 0.2] and out["rb"].to_list() == [0.3, 0.4]
    with pytest.raises(KeyError, match="missing"):
        suppress_complementary(frame, "a", totals=[["missing"]])
    with pytest.raises(ValueError, match="not among the counts"):
        suppress_complementary(frame, "a", also={"b": ["rb"]})


def test_margins_of_a_cross_table():
    assert margins(["sex", "age_band"], within=["year"]) == [["year", "age_band"], ["year", "sex"]]
    assert margins([]) == []


# ------------------------------------------------------------------------ generated tables, attacked


@st.composite
def tables(draw):
    """An okrug x category table of a whole and a part within it (as many rows as a small register page)."""
    lines = draw(st.sampled_from([[], [[]], [["okrug"]], [["okrug"], ["category"], []]]))
    # a cross table published with both margins has two okrugs and two categories at least: with one, the
    # margin is the cells themselves (`suppress_complementary` says so)
    least = 2 if len(lines) > 1 else 1
    n_groups = draw(st.integers(least, 4))
    n_categories = draw(st.integers(least, 4))
    small = st.integers(0, 12)
    rows = []
    for g, c in itertools.product(range(n_groups), range(n_categories)):
        whole = draw(st.one_of(small, st.integers(0, 400)))
        part = draw(st.integers(0, whole))
        rows.append({"okrug": f"o{g}", "category": f"c{c}", "whole": whole, "part": part})
    keep_zero = draw(st.booleans())
    return pd.DataFrame(rows), lines, keep_zero


@settings(max_examples=400, deadline=None)
@given(tables())
def test_no_suppressed_cell_is_recoverable_by_subtraction(case):
    truth, lines, keep_zero = case
    counts, nested = ["whole", "part"], [("part", "whole")]
    out = suppress_complementary(truth, counts, totals=lines, nested=nested, keep_zero=keep_zero)

    def small(v):
        return v < THRESHOLD and not (keep_zero and v == 0)

    for c in counts:  # nothing small is shown
        assert not any(small(v) for v in out[c].dropna())
        assert (out[c].isna() == out[f"{c}_suppressed"]).all()
    known = attack(out, truth, counts, nested, lines, small)
    for c in counts:
        for i in out.index[out[f"{c}_suppressed"]]:
            assert (c, i) not in known, f"{c} of row {i} ({truth.at[i, c]}) recovered by subtraction"
    for i in truth.index:  # no small difference part/whole is known either
        rest = truth.at[i, "whole"] - truth.at[i, "part"]
        assert not (("whole-part", i) in known and small(rest)), f"difference {rest} of row {i} recovered"


@given(st.lists(st.integers(0, 30), min_size=1, max_size=12))
def test_same_answer_on_pandas_and_polars(values):
    pdf = pd.DataFrame({"n": values, "m": [v * 2 for v in values]})
    a = suppress_complementary(pdf, ["n", "m"], totals=[[]], nested=[("n", "m")])
    b = suppress_complementary(pl.from_pandas(pdf), ["n", "m"], totals=[[]], nested=[("n", "m")])
    for c in ("n_suppressed", "m_suppressed"):
        assert a[c].tolist() == b[c].to_list()
