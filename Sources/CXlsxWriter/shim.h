#ifndef SECTORSTATS_CXLSXWRITER_SHIM_H
#define SECTORSTATS_CXLSXWRITER_SHIM_H
// libxlsxwriter from Debian's libxlsxwriter-dev (pkg-config: xlsxwriter).
#include <xlsxwriter.h>
#endif
