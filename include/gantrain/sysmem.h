/* sysmem.h — how much memory gantrain may plan on, and byte counts for
 * messages.
 *
 * Everything that sizes a large allocation from a config or a file header
 * (datasets, models, one step's activations) checks it against
 * gt_mem_budget() first, so an absurd value is refused with its reason
 * instead of ending in an out-of-memory kill halfway through.
 */
#ifndef GANTRAIN_SYSMEM_H
#define GANTRAIN_SYSMEM_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of memory gantrain may use: the machine's physical memory, or the
 * control group's memory.max when that is lower, or GANTRAIN_MEM_LIMIT_MB
 * (MiB) when that is set (tests and fuzzing use it; so can a user sharing
 * a machine). */
uint64_t gt_mem_budget(void);
/* What gt_mem_budget() is: "physical memory", "the cgroup memory limit" or
 * "GANTRAIN_MEM_LIMIT_MB". */
const char *gt_mem_budget_source(void);
/* "512 B", "3.2 MiB", "1.5 GiB", "2.0 TiB" into buf; returns buf. */
char *gt_fmt_bytes(double bytes, char *buf, size_t size);

#endif
