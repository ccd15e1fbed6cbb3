"""No suppressed cell of a published table can be had back by subtraction (issue 13, acceptance 3).

The tables are the ones the pages publish: every reader of `dashboards.data` runs on the small city's
warehouse for periods, okrugs, facilities, specialties and registers that hypothesis draws, and each table
a reader hands to `registers.suppress_complementary` (through `publish`, the one place) is recorded with
what it was before suppression and the totals published beside it. The attacker (tests/disclosure.py)
then subtracts: published cells from their line totals and parts from their wholes, chained, and must find
none of the hidden cells.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.disclosure import attack


@pytest.fixture(scope="module")
def published(built_city):
    """`record(reader, *args)` runs a reader (its cache bypassed, so every draw is computed) and returns the
    tables it published: (truth, out, counts, threshold, totals, nested, keep_zero) each."""
    import dashboards.data as data
    import registers

    calls = []

    def spy(frame, counts, threshold=5, *, also=(), totals=(), nested=(), keep_zero=False):
        out = registers.suppress_complementary(
            frame, counts, threshold, also=also, totals=totals, nested=nested, keep_zero=keep_zero
        )
        cols = [counts] if isinstance(counts, str) else list(counts)
        calls.append((frame, out, cols, threshold, [list(t) for t in totals], list(nested), keep_zero))
        return out

    def record(reader, *args):
        calls.clear()
        getattr(data, reader).__wrapped__(*args)
        return list(calls)

    from warehouse import connect

    con = connect(read_only=True)  # the app's connection is a Streamlit session's resource
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data, "_con", lambda: con)
        mp.setattr(data, "suppress_complementary", spy)
        yield _city(data, record)
    con.close()


def _city(data, record) -> dict:
    """The reader runner and what a page can choose from in the small city."""
    first, last = data.data_span.__wrapped__()
    facilities = data.facilities.__wrapped__()
    return {
        "record": record,
        "span": (first, last),
        "facilities": facilities["facility_id"].to_list(),
        "kinds": sorted(set(facilities["facility_kind"].to_list())),
        "okrugs": data.okrugs.__wrapped__()["okrug_id"].to_list(),
        "specialties": data.specialties.__wrapped__()["specialty_id"].to_list(),
        "registers": [key for key, _ in data.register_choices.__wrapped__()],
        "years": data.register_years.__wrapped__(),
    }


def _recovered(truth, out, counts, threshold, totals, nested, keep_zero) -> list[str]:
    """The hidden cells of one published table the attacker recovers (as readable strings)."""
    truth = truth.to_pandas() if isinstance(truth, pl.DataFrame) else truth.copy()
    out = out.to_pandas() if isinstance(out, pl.DataFrame) else out.copy()
    truth, out = truth.reset_index(drop=True), out.reset_index(drop=True)
    counts = list(dict.fromkeys([*counts, *(c for pair in nested for c in pair)]))
    for c in counts:  # a missing count is no figure at all: known to add nothing to a total
        missing = truth[c].isna()
        truth[c] = truth[c].fillna(0)
        out.loc[missing, c] = 0

    def small(v):
        return v < threshold and not (keep_zero and v == 0)

    known = attack(out, truth, counts, nested, totals, small)
    return [
        f"{c} of row {i} ({truth.at[i, c]})"
        for c in counts
        for i in out.index[out[f"{c}_suppressed"].fillna(False).astype(bool)]
        if (c, i) in known
    ]


READERS = {
    # reader -> the arguments it takes, by kind
    "city_weekly": ("start", "end", "okrug"),
    "city_by_okrug": ("start", "end"),
    "facility_load": ("start", "end"),
    "facility_funnels": ("start", "end", "kind", "facility"),
    "facility_peer_table": ("start", "end", "kind", "facility"),
    "facility_specialties": ("start", "end", "facility_id"),
    "facility_doctors": ("start", "end", "facility_id", "specialty"),
    "access_by_specialty": ("start", "end", "okrug", "facility", "specialty"),
    "capacity_by_facility": ("start", "end", "okrug", "facility", "specialty"),
    "capacity_by_okrug": ("start", "end", "okrug", "specialty"),
    "doctor_load": ("start", "end", "okrug", "facility", "specialty"),
    "costs_by_facility": ("start", "end", "okrug", "facility"),
    "costs_by_okrug": ("start", "end", "okrug"),
    "prescribing_by_group": ("start", "end", "okrug"),
    "register_rates": ("register", "year", "measure", "by"),
    "register_coverage": ("register", "year"),
    "hospital_occupancy": ("start", "end", "by_month"),
    "hospital_length_of_stay": ("start", "end"),
    "hospital_readmissions": ("start", "end"),
    "avoidable_admissions": ("span_year", "pqi", "kind"),
    # the hospitals page and the facility comparison's avoidable admissions
    "occupancy_grid": ("start", "end", "occupancy_rows"),
    "length_of_stay_by_profile": ("start", "end"),
    "length_of_stay_bands": ("start", "end"),
    "readmissions_by_hospital": ("start", "end"),
    "readmissions_by_hospital_profile": ("start", "end"),
    "planned_care_by_polyclinic": ("start", "end"),
    "avoidable_funnel": ("span_year", "pqi", "kind", "facility", "peers_named"),
    "avoidable_table": ("span_year", "pqi", "kind", "facility", "peers_named"),
}
PQI_CHOICES = ["01", "03", "05", "07", "08", "11", "12", "14", "15", "90", "91", "92"]


@st.composite
def reader_calls(draw, city):
    """A reader and the arguments a page could call it with."""
    reader = draw(st.sampled_from(sorted(READERS)))
    first, last = city["span"]
    start = draw(st.dates(first, last))
    end = draw(st.dates(start, min(last, start + dt.timedelta(days=60))))
    maybe = st.none().map(lambda _: None)
    values = {
        "start": start,
        "end": end,
        "okrug": draw(maybe | st.sampled_from(city["okrugs"])),
        "facility": draw(maybe | st.sampled_from(city["facilities"])),
        "facility_id": draw(st.sampled_from(city["facilities"])),
        "specialty": draw(maybe | st.sampled_from(city["specialties"])),
        "kind": draw(st.sampled_from(city["kinds"])),
        "register": draw(st.sampled_from(city["registers"])),
        "year": draw(st.sampled_from(city["years"])),
        "measure": draw(st.sampled_from(["prevalence", "incidence"])),
        "by": draw(st.sampled_from([("okrug",), ("sex", "age_band"), ("sex",), ()])),
        "by_month": draw(st.booleans()),
        "span_year": draw(st.sampled_from(sorted({first.year, last.year}))),
        "pqi": draw(st.sampled_from(PQI_CHOICES)),
        "peers_named": draw(st.booleans()),
        "occupancy_rows": draw(
            st.sampled_from([("bed_profile",), ("hospital_id",), ("hospital_id", "bed_profile")])
        ),
    }
    return reader, [values[kind] for kind in READERS[reader]]


def test_the_city_publishes_tables_with_suppressed_cells(published):
    """The attack below is not idle: the small city's published tables do hide cells."""
    first, last = published["span"]
    hidden = 0
    for reader in ("city_by_okrug", "doctor_load", "facility_peer_table"):
        kind = published["kinds"][0]
        args = {"facility_peer_table": (first, last, kind, None)}.get(reader, (first, last))
        if reader == "doctor_load":
            args = (first, last, None, None, None)
        for _truth, out, counts, *_ in published["record"](reader, *args):
            frame = out.to_pandas() if isinstance(out, pl.DataFrame) else out
            hidden += int(sum(frame[f"{c}_suppressed"].fillna(False).sum() for c in counts))
    assert hidden > 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_suppressed_cell_of_a_published_table_is_recoverable(published, data):
    reader, args = data.draw(reader_calls(published))
    import dashboards.data as dashboards_data

    try:
        calls = published["record"](reader, *args)
    except (dashboards_data.NoData, LookupError):
        return  # nothing published for these arguments (a register year with no data, say)
    for truth, out, counts, threshold, totals, nested, keep_zero in calls:
        recovered = _recovered(truth, out, counts, threshold, totals, nested, keep_zero)
        assert not recovered, f"{reader}{tuple(args)}: {recovered[:5]} recovered by subtraction"
