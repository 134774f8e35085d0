#!/usr/bin/env python3
"""Builds the small ARPA fixture used by ARPAModelTests (not part of the product).

Usage: make_arpa.py ORDER NUM_SENTENCES < ptb/train.txt > model.arpa

Absolute discounting (D = 0.7) with back-off weights that normalize every context, so the
model is a proper back-off LM; <unk> gets the discounted unigram mass, <s> has log10 p = -99.
Every n-gram prefix is present, as SRILM and KenLM write ARPA files.
"""
import math
import sys
from collections import defaultdict

order = int(sys.argv[1])
limit = int(sys.argv[2])
D = 0.7
counts = [defaultdict(int) for _ in range(order + 1)]  # counts[n][ngram tuple]
for i, line in enumerate(sys.stdin):
    if i >= limit:
        break
    words = ["<s>"] + line.split() + ["</s>"]
    for n in range(1, order + 1):
        for j in range(len(words) - n + 1):
            gram = tuple(words[j:j + n])
            if gram == ("<s>",):
                continue
            counts[n][gram] += 1

# Unigrams: discounted, leftover mass to <unk>.
total = sum(counts[1].values())
prob = [dict() for _ in range(order + 1)]
for gram, c in counts[1].items():
    prob[1][gram] = (c - D) / total
leftover = 1.0 - sum(prob[1].values())
prob[1][("<unk>",)] = prob[1].get(("<unk>",), 0.0) + leftover

# Higher orders: p(w|h) = (c(h,w) - D) / c(h, .).
context_total = [defaultdict(int) for _ in range(order + 1)]
for n in range(2, order + 1):
    for gram, c in counts[n].items():
        context_total[n][gram[:-1]] += c
    for gram, c in counts[n].items():
        prob[n][gram] = (c - D) / context_total[n][gram[:-1]]


def backoff_prob(gram):
    """p(w | h) of the back-off model for gram = h + (w,)."""
    n = len(gram)
    if gram in prob[n]:
        return prob[n][gram]
    if n == 1:
        return prob[1][("<unk>",)]
    return bow.get(gram[:-1], 1.0) * backoff_prob(gram[1:])


bow = {}
for n in range(2, order + 1):
    seen = defaultdict(list)
    for gram in prob[n]:
        seen[gram[:-1]].append(gram)
    for h, grams in sorted(seen.items(), key=lambda kv: len(kv[0])):
        numerator = 1.0 - sum(prob[n][g] for g in grams)
        denominator = 1.0 - sum(backoff_prob(g[1:]) for g in grams)
        bow[h] = numerator / denominator if denominator > 1e-12 else 1.0

print("\\data\\")
for n in range(1, order + 1):
    extra = 1 if n == 1 else 0  # <s>
    print(f"ngram {n}={len(prob[n]) + extra}")
for n in range(1, order + 1):
    print(f"\n\\{n}-grams:")
    entries = list(prob[n].items())
    if n == 1:
        entries.append((("<s>",), None))
    for gram, p in sorted(entries, key=lambda e: e[0]):
        lp = -99.0 if p is None else math.log10(p)
        line = f"{lp:.6f}\t{' '.join(gram)}"
        if n < order and gram in bow:
            line += f"\t{math.log10(bow[gram]):.6f}"
        print(line)
print("\n\\end\\")
