/* sysmem.c — the memory budget (physical memory, cgroup limit or
 * GANTRAIN_MEM_LIMIT_MB) and byte counts for messages. */
#include "gantrain/sysmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t cgroup_limit(void) {
    /* cgroup v2 first, then v1; "max" or a missing file means no limit */
    static const char *files[] = {"/sys/fs/cgroup/memory.max",
                                  "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(files[i], "r");
        if (!f) continue;
        char line[64] = "";
        char *ok = fgets(line, sizeof line, f);
        fclose(f);
        char *end;
        unsigned long long v = ok ? strtoull(line, &end, 10) : 0;
        if (ok && end != line && v > 0) return (uint64_t)v;
    }
    return 0;
}

static uint64_t budget(const char **source) {
    const char *env = getenv("GANTRAIN_MEM_LIMIT_MB");
    if (env && *env) {
        char *end;
        unsigned long long mb = strtoull(env, &end, 10);
        if (*end == 0 && mb > 0) {
            *source = "GANTRAIN_MEM_LIMIT_MB";
            return (uint64_t)mb << 20;
        }
    }
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t phys = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : (uint64_t)1 << 32;
    uint64_t cg = cgroup_limit();
    *source = "physical memory";
    if (cg && cg < phys) {
        *source = "the cgroup memory limit";
        return cg;
    }
    return phys;
}

uint64_t gt_mem_budget(void) {
    const char *s;
    return budget(&s);
}

const char *gt_mem_budget_source(void) {
    const char *s;
    budget(&s);
    return s;
}

char *gt_fmt_bytes(double b, char *buf, size_t size) {
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (b >= 1024 && u < 6) b /= 1024, u++;
    if (u == 0)
        snprintf(buf, size, "%.0f B", b);
    else
        snprintf(buf, size, "%.*f %s", b < 10 ? 1 : 0, b, units[u]);
    return buf;
}
