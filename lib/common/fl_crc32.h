/*
** CRC-32 (IEEE 802.3, reflected, as zlib and EVTX use): PCLMULQDQ folding
** where the CPU has it, slice-by-8 otherwise.
** Used on every chunk the reader opens and every chunk the writer closes,
** so it is table-driven and allocation-free.
*/
#ifndef FL_COMMON_CRC32_H
#define FL_COMMON_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* crc of data, continuing from crc (start with 0). */
uint32_t fl_crc32(uint32_t crc, const void *data, size_t len);
/* The table-only path, whatever the CPU (tests compare the two). */
uint32_t fl_crc32_portable(uint32_t crc, const void *data, size_t len);

#endif
