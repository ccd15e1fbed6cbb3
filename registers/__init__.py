"""Disease registers and epidemiology methods of the platform.

A notebook needs only this import::

    from registers import load_registers, crude_rate, dsr, isr, proportion, funnel_limits, suppress_small

- register definitions: `load_registers`, `Register`, `code_set_frame`, `code_set_rows`, `code_range_rows`,
  `RegisterDefinitionError` (registers/definitions/<code>.yaml, one file per register);
- rates with limits on frames (pandas or polars): `crude_rate`, `proportion`, `dsr`, `isr`, and
  `rate_summary` (crude rate and DSR per group), built on the array functions `byars`, `exact_poisson`,
  `poisson_limits`, `wilson`; the standard population `ESP2013`;
- comparing units (funnel plots, as PHE publishes them): `funnel_limits`, `funnel_significance`
  (also `phe_funnel_significance`), `phe_funnels` (PHE's table of limit lines), `phe_funnel_points`;
- publishing: `suppress_complementary` (small cells and the cells that would give them away), `margins`,
  `suppress_small`;
- from the warehouse: `prevalence`, `incidence`, `coverage`, `available_registers` (registers/prevalence.py,
  reading the register marts), and `load_register_tables` (registers/warehouse.py, what the Dagster asset
  runs to put the definitions into raw.register_*).
"""

from registers.definitions import (
    Register,
    RegisterDefinitionError,
    code_range_rows,
    code_set_frame,
    code_set_rows,
    load_registers,
)
from registers.funnels import (
    DSR_NOT_APPLICABLE,
    SIGNIFICANCE_LABELS,
    funnel_limits,
    funnel_significance,
    phe_funnel_points,
    phe_funnel_significance,
    phe_funnels,
)
from registers.methods import (
    ESP2013,
    StandardPopulation,
    byars,
    byars_lower,
    byars_upper,
    crude_rate,
    dsr,
    exact_poisson,
    isr,
    poisson_limits,
    proportion,
    rate_summary,
    wilson,
    wilson_lower,
    wilson_upper,
)
from registers.prevalence import available_registers, coverage, coverage_disclosure, incidence, prevalence
from registers.suppression import margins, suppress_complementary, suppress_small
from registers.warehouse import load_register_tables, register_table_rows

__all__ = [
    "DSR_NOT_APPLICABLE",
    "ESP2013",
    "Register",
    "RegisterDefinitionError",
    "SIGNIFICANCE_LABELS",
    "StandardPopulation",
    "available_registers",
    "byars",
    "byars_lower",
    "byars_upper",
    "code_range_rows",
    "code_set_frame",
    "code_set_rows",
    "coverage",
    "coverage_disclosure",
    "crude_rate",
    "dsr",
    "exact_poisson",
    "funnel_limits",
    "funnel_significance",
    "incidence",
    "isr",
    "load_register_tables",
    "load_registers",
    "phe_funnel_points",
    "phe_funnel_significance",
    "phe_funnels",
    "poisson_limits",
    "prevalence",
    "proportion",
    "rate_summary",
    "register_table_rows",
    "margins",
    "suppress_complementary",
    "suppress_small",
    "wilson",
    "wilson_lower",
    "wilson_upper",
]
