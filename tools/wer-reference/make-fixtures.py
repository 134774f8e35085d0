#!/usr/bin/env python3
"""Generates the reference fixtures of Tests/WERScoringTests/Fixtures once.

Run from the repository root:  python3 tools/wer-reference/make-fixtures.py [DATA_DIR]
Needs `pip install kaldialign` (Kaldi's compute-wer counting code) and NIST `sclite`
(Debian package sctk). DATA_DIR defaults to ../shared/data.

Writes:
  pairs.txt          <key>\t<ref words>\t<hyp words>: SPEC section 4's example, 1,200 random pairs
                     (seeded), half of them over 2-4 word vocabularies and often unrelated so
                     that tied alignments are frequent, then the rank-1 hypotheses of
                     nbest-dev (keys nbestdev-<uttid>).
  kaldi-counts.txt   <key> <ins> <del> <sub> <ref_len>   from kaldialign.edit_distance
  sclite-counts.txt  <key> <cor> <sub> <del> <ins>       from sclite's pra "Scores:" lines
  sclite-alignments.txt  <key> <ops>  sclite's alignment from the pra REF:/HYP: lines, one letter
                     per column: C, S, D (hyp is ***), I (ref is ***); no letters for two empty sides
"""
import os
import random
import re
import subprocess
import sys
import tempfile

import kaldialign

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "WERScoringTests", "Fixtures")
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data")
SCLITE = next((p for p in ("/usr/bin/sclite", "/usr/lib/sctk/bin/sclite") if os.path.exists(p)), "sclite")


def random_pairs(rng, count):
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
             "juliet", "kilo", "lima", "mike", "november", "oscar", "papa"]
    pairs = []
    for index in range(count):
        vocab = words[: rng.choice([2, 3, 4])] if index % 2 == 0 else words
        ref = [rng.choice(vocab) for _ in range(rng.randint(0, 14))]
        if rng.random() < (0.5 if index % 2 == 0 else 0.1):
            hyp = [rng.choice(vocab) for _ in range(rng.randint(0, 14))]
        else:
            hyp = list(ref)
            for _ in range(rng.randint(0, 5)):
                kind = rng.choice("sid")
                if kind == "s" and hyp:
                    hyp[rng.randrange(len(hyp))] = rng.choice(vocab)
                elif kind == "i":
                    hyp.insert(rng.randint(0, len(hyp)), rng.choice(vocab))
                elif kind == "d" and hyp:
                    del hyp[rng.randrange(len(hyp))]
        pairs.append((f"rand{index:04d}", ref, hyp))
    return pairs


def read_table(path, suffix=None):
    table = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if not fields:
                continue
            key = fields[0]
            if suffix is not None:
                if not key.endswith(suffix):
                    continue
                key = key[: -len(suffix)]
            table[key] = fields[1:]
    return table


def nbest_pairs(data):
    base = os.path.join(data, "nbest-dev")
    refs = read_table(os.path.join(base, "text"))
    hyps = read_table(os.path.join(base, "archives.1", "words_text"), suffix="-1")
    return [(f"nbestdev-{k}", refs[k], hyps.get(k, [])) for k in sorted(refs)]


def sclite_column(ref, hyp):
    if set(ref) == {"*"}:
        return "I"
    if set(hyp) == {"*"}:
        return "D"
    return "C" if ref == hyp else "S"


def sclite_scores(pairs):
    """key -> ((C, S, D, I), alignment letters), from sclite's pra output (case sensitive)."""
    with tempfile.TemporaryDirectory() as tmp:
        ids = {}
        with open(f"{tmp}/ref.trn", "w") as r, open(f"{tmp}/hyp.trn", "w") as h:
            for n, (key, ref, hyp) in enumerate(pairs):
                trn_id = f"spk_{n:05d}"
                ids[trn_id] = key
                r.write(" ".join(ref) + f" ({trn_id})\n")
                h.write(" ".join(hyp) + f" ({trn_id})\n")
        subprocess.run([SCLITE, "-r", f"{tmp}/ref.trn", "trn", "-h", f"{tmp}/hyp.trn", "trn",
                        "-i", "spu_id", "-s", "-o", "pra", "-O", tmp, "-n", "out"],
                       check=True, stdout=subprocess.DEVNULL)
        counts = {}
        alignments = {}
        current = None
        ref_line = None
        with open(f"{tmp}/out.pra", encoding="utf-8") as f:
            for line in f:
                m = re.match(r"id: \((\S+)\)", line)
                if m:
                    current = ids[m.group(1)]
                    alignments[current] = ""
                m = re.match(r"Scores: \(#C #S #D #I\) (\d+) (\d+) (\d+) (\d+)", line)
                if m:
                    counts[current] = tuple(int(x) for x in m.groups())
                if line.startswith("REF:"):
                    ref_line = line[4:].split()
                if line.startswith("HYP:"):
                    hyp_line = line[4:].split()
                    assert len(ref_line) == len(hyp_line), current
                    alignments[current] = "".join(map(sclite_column, ref_line, hyp_line))
        missing = [k for k, _, _ in pairs if k not in counts]
        if missing:
            sys.exit(f"sclite gave no scores for {missing[:5]}")
        for key, (c, s, d, i) in counts.items():
            letters = alignments[key]
            assert (letters.count("C"), letters.count("S"), letters.count("D"), letters.count("I")) == (c, s, d, i), key
        return {key: (counts[key], alignments[key]) for key in counts}


def main():
    rng = random.Random(20240605)
    spec_example = ("spec-example", "b b a d c d".split(), "d c d d a b c".split())
    pairs = [spec_example] + random_pairs(rng, 1200) + nbest_pairs(DATA)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "pairs.txt"), "w", encoding="utf-8") as f:
        for key, ref, hyp in pairs:
            f.write(f"{key}\t{' '.join(ref)}\t{' '.join(hyp)}\n")
    with open(os.path.join(OUT, "kaldi-counts.txt"), "w") as f:
        for key, ref, hyp in pairs:
            d = kaldialign.edit_distance(ref, hyp)
            f.write(f"{key} {d['ins']} {d['del']} {d['sub']} {len(ref)}\n")
    sclite = sclite_scores(pairs)
    with open(os.path.join(OUT, "sclite-counts.txt"), "w") as f:
        for key, _, _ in pairs:
            f.write(f"{key} {' '.join(str(x) for x in sclite[key][0])}\n")
    with open(os.path.join(OUT, "sclite-alignments.txt"), "w") as f:
        for key, _, _ in pairs:
            f.write(f"{key} {sclite[key][1]}".rstrip() + "\n")
    print(f"wrote {len(pairs)} pairs to {OUT}")


if __name__ == "__main__":
    main()
