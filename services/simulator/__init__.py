"""The city simulator: a seeded, Moscow-calibrated synthetic city written as the export contract's files.

    from services.simulator import simulate, SimulationError
    simulate(landing, scale=0.001, start=date(2025, 1, 1), days=30, seed=42)

`calibration` holds the calibrated facts and targets as data; `city` the static city; `day` and `clinical`
one day's events; `engine` the run over days; `reference` the snapshots; `output` the Parquet writing.
"""

from services.simulator.engine import SimulationError, parse_start, simulate

__all__ = ["SimulationError", "parse_start", "simulate"]
