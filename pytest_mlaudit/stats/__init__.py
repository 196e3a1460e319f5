"""Pure numpy/scipy statistics used by the checks. No pandas, no pytest.

* :mod:`.ks` — two-sample Kolmogorov-Smirnov on pre-sorted samples (matches scipy).
* :mod:`.histogram` — reference-quantile bin edges and counts.
* :mod:`.distances` — PSI, Jensen-Shannon, L-infinity, total variation, Wasserstein.
* :mod:`.contingency` — chi-square contingency test with small-cell pooling.
* :mod:`.corrections` — Holm, Benjamini-Hochberg and no correction for many p-values.
"""
