"""Adding a register is one YAML file: written into a folder of definitions, it flows to the marts."""

from __future__ import annotations

import shutil

import dagster as dg
from register_steps import REGISTER_MODELS, run_dbt

from pipelines.assets.registers import register_definitions
from pipelines.resources import WarehouseResource
from registers import available_registers, load_registers, prevalence
from registers.definitions import default_folder

DYSLIPIDAEMIA = """\
code: dyslipidaemia
title_en: "Disorders of lipoprotein metabolism"
title_ru: "Нарушения обмена липопротеинов"
icd10: ["E78"]
entry_rule: first_diagnosis
exit_rules: [death, deregistration]
min_age: 18
atc_groups: ["C10"]
"""


def test_a_new_yaml_register_reaches_the_marts(built_city, tmp_path, monkeypatch):
    folder = tmp_path / "definitions"
    shutil.copytree(default_folder(), folder)
    (folder / "dyslipidaemia.yaml").write_text(DYSLIPIDAEMIA, encoding="utf-8")
    warehouse = tmp_path / "warehouse.duckdb"  # a copy: the session's warehouse stays as built
    shutil.copy(built_city["data_dir"] / "warehouse.duckdb", warehouse)
    monkeypatch.setenv("EMIAS_REGISTERS_DIR", str(folder))
    monkeypatch.setenv("EMIAS_DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    assert "dyslipidaemia" in [r.code for r in load_registers()]

    result = dg.materialize(
        [register_definitions], resources={"warehouse": WarehouseResource(target="duckdb")}
    )
    assert result.success
    run_dbt(
        ["build", "--select", REGISTER_MODELS, "--indirect-selection", "cautious"],
        {"EMIAS_DUCKDB_PATH": str(warehouse)},
    )

    assert "dyslipidaemia" in available_registers()["register_code"].to_list()
    row = prevalence("dyslipidaemia", by=None, suppress=False).iloc[0]
    assert row["registered_patients"] > 0  # E78 is a common secondary diagnosis in the simulated city
    assert 0 < row["crude_rate"] < 100_000
