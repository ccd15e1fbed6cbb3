"""The epidemiology methods reproduce PHEindicatormethods' published expected values to a relative 1e-6.

Fixtures: tests/fixtures/phe/ (UKHSA PHEindicatormethods, tests/testthat, GPL-3, exported unchanged; see the
README there). One test per checked row, so a failure names the row.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from registers import ESP2013, byars_lower, byars_upper, crude_rate, dsr, isr, proportion, wilson

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "phe"
REL = 1e-6
LIMITS = {0.95: ("lower95_0cl", "upper95_0cl"), 0.998: ("lower99_8cl", "upper99_8cl")}


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / name)


def assert_close(actual: float, expected: float, what: str) -> None:
    if pd.isna(expected):
        assert pd.isna(actual), f"{what}: expected missing, got {actual}"
        return
    assert math.isclose(float(actual), float(expected), rel_tol=REL), f"{what}: {actual} != {expected}"


def rows(frame: pd.DataFrame) -> list:
    return [pytest.param(row, id=f"{i}-{row.iloc[0]}") for i, row in frame.iterrows()]


# --------------------------------------------------------------------------------------------------
# DSR (Dobson) on ESP 2013 and on a given standard (ESP 1976)
# --------------------------------------------------------------------------------------------------
DSR_EXPECTED = read("dsr_expected.csv")
DSR_CHECKED = DSR_EXPECTED[~DSR_EXPECTED["area"].str.startswith("testdata_nonind")]  # need per-person data


def test_esp2013_weights_are_the_published_ones():
    assert len(ESP2013) == 19 and sum(ESP2013.weights) == 100_000
    assert ESP2013.bands[0] == "0-4" and ESP2013.bands[-2] == "85-89" and ESP2013.bands[-1] == "90+"


@pytest.mark.parametrize("row", rows(DSR_CHECKED))
def test_dsr_reproduces_published_row(row):
    multiplier = 10_000 if row["statistic"] == "dsr per 10000" else 100_000
    if row["area"] == "testdata_1976":
        # 18 bands of ESP 1976; the '85+' label and the '55-69' typing slip: bands match by position.
        inputs = read("dsr_inputs_esp1976.csv")
        result = dsr(inputs, "count", "pop", standard="esp1976", multiplier=multiplier).iloc[0]
        levels = [0.95]  # the sheet's 99.8% limits for this row are scaled wrongly (README)
    else:
        inputs = read("dsr_inputs_multiarea.csv")
        inputs = inputs[inputs["area"] == row["area"]]
        result = dsr(inputs, "count", "pop", by="area", multiplier=multiplier).iloc[0]
        levels = [0.95, 0.998]
    assert result["total_count"] == row["total_count"] and result["total_pop"] == row["total_pop"]
    assert_close(result["value"], row["value"], "value")
    for c in levels:
        for col in LIMITS[c]:
            assert_close(result[col], row[col], col)
    if pd.isna(row["value"]):
        assert result["statistic"] == "dsr NA for total count < 10"


def test_dsr_all_areas_at_once_and_on_polars():
    inputs = read("dsr_inputs_multiarea.csv")
    expected = DSR_EXPECTED.iloc[[4, 5, 6]]  # big, small, tiny per 100,000
    for frame in (inputs, pl.from_pandas(inputs)):
        result = dsr(frame, "count", "pop", by="area")
        result = result.to_pandas() if isinstance(result, pl.DataFrame) else result
        assert list(result["area"]) == ["testdata_big", "testdata_small", "testdata_tiny"]
        for (_, got), (_, want) in zip(result.iterrows(), expected.iterrows(), strict=True):
            for col in ("value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"):
                assert_close(got[col], want[col], f"{want['area']} {col}")


def test_dsr_band_order_by_label_gives_the_same_answer():
    inputs = read("dsr_inputs_multiarea.csv")
    inputs = inputs[inputs["area"] == "testdata_big"].copy()
    inputs["band"] = list(ESP2013.bands)  # the fixture's labels carry a typing slip; use the standard's
    shuffled = inputs.sample(frac=1, random_state=1)
    by_label = dsr(shuffled, "count", "pop", by="area", age_band="band").iloc[0]
    assert_close(by_label["value"], 10430.247991469423, "value")
    assert_close(by_label["upper99_8cl"], 11620.595999522058, "upper99_8cl")


# --------------------------------------------------------------------------------------------------
# ISR: rates and ratios, Byar's / exact
# --------------------------------------------------------------------------------------------------
ISR_EXPECTED = read("isr_expected.csv")
ISR_INPUTS = read("isr_inputs_multiarea.csv")
# The reference is the same for every area: PHE's refdata sheet, i.e. the ref columns of testdata_big.
REF = ISR_INPUTS[ISR_INPUTS["area"] == "testdata_big"]


def isr_inputs_for(area: str) -> pd.DataFrame:
    if area == "Area1":
        # PHE's "zero population" test (input not exported): testdata_big with no population aged 5-9.
        frame = ISR_INPUTS[ISR_INPUTS["area"] == "testdata_big"].copy()
        frame.loc[frame["ageband"] == "5-9", "pop"] = 0
        return frame.assign(area="Area1")
    if area == "Area2":
        return ISR_INPUTS[ISR_INPUTS["area"] == "testdata_small"].assign(area="Area2")
    return ISR_INPUTS[ISR_INPUTS["area"] == area]


@pytest.mark.parametrize("row", rows(ISR_EXPECTED))
def test_isr_reproduces_published_row(row):
    kind, scale = row["statistic"].removeprefix("indirectly standardised ").split(" ", 1)
    multiplier = float(scale.split(" ")[-1])
    result = isr(
        isr_inputs_for(row["area"]),
        "count",
        "pop",
        ref_count=REF["refcount"].tolist(),
        ref_population=REF["refpop"].tolist(),
        by="area",
        statistic=kind,
        multiplier=multiplier,
    ).iloc[0]
    assert_close(result["observed"], row["observed"], "observed")
    assert_close(result["expected"], row["expected"], "expected")
    if kind == "rate":
        assert_close(result["ref_rate"], row["ref_rate"], "ref_rate")
    assert_close(result["value"], row["value"], "value")
    for c in (0.95, 0.998):
        for col in LIMITS[c]:
            if not pd.isna(row[col]):  # Area1/Area2 carry 95% limits only
                assert_close(result[col], row[col], col)
    assert result["method"] == row["method"]


def test_isr_reference_from_columns_matches_reference_from_vectors():
    big = ISR_INPUTS[ISR_INPUTS["area"].isin(["testdata_big", "testdata_small"])]
    from_cols = isr(big, "count", "pop", ref_count="refcount", ref_population="refpop", by="area")
    from_vecs = isr(big, "count", "pop", ref_count=REF["refcount"], ref_population=REF["refpop"], by="area")
    np.testing.assert_allclose(from_cols["value"], from_vecs["value"], rtol=REL)
    np.testing.assert_allclose(from_cols["upper99_8cl"], from_vecs["upper99_8cl"], rtol=REL)


# --------------------------------------------------------------------------------------------------
# Crude rates
# --------------------------------------------------------------------------------------------------
RATE_EXPECTED = read("rate_expected.csv")


@pytest.mark.parametrize("row", rows(RATE_EXPECTED))
def test_crude_rate_reproduces_published_row(row):
    one = pd.DataFrame({"x": [row["Numerator"]], "n": [row["Denominator"]]}, dtype=float)
    result = crude_rate(one, "x", "n", multiplier=row["multiplier"]).iloc[0]
    for col in ("value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"):
        assert_close(result[col], row[col], col)
    if not pd.isna(row["Numerator"]):
        assert result["method"] == row["method"]


def test_crude_rate_whole_table_on_polars():
    frame = pl.from_pandas(RATE_EXPECTED[RATE_EXPECTED["multiplier"] == 100_000])
    result = crude_rate(frame, "Numerator", "Denominator", multiplier=100_000)
    assert isinstance(result, pl.DataFrame)
    got = result.select("upper99_8cl").to_series().to_numpy()
    want = frame.select("upper99_8cl").to_series().to_numpy()
    np.testing.assert_allclose(got, want, rtol=REL, equal_nan=True)


# --------------------------------------------------------------------------------------------------
# Byar's limits of a count; Wilson limits of a proportion
# --------------------------------------------------------------------------------------------------
BW = read("byars_wilson_expected.csv")


@pytest.mark.parametrize("row", rows(BW))
def test_byars_and_wilson_reproduce_published_row(row):
    confidence = float(row["confidence"].rstrip("%")) / 100
    if row["method"] == "Byars":
        lower, upper = byars_lower(row["x"], confidence), byars_upper(row["x"], confidence)
    else:
        lower, upper = wilson(row["x"], row["n"], confidence)
    assert_close(lower, row["lowercl"], "lowercl")
    assert_close(upper, row["uppercl"], "uppercl")


def test_confidence_may_be_a_percentage():
    assert byars_upper(65, 99.8) == byars_upper(65, 0.998)


PROP_EXPECTED = read("proportion_wilson_expected.csv")


@pytest.mark.parametrize("row", rows(PROP_EXPECTED))
def test_proportion_reproduces_published_row(row):
    one = pd.DataFrame({"x": [row["Numerator"]], "n": [row["Denominator"]]}, dtype=float)
    result = proportion(one, "x", "n", multiplier=row["multiplier"]).iloc[0]
    for col in ("value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"):
        assert_close(result[col], row[col], col)
