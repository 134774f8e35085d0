#!/usr/bin/env python3
"""Generates Tests/WERScoringTests/Fixtures/details once, with Kaldi's own scoring scripts.

Run from the repository root:  KALDI_ROOT=/path/to/kaldi python3 tools/wer-reference/make-details-fixtures.py
Needs perl, zstd, GNU sort and Kaldi's egs/wsj/s5/utils/scoring/wer_{per_utt,per_spk,ops}_details.pl.
Reads the pairs of Fixtures/pairs.txt (make-fixtures.py) plus the few non-Latin pairs below.

The alignments are those of Kaldi's `align-text` (LevenshteinAlignment in
src/util/edit-distance-inl.h: unit costs, backtrace from the end preferring match/substitution,
then deletion). The function below restates that algorithm because Kaldi's binaries are not
needed elsewhere; `kaldialign.align` is not used: it breaks ties differently from align-text.
The three files are then made exactly as `steps/scoring/score_kaldi.sh` makes them:
  align-text | wer_per_utt_details.pl --special-symbol S > per_utt
  wer_per_spk_details.pl utt2spk < per_utt > per_spk
  wer_ops_details.pl --special-symbol S < per_utt | sort -b -i -k 1,1 -k 4,4rn -k 2,2 -k 3,3 > ops
with LC_ALL=C (Kaldi's path.sh), once with S = <eps> and once with S = *** (score_kaldi.sh's).

Writes into Fixtures/details: unicode-pairs.txt, utt2spk, per_spk, and per_utt.<name>.zst,
ops.<name>.zst for name in eps, star.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "WERScoringTests", "Fixtures")
OUT = os.path.join(FIXTURES, "details")

UNICODE_PAIRS = [
    ("zh-0001", "你好 世界 再见 朋友", "你好 世界 朋友 们"),
    ("fr-0001", "ça va très bien merci", "sa va très bien"),
    ("fr-0002", "éa ab très", "ab éa x tres"),
    ("ru-0001", "Привет мир как дела", "привет мир дела как"),
    ("ar-0001", "مرحبا بالعالم", "مرحبا العالم بالعالم"),
    ("de-0001", "straße grüße", ""),
]


def align_text(a, b, eps):
    rows, columns = len(a) + 1, len(b) + 1
    e = [[0] * columns for _ in range(rows)]
    for n in range(columns):
        e[0][n] = n
    for m in range(1, rows):
        e[m][0] = m
        for n in range(1, columns):
            e[m][n] = min(e[m - 1][n - 1] + (a[m - 1] != b[n - 1]), e[m - 1][n] + 1, e[m][n - 1] + 1)
    path = []
    m, n = len(a), len(b)
    while m or n:
        if m == 0:
            last = (m, n - 1)
        elif n == 0:
            last = (m - 1, n)
        else:
            diagonal = e[m - 1][n - 1] + (a[m - 1] != b[n - 1])
            deletion, insertion = e[m - 1][n] + 1, e[m][n - 1] + 1
            if diagonal <= min(deletion, insertion):
                last = (m - 1, n - 1)
            elif deletion <= insertion:
                last = (m - 1, n)
            else:
                last = (m, n - 1)
        path.append((eps if last[0] == m else a[last[0]], eps if last[1] == n else b[last[1]]))
        m, n = last
    return path[::-1]


def run(command, data, env):
    return subprocess.run(command, input=data, capture_output=True, check=True, env=env, shell=True).stdout


def main():
    kaldi = os.environ.get("KALDI_ROOT")
    scripts = os.path.join(kaldi or "", "egs", "wsj", "s5", "utils", "scoring")
    if not kaldi or not os.path.exists(os.path.join(scripts, "wer_per_utt_details.pl")):
        sys.exit("set KALDI_ROOT to a Kaldi checkout (egs/wsj/s5/utils/scoring/*.pl)")
    pairs = []
    with open(os.path.join(FIXTURES, "pairs.txt"), encoding="utf-8") as f:
        for line in f:
            key, ref, hyp = line.rstrip("\n").split("\t")
            pairs.append((key, ref.split(), hyp.split()))
    pairs += [(key, ref.split(), hyp.split()) for key, ref, hyp in UNICODE_PAIRS]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "unicode-pairs.txt"), "w", encoding="utf-8") as f:
        for key, ref, hyp in UNICODE_PAIRS:
            f.write(f"{key}\t{ref}\t{hyp}\n")
    # Speakers of varied widths, one longer than the 15-character column.
    utt2spk = os.path.join(OUT, "utt2spk")
    with open(utt2spk, "w", encoding="utf-8") as f:
        for index, (key, _, _) in enumerate(pairs):
            f.write(f"{key} speaker{index % 7}{'-with-a-long-name' if index % 5 == 0 else ''}\n")
    env = dict(os.environ, LC_ALL="C")
    per_spk = None
    for name, eps in (("eps", "<eps>"), ("star", "***")):
        alignments = "".join(
            key + " " + " ; ".join(f"{r} {h}" for r, h in align_text(ref, hyp, eps)) + "\n"
            for key, ref, hyp in pairs).encode("utf-8")
        per_utt = run(f"perl {scripts}/wer_per_utt_details.pl --special-symbol '{eps}'", alignments, env)
        ops = run(f"perl {scripts}/wer_ops_details.pl --special-symbol '{eps}'"
                  " | sort -b -i -k 1,1 -k 4,4rn -k 2,2 -k 3,3", per_utt, env)
        spk = run(f"perl {scripts}/wer_per_spk_details.pl {utt2spk}", per_utt, env)
        assert per_spk is None or spk == per_spk
        per_spk = spk
        for stem, data in (("per_utt", per_utt), ("ops", ops)):
            path = os.path.join(OUT, f"{stem}.{name}.zst")
            subprocess.run(["zstd", "-q", "-19", "-f", "-o", path], input=data, check=True)
    with open(os.path.join(OUT, "per_spk"), "wb") as f:
        f.write(per_spk)
    print(f"wrote the details of {len(pairs)} pairs to {OUT}")


if __name__ == "__main__":
    main()
