/* crc.h — checksums of the files gantrain writes.
 *
 * CRC32 (zlib's polynomial) guards checkpoint headers and tensors; CRC32C
 * (Castagnoli) in TFRecord's "masked" form frames TensorBoard event records.
 * Both are incremental: start with crc = 0 and feed chunks in order.
 */
#ifndef GANTRAIN_CRC_H
#define GANTRAIN_CRC_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32/ISO-HDLC, as zlib's crc32() and Python's zlib.crc32. */
uint32_t gt_crc32(uint32_t crc, const void *data, size_t len);
/* CRC-32C (Castagnoli, reflected 0x82F63B78); gt_crc32c(0, "123456789", 9) == 0xE3069283. */
uint32_t gt_crc32c(uint32_t crc, const void *data, size_t len);
/* TFRecord's mask: rotate right by 15 and add 0xa282ead8, so that a CRC
 * stored inside CRC'd data does not checksum to a fixed pattern. */
uint32_t gt_crc32c_mask(uint32_t crc);
uint32_t gt_crc32c_unmask(uint32_t masked);

#endif
