"""Register definitions: the shipped ones load; a malformed one fails naming the file, the field, the rule."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from registers import (
    Register,
    RegisterDefinitionError,
    code_range_rows,
    code_set_frame,
    code_set_rows,
    load_registers,
)

REQUIRED = {
    "diabetes": ["E10-E14"],
    "hypertension": ["I10-I15"],
    "ischaemic_heart_disease": ["I20-I25"],
    "cerebrovascular_disease": ["I60-I69"],
    "copd": ["J44"],
    "asthma": ["J45"],
    "malignant_neoplasms": ["C00-C97"],
    "tuberculosis": ["A15-A19"],
    "hiv": ["B20-B24"],
    "chronic_kidney_disease": ["N18"],
    "heart_failure": ["I50"],
}

VALID = {
    "code": "obesity",
    "title_en": "Obesity",
    "title_ru": "Ожирение",
    "icd10": ["E66"],
    "entry_rule": "first_diagnosis",
    "exit_rules": ["death", "deregistration"],
    "min_age": 18,
    "atc_groups": ["A08"],
}


def write(folder: Path, name: str, data: dict | str) -> Path:
    path = folder / name
    path.write_text(
        data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    return path


# --------------------------------------------------------------------------------------------------
# The shipped definitions
# --------------------------------------------------------------------------------------------------
def test_shipped_definitions_load_with_the_required_registers(monkeypatch):
    monkeypatch.delenv("EMIAS_REGISTERS_DIR", raising=False)
    registers = {r.code: r for r in load_registers()}
    for code, ranges in REQUIRED.items():
        assert code in registers, code
        assert list(registers[code].icd10) == ranges
    for r in registers.values():
        assert r.title_en and r.title_ru and r.atc_groups and r.exit_rules


def test_shipped_definitions_match_codes_and_drug_groups():
    registers = {r.code: r for r in load_registers()}
    assert registers["diabetes"].matches("E11.9") and registers["diabetes"].matches("e119")
    assert not registers["diabetes"].matches("E15") and not registers["diabetes"].matches(None)
    assert registers["hypertension"].min_age == 18
    assert registers["heart_failure"].matches("I50.0") and not registers["heart_failure"].matches("I51")
    assert registers["diabetes"].atc_groups == ("A10",)
    assert set(registers["hypertension"].atc_groups) == {"C02", "C03", "C07", "C08", "C09"}
    assert registers["diabetes"].calibration.prevalence_per_100k == 3400


def test_code_set_rows_are_categories_and_join_in_sql():
    registers = load_registers()
    rows = code_set_rows(registers)
    diabetes = [r["icd10_category"] for r in rows if r["register_code"] == "diabetes"]
    assert diabetes == ["E10", "E11", "E12", "E13", "E14"]
    assert len({(r["register_code"], r["icd10_category"]) for r in rows}) == len(rows)
    cs = code_set_frame(registers)  # noqa: F841 - read by DuckDB below
    diagnoses = duckdb.sql("select * from (values ('E11.9'), ('I50'), ('i21.4'), ('Z00')) t(icd10_code)")  # noqa: F841
    joined = duckdb.sql(
        "select d.icd10_code, cs.register_code from diagnoses d "
        "join cs on cs.icd10_category = upper(substr(d.icd10_code, 1, 3)) order by 1"
    ).fetchall()
    assert joined == [("E11.9", "diabetes"), ("I50", "heart_failure"), ("i21.4", "ischaemic_heart_disease")]


def test_code_set_agrees_with_matches():
    for r in load_registers():
        for category in r.categories():
            assert r.matches(category)
        assert len(r.categories()) == len(set(r.categories()))


def test_code_range_rows_and_polars_frame():
    rows = code_range_rows(load_registers())
    assert {
        "register_code": "diabetes",
        "range_from": "E10",
        "range_to": "E14",
        "is_exclusion": False,
    } in rows
    frame = code_set_frame(polars=True)
    assert frame.columns == ["register_code", "icd10_category"] and frame.height == len(code_set_rows())


# --------------------------------------------------------------------------------------------------
# A register added in a temporary folder (parameter and environment variable)
# --------------------------------------------------------------------------------------------------
def test_a_new_register_is_one_yaml_file(tmp_path, monkeypatch):
    data = VALID | {"icd10": ["E66-E68"], "exclusions": ["E67"]}
    write(tmp_path, "obesity.yaml", data)
    [obesity] = load_registers(tmp_path)
    assert isinstance(obesity, Register)
    assert obesity.categories() == ["E66", "E68"]
    assert obesity.matches("E66.0") and not obesity.matches("E67.1")
    monkeypatch.setenv("EMIAS_REGISTERS_DIR", str(tmp_path))
    assert [r.code for r in load_registers()] == ["obesity"]
    assert code_set_rows() == [
        {"register_code": "obesity", "icd10_category": "E66"},
        {"register_code": "obesity", "icd10_category": "E68"},
    ]


# --------------------------------------------------------------------------------------------------
# Malformed definitions
# --------------------------------------------------------------------------------------------------
MALFORMED = [
    pytest.param({"icd10": ["E14-E10"]}, "icd10", "backwards", id="range-backwards"),
    pytest.param({"icd10": ["X9"]}, "icd10", "not an ICD-10 3-character category", id="bad-category"),
    pytest.param({"icd10": ["E10-E14-E16"]}, "icd10", "not a category", id="three-part-range"),
    pytest.param({"icd10": ["E10.1"]}, "icd10", "not an ICD-10 3-character category", id="subcategory"),
    pytest.param({"icd10": ["U99"]}, "icd10", "not a WHO ICD-10 category", id="unknown-category"),
    pytest.param({"icd10": []}, "icd10", "at least 1", id="no-codes"),
    pytest.param({"icd10": ["E10-E12", "E12-E14"]}, "icd10", "overlap", id="overlapping-ranges"),
    pytest.param({"colour": "red"}, "colour", "unknown field", id="unknown-field"),
    pytest.param({"exclusions": ["E70"]}, "exclusions", "outside the included", id="exclusion-outside"),
    pytest.param(
        {"icd10": ["E10-E14"], "exclusions": ["E13-E15"]},
        "exclusions",
        "outside the included",
        id="exclusion-spills",
    ),
    pytest.param(
        {"icd10": ["E10-E14"], "exclusions": ["E11-E12", "E12"]},
        "exclusions",
        "overlap",
        id="overlapping-exclusions",
    ),
    pytest.param(
        {"exclusions": ["E66"]}, "exclusions", "remove every included code", id="excludes-everything"
    ),
    pytest.param({"entry_rule": "first_visit"}, "entry_rule", "first_diagnosis", id="bad-entry-rule"),
    pytest.param(
        {"exit_rules": ["death", "emigration"]}, "exit_rules.1", "deregistration", id="bad-exit-rule"
    ),
    pytest.param({"exit_rules": []}, "exit_rules", "at least 1", id="no-exit-rule"),
    pytest.param({"exit_rules": ["death", "death"]}, "exit_rules", "twice", id="repeated-exit-rule"),
    pytest.param({"min_age": 65, "max_age": 18}, "max_age", "below min_age", id="ages-reversed"),
    pytest.param({"min_age": -1}, "min_age", "greater than or equal to 0", id="negative-age"),
    pytest.param({"atc_groups": ["a10"]}, "atc_groups", "not an ATC code", id="bad-atc"),
    pytest.param({"code": "Obesity!"}, "code", "lower-case", id="bad-code"),
    pytest.param({"title_ru": ""}, "title_ru", "at least 1", id="empty-title"),
    pytest.param(
        {"calibration": {"prevalence_per_100k": 5}}, "calibration.source", "required", id="calibration-source"
    ),
    pytest.param(
        {"calibration": {"source": "x", "per": 1}}, "calibration.per", "unknown field", id="calibration-extra"
    ),
]


@pytest.mark.parametrize(("change", "field", "rule"), MALFORMED)
def test_malformed_definition_names_file_field_and_rule(tmp_path, change, field, rule):
    write(tmp_path, "broken.yaml", VALID | change)
    with pytest.raises(RegisterDefinitionError) as info:
        load_registers(tmp_path)
    message = str(info.value)
    assert "broken.yaml" in message
    assert f"field '{field}'" in message
    assert rule in message
    assert info.value.field == field


def test_missing_field_is_named(tmp_path):
    data = dict(VALID)
    del data["entry_rule"]
    write(tmp_path, "broken.yaml", data)
    with pytest.raises(RegisterDefinitionError, match=r"broken\.yaml: field 'entry_rule': Field required"):
        load_registers(tmp_path)


def test_duplicate_code_is_refused(tmp_path):
    write(tmp_path, "a.yaml", VALID)
    write(tmp_path, "b.yaml", VALID)
    with pytest.raises(
        RegisterDefinitionError, match=r"b\.yaml: field 'code': duplicate code 'obesity'.*a\.yaml"
    ):
        load_registers(tmp_path)


@pytest.mark.parametrize(
    "text", ["code: [unclosed", "- just\n- a list\n", ""], ids=["bad-yaml", "list", "empty"]
)
def test_file_that_is_not_a_mapping_is_refused(tmp_path, text):
    write(tmp_path, "broken.yml", text)
    with pytest.raises(RegisterDefinitionError, match=r"broken\.yml: field '-'"):
        load_registers(tmp_path)


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(RegisterDefinitionError, match="does not exist"):
        load_registers(tmp_path / "nowhere")
