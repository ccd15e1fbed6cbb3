"""The city simulator: a seeded, Moscow-calibrated synthetic city written as the export contract's files.

    from services.simulator import simulate, SimulationError
    simulate(landing, scale=0.001, start=date(2025, 1, 1), days=30, seed=42)

`calibration` holds the calibrated facts and targets as data (their sources: docs/calibration.md); `city`
the static city; `workdays` Russia's production calendar; `day` and `clinical` one day's events;
`hospitals` the hospitals and the stays (drawn in blocks of days, found by each day); `engine` the run over
days (worker processes, the forward book before a city's first day); `reference` the snapshots; `output`
the Arrow and Parquet writing.
"""

from services.simulator.engine import SimulationError, parse_start, simulate

__all__ = ["SimulationError", "parse_start", "simulate"]
