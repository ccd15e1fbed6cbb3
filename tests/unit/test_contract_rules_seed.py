"""Every rule the contract can quarantine a row with has a readable label on the data-quality page.

The page names each check by the label of the seed dbt_project/seeds/contract_rules.csv beside the rule's
own name (the mart falls back to the name alone). The rules are found in the contract, not listed here:
the rule names of services/contract/rules.py and every table's cross-row and set rules."""

import csv
import re
from pathlib import Path

from services.contract import rules
from services.contract.tables import TABLES

SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "contract_rules.csv"
RULE_NAME = re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]*)+$")  # OHDSI DQD's style: plausibleValueLow


def _declared_rule_names() -> set[str]:
    names = {v for k, v in vars(rules).items() if k.isupper() and isinstance(v, str) and RULE_NAME.match(v)}
    names |= {r.name for t in TABLES.values() for r in (*t.cross_row_rules, *t.set_rules)}
    return names


def _seed() -> dict[str, dict]:
    with SEED.open(newline="") as f:
        return {row["rule_name"]: row for row in csv.DictReader(f)}


def test_every_rule_of_the_contract_has_a_label_and_a_description():
    declared = _declared_rule_names()
    assert {"isRequired", "isForeignKey", "plausibleAfterBirth"} <= declared  # the search finds them
    seed = _seed()
    assert not declared - set(seed), f"add these rules to {SEED.name}: {sorted(declared - set(seed))}"
    for name in declared:
        assert seed[name]["rule_label"].strip() and seed[name]["rule_description"].strip(), name


def test_the_seed_names_no_rule_the_contract_lacks():
    assert not set(_seed()) - _declared_rule_names()
