/* crc.c — CRC32 (delegated to zlib) and a table-driven CRC32C for TFRecord. */
#include "gantrain/crc.h"

#include <pthread.h>
#include <zlib.h>

uint32_t gt_crc32(uint32_t crc, const void *data, size_t len) {
    const unsigned char *p = data;
    /* zlib takes a uInt length: feed huge buffers in pieces */
    while (len > 0) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = (uint32_t)crc32(crc, p, n);
        p += n;
        len -= n;
    }
    return crc;
}

/* Slicing-by-4 tables: t[0] is the classic byte table, t[k][b] is the CRC of
 * byte b followed by k zero bytes, so four input bytes cost four lookups. */
static uint32_t crc32c_tab[4][256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_init(void) {
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
        crc32c_tab[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; b++)
        for (int k = 1; k < 4; k++)
            crc32c_tab[k][b] = (crc32c_tab[k - 1][b] >> 8) ^ crc32c_tab[0][crc32c_tab[k - 1][b] & 0xff];
}

uint32_t gt_crc32c(uint32_t crc, const void *data, size_t len) {
    pthread_once(&crc32c_once, crc32c_init);
    const unsigned char *p = data;
    uint32_t c = ~crc;
    while (len >= 4) {
        c ^= (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        c = crc32c_tab[3][c & 0xff] ^ crc32c_tab[2][(c >> 8) & 0xff] ^
            crc32c_tab[1][(c >> 16) & 0xff] ^ crc32c_tab[0][c >> 24];
        p += 4;
        len -= 4;
    }
    while (len--) c = (c >> 8) ^ crc32c_tab[0][(c ^ *p++) & 0xff];
    return ~c;
}

uint32_t gt_crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

uint32_t gt_crc32c_unmask(uint32_t masked) {
    uint32_t r = masked - 0xa282ead8u;
    return (r >> 17) | (r << 15);
}
