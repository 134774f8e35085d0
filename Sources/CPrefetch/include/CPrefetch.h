#ifndef NCERESCORE_CPREFETCH_H
#define NCERESCORE_CPREFETCH_H

// Software prefetch, which Swift has no spelling for: the direct-feature table's random
// lookups and gradient adds ask for their cache lines a few features ahead, so the misses
// overlap instead of stalling the loop (NCEModel/Network/DirectFeatures.swift).

/// Asks for the cache line of `address` to be read soon (all cache levels).
static inline __attribute__((always_inline)) void nce_prefetch_read(const void *address) {
  __builtin_prefetch(address, 0, 3);
}

/// Asks for the cache line of `address` to be written soon (exclusive, all cache levels).
static inline __attribute__((always_inline)) void nce_prefetch_write(const void *address) {
  __builtin_prefetch(address, 1, 3);
}

#endif
