"""Does a treatment effect differ across subgroups? The likelihood-ratio test of interaction.

Two Cox models, fitted as `cox.py` fits them (Efron ties; lifelines, or counts past
`cox_fit.MAX_LIFELINES_PATIENTS` patients): the main effects of the group and the subgroup,
and the same plus their products; twice the difference of their log-likelihoods is
chi-square on as many degrees of freedom as products, as R's
`anova(coxph(Surv(t, e) ~ arm + sub), coxph(Surv(t, e) ~ arm * sub))`. Only subgroups where
both groups are present carry a product term (elsewhere it is not estimable).
"""

from __future__ import annotations

import numpy as np
from scipy.special import chdtrc

from sts_queries.stats.cox_fit import choose_fitter
from sts_queries.stats.cox_models import fit

__all__ = ["interaction_test"]


def interaction_test(time, event, arm, subgroup, *, weights=None) -> tuple[dict | None, str | None]:
    """({name, chi2, df, p}, None), or (None, why in words) where it cannot be computed.

    `arm` is 1 for the compared group and 0 for the reference; `subgroup` labels each patient.
    The baseline level is the first (sorted) subgroup holding both groups; the test does not
    depend on that choice. `weights`: the patients each row stands for (None: one each); past
    `cox_fit.MAX_LIFELINES_PATIENTS` patients both models are fitted on counts.
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=int)
    a = np.asarray(arm, dtype=float)
    s = np.array([str(x) for x in np.asarray(subgroup, dtype=object)], dtype=object)
    levels = sorted(set(s))
    if len(levels) < 2:
        return None, "only one subgroup has patients"
    mixed = [x for x in levels if len(set(a[s == x])) == 2]
    if len(mixed) < 2:
        return None, "fewer than two subgroups have both groups, so the effect cannot be compared"
    base = mixed[0]  # the baseline level must hold both groups for the products to mean a change
    design = {"_arm": a}
    products = []
    for j, level in enumerate((x for x in levels if x != base), start=1):
        inside = (s == level).astype(float)
        design[f"_s{j}"] = inside
        if level in mixed:
            design[f"_x{j}"] = inside * a
            products.append(f"_x{j}")
    if int(e.sum()) == 0:
        return None, "there are no events"
    fitter = choose_fitter(t.size if weights is None else int(np.sum(weights)))
    full, why = fit(t, e, design, weights, fitter=fitter)
    if full is None:
        return None, why
    main = {name: column for name, column in design.items() if name not in products}
    reduced, why = fit(t, e, main, weights, fitter=fitter)
    if reduced is None:
        return None, why
    stat = max(2.0 * float(full.loglik - reduced.loglik), 0.0)
    df = len(products)
    return {
        "name": "likelihood-ratio test of interaction",
        "chi2": stat,
        "df": df,
        "p": float(chdtrc(df, stat)),
    }, None
