"""Avoidable admissions of a polyclinic's attached adults (AHRQ Prevention Quality Indicators) against
peers: the classic measure of outpatient quality, from the mart `mart_avoidable_admissions_yearly`.

What an epidemiologist or a page calls::

    from registers.avoidable import avoidable_admissions
    avoidable_admissions("90", 2025, facilities=[...])   # the overall composite, one polyclinic kind

One row per polyclinic: the PQI admissions of its attached adults in the year (the measure's definition and
its WHO ICD-10 codes: dbt_project/models/intermediate/hospitals/int_hospital_stays_pqi_flagged.sql), the
attached residents of the measure's ages on 1 July, the crude rate and the directly age-sex standardised
rate per 100,000 (ESP 2013 restricted to the measure's bands, Dobson limits: the project's DSR, as
`registers.prevalence` computes it; no DSR below 10 admissions, PHE's rule), and where the DSR lies on the
funnel of the polyclinics given (`registers.funnel_significance`, rate_type "dsr": PHE's method, the pooled
rate of those polyclinics as the target). Pass the peers (polyclinics of one kind) as `facilities`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from registers.funnels import funnel_significance
from registers.prevalence import SUPPRESS_BELOW, _rates, _read
from registers.suppression import suppress_complementary

__all__ = ["AVOIDABLE_MART", "PER", "avoidable_admissions"]

AVOIDABLE_MART = "mart_avoidable_admissions_yearly"
PER = 100_000
_KEYS = ["pqi_number", "year", "facility_id"]


def avoidable_admissions(
    pqi: str,
    year: int,
    *,
    facilities: Sequence[int] | None = None,
    confidence: float = 0.95,
    suppress: bool = True,
    **read_kwargs: Any,
) -> pd.DataFrame:
    """PQI admissions per 100,000 attached adults by polyclinic, crude and standardised, on the funnel.

    pqi: AHRQ's number as two characters ("01" ... "15", composites "90", "91", "92"). facilities: the
    polyclinics to compare (default all). Returns `pqi_number`, `year`, `facility_id`, `admissions`,
    `population` (attached residents of the measure's ages), `crude_rate` and `dsr` with their limits,
    `dsr_note`, `standard`, `significance` (against the pooled rate; PHE's labels) and, with `suppress`,
    `admissions_suppressed` (fewer than 5 admissions: the count and every rate of the row nulled; the
    polyclinics add up to the total of the comparison, so a second cell is hidden where one alone would be
    had back by subtraction). Raises LookupError when the mart holds nothing for the selection.
    """
    filters: dict[str, Any] = {"pqi_number": pqi, "year": year}
    if facilities is not None:
        filters["facility_id"] = list(facilities)
    df = _read(AVOIDABLE_MART, filters, **read_kwargs)
    if df.empty:
        raise LookupError(f"nothing in {AVOIDABLE_MART} for pqi={pqi!r}, year={year!r}")
    df = df.rename(columns={"attached_residents": "population"})
    out = _rates(df, "admissions", _KEYS, "esp2013", confidence, suppress=False)
    placed = funnel_significance(
        out, "admissions", "population", statistic="rate", rate="dsr", rate_type="dsr", multiplier=PER
    )
    out["significance"] = placed["significance"].to_numpy()
    if suppress:
        rates = [c for c in out.columns if c.startswith(("crude_", "dsr")) and c != "dsr_note"]
        out = suppress_complementary(
            out, "admissions", SUPPRESS_BELOW, also=[*rates, "significance"], totals=[["pqi_number", "year"]]
        )
    return out
