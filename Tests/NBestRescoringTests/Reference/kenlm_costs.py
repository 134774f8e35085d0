#!/usr/bin/env python3
"""Reference n-gram costs from KenLM's Python module (pip install kenlm).

Usage: kenlm_costs.py MODEL.arpa[.gz] SENTENCES.txt
Prints one line per sentence: the natural-log costs of each word and </s> (bos and eos as in
ARPAModel: <s> is context only), '%.6f' separated by spaces. Exits 3 when kenlm is missing.
"""
import math
import sys

try:
    import kenlm
except ImportError:
    sys.exit(3)

model = kenlm.Model(sys.argv[1])
ln10 = math.log(10.0)
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        words = " ".join(line.split())
        costs = [-log10 * ln10 for log10, _, _ in model.full_scores(words, bos=True, eos=True)]
        print(" ".join(f"{c:.6f}" for c in costs))
