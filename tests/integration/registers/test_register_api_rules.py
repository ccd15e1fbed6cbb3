"""The rules of the register API that need no warehouse: the population at risk and small numbers."""

from __future__ import annotations

import pandas as pd

from registers.prevalence import _age_share, _rates

KEYS = ["register_code", "year", "okrug_id"]


def test_the_age_range_keeps_whole_bands_and_the_in_range_share_of_a_cut_band():
    bands = pd.Series(["10-14", "15-19", "20-24", "85-89", "90+"])
    assert list(_age_share(bands, 18, None)) == [0.0, 0.4, 1.0, 1.0, 1.0]
    assert list(_age_share(bands, None, None)) == [1.0] * 5
    assert list(_age_share(bands, 40, 64)) == [0.0] * 5
    assert _age_share(pd.Series(["60-64"]), 40, 62)[0] == 0.6


def _frame(counts, populations, bands=("80-84", "85-89", "90+")):
    return pd.DataFrame(
        {"register_code": "x", "year": 2025, "okrug_id": "A", "age_band": list(bands),
         "registered_patients": counts, "population": populations}
    )  # fmt: skip


def test_small_counts_are_suppressed_visibly_and_a_dsr_needs_ten_events():
    out = _rates(_frame([1, 1, 1], [100.0, 50.0, 20.0]), "registered_patients", KEYS, "esp2013", 0.95, True)
    row = out.iloc[0]
    assert bool(row["registered_patients_suppressed"])
    assert pd.isna(row["registered_patients"]) and pd.isna(row["crude_rate"]) and pd.isna(row["dsr"])
    assert row["dsr_note"] == "not reported: fewer than 10 events"
    shown = _rates(_frame([3, 3, 2], [100.0, 50.0, 20.0]), "registered_patients", KEYS, "esp2013", 0.95, True)
    assert shown.iloc[0]["registered_patients"] == 8 and pd.notna(shown.iloc[0]["crude_rate"])
    assert pd.isna(shown.iloc[0]["dsr"])  # 8 events: the crude rate is published, the DSR is not


def test_a_dsr_is_given_from_ten_events_and_refused_where_patients_have_no_band_population():
    out = _rates(_frame([20, 10, 5], [100.0, 50.0, 20.0]), "registered_patients", KEYS, "esp2013", 0.95, True)
    assert out.iloc[0]["dsr"] > 0 and pd.isna(out.iloc[0]["dsr_note"])
    orphan = _rates(
        _frame([20, 10, 1], [100.0, 50.0, 0.0]), "registered_patients", KEYS, "esp2013", 0.95, True
    )
    assert pd.isna(orphan.iloc[0]["dsr"])
    assert orphan.iloc[0]["dsr_note"].startswith("not computed")
    assert orphan.iloc[0]["crude_rate"] == 31 / 150 * 100_000
