"""registers.avoidable on a hand-made mart: the DSR of each polyclinic's PQI admissions over its attached
adults (ESP 2013 restricted to the bands present), its place on the funnel of its peers, and suppression."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from registers import DSR_NOT_APPLICABLE, ESP2013, SIGNIFICANCE_LABELS
from registers.avoidable import avoidable_admissions

# facility -> (admissions, attached residents) in the bands 40-44 and 45-49, both sexes summed per band
CELLS = {1: [(30, 10_000), (50, 10_000)], 2: [(1, 9_000), (3, 9_000)], 3: [(90, 12_000), (120, 12_000)]}
BANDS = ["40-44", "45-49"]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.mart_avoidable_admissions_yearly (facility_id integer, year integer,"
        " pqi_number varchar, sex varchar, age_band varchar, admissions bigint, patients bigint,"
        " attached_residents bigint)"
    )
    for facility, cells in CELLS.items():
        for band, (admissions, residents) in zip(BANDS, cells, strict=True):
            con.execute(
                "insert into marts.mart_avoidable_admissions_yearly values (?, 2025, '05', 'F', ?, ?, ?, ?)",
                [facility, band, admissions, admissions, residents],
            )
    con.execute(
        "insert into marts.mart_avoidable_admissions_yearly values (1, 2025, '01', 'F', '40-44', 9, 9, 5)"
    )
    yield con
    con.close()


def _expected_dsr(cells) -> float:
    weights = dict(zip(ESP2013.bands, ESP2013.weights, strict=True))
    w = np.array([weights[b] for b in BANDS], float)
    rates = np.array([a / n for a, n in cells])
    return float((w * rates).sum() / w.sum() * 100_000)


def test_the_dsr_is_the_esp_weighted_rate_of_the_bands_present(con):
    out = avoidable_admissions("05", 2025, suppress=False, con=con).set_index("facility_id")
    for facility in (1, 3):
        assert out.at[facility, "dsr"] == pytest.approx(_expected_dsr(CELLS[facility]))
        assert out.at[facility, "crude_rate"] == pytest.approx(
            sum(a for a, _ in CELLS[facility]) / sum(n for _, n in CELLS[facility]) * 100_000
        )
    assert np.isnan(out.at[2, "dsr"])  # 4 admissions: no DSR below 10 (PHE)
    assert out.at[2, "significance"] == DSR_NOT_APPLICABLE
    # facility 3's rate (875 per 100,000) is far above the pooled rate of the three
    assert out.at[3, "significance"].startswith("High")
    assert set(out["significance"]) <= {*SIGNIFICANCE_LABELS, DSR_NOT_APPLICABLE}


def test_a_small_count_is_suppressed_with_its_rates_and_a_second_cell(con):
    out = avoidable_admissions("05", 2025, con=con).set_index("facility_id")
    assert out.at[2, "admissions_suppressed"]
    assert pd.isna(out.at[2, "crude_rate"]) and pd.isna(out.at[2, "significance"])
    # the polyclinics add up to a published total: one hidden cell alone would be had back
    assert out["admissions_suppressed"].sum() >= 2


def test_the_peers_given_are_the_only_rows_and_an_empty_selection_says_so(con):
    out = avoidable_admissions("05", 2025, facilities=[1, 3], suppress=False, con=con)
    assert sorted(out["facility_id"]) == [1, 3]
    with pytest.raises(LookupError, match="pqi='14'"):
        avoidable_admissions("14", 2025, con=con)
