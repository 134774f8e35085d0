#ifndef NCERESCORE_CPREFETCH_H
#define NCERESCORE_CPREFETCH_H

// Software prefetch, which Swift has no spelling for: the direct-feature table's random
// lookups and gradient adds ask for their cache lines a few features ahead, so the misses
// overlap instead of stalling the loop (NCEModel/Network/DirectFeatures.swift); likewise the
// output rows that per-row noise scores and updates (NCEModel/Criteria/SampledScores.swift).

/// Asks for the cache line of `address` to be read soon (all cache levels).
static inline __attribute__((always_inline)) void nce_prefetch_read(const void *address) {
  __builtin_prefetch(address, 0, 3);
}

/// Asks for the cache line of `address` to be written soon (exclusive, all cache levels).
static inline __attribute__((always_inline)) void nce_prefetch_write(const void *address) {
  __builtin_prefetch(address, 1, 3);
}

/// Asks for every cache line of `count` floats at `address`: a row of the output matrix is
/// 13 lines at 200 floats, too short for the hardware prefetcher to catch up within it.
static inline __attribute__((always_inline)) void nce_prefetch_floats(const float *address, long count, int forWriting) {
  const char *first = (const char *)address;
  const char *last = (const char *)(address + count) - 1;
  for (const char *line = first; line <= last; line += 64) {
    if (forWriting) __builtin_prefetch(line, 1, 3); else __builtin_prefetch(line, 0, 3);
  }
  if (((unsigned long)first & 63) > ((unsigned long)last & 63)) {
    if (forWriting) __builtin_prefetch(last, 1, 3); else __builtin_prefetch(last, 0, 3);
  }
}

#endif
