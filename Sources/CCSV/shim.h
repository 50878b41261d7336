#ifndef SECTORSTATS_CCSV_SHIM_H
#define SECTORSTATS_CCSV_SHIM_H
// libcsv from Debian's libcsv-dev (no pkg-config file, header in /usr/include).
#include <csv.h>

// A hint to start loading the cache line at `p` (for look-ups into tables larger than the
// cache: the row's other fields are parsed while the line comes in).
static inline void sectorstats_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
// The same for a line about to be written (a hash-table slot that an insert will fill).
static inline void sectorstats_prefetch_write(const void *p) { __builtin_prefetch(p, 1, 3); }
#endif
