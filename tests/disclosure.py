"""The attacker of published tables: what subtraction recovers from a table whose small cells were suppressed.

Used by the property tests of complementary suppression (tests/unit/registers/test_disclosure_control.py on
generated tables, tests/integration/test_published_disclosure.py on the tables the pages publish)."""

from __future__ import annotations

import pandas as pd


def attack(out: pd.DataFrame, truth: pd.DataFrame, counts, nested, lines, small) -> dict:
    """Everything subtraction gives: published cells, then repeatedly the one unknown cell of a line whose
    total is published (all `lines`' totals of every count and of every nested difference, unless the totals'
    own table suppresses it: small, or a part whose difference is small) and the one unknown of
    part + difference = whole in a row. A line of a single hidden cell publishes no total (the documented
    limit of `registers.suppress_complementary`). Returns {(column, row): value} of what is known."""
    known = {(c, i): int(v) for c in counts for i, v in out[c].items() if not pd.isna(v)}
    terms = list(counts) + [f"{w}-{p}" for p, w in nested]
    value = {(c, i): int(truth.at[i, c]) for c in counts for i in truth.index}
    for p, w in nested:
        for i in truth.index:
            value[(f"{w}-{p}", i)] = value[(w, i)] - value[(p, i)]
    equations = []  # (cells that add up, their published total)
    for keys in lines:
        ids = truth.groupby(keys).ngroup() if keys else pd.Series(0, index=truth.index)
        for group in ids.unique():
            rows = ids.index[ids == group]
            total = {t: sum(value[(t, i)] for i in rows) for t in terms}
            # a line of one cell, hidden, is its own total: registers.suppress_complementary's documented
            # limit (such a total must be suppressed where it is published; linked tables are not
            # controlled together), so the attack does not take it as published
            shown = {
                c: not small(total[c]) and not (len(rows) == 1 and (c, rows[0]) not in known) for c in counts
            }
            for p, w in nested:  # the totals are a table published under the same rule for parts
                shown[p] = shown[p] and not (shown[w] and small(total[w] - total[p]))
                shown[f"{w}-{p}"] = shown[p] and shown[w]
            equations += [([(t, i) for i in rows], total[t]) for t in terms if shown[t]]
    progress = True
    while progress:
        progress = False
        for p, w in nested:
            for i in truth.index:
                cells = [(p, i), (f"{w}-{p}", i), (w, i)]
                unknown = [c for c in cells if c not in known]
                if len(unknown) == 1:
                    known[unknown[0]] = value[unknown[0]]
                    progress = True
        for cells, _total in equations:
            unknown = [c for c in cells if c not in known]
            if len(unknown) == 1:
                known[unknown[0]] = value[unknown[0]]  # total minus the known cells
                progress = True
    return known
