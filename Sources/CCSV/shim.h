#ifndef SECTORSTATS_CCSV_SHIM_H
#define SECTORSTATS_CCSV_SHIM_H
// libcsv from Debian's libcsv-dev (no pkg-config file, header in /usr/include).
#include <csv.h>
#endif
