/* fuzz.h — what the fuzz harnesses share.
 *
 * Each tests/fuzz/fuzz_NAME.c defines one entry point with GT_FUZZ_TARGET.
 * Built with clang -fsanitize=fuzzer (make fuzz) it is libFuzzer's
 * LLVMFuzzerTestOneInput; built with -DGT_FUZZ_REPLAY into the test binary
 * it is gt_fuzz_NAME(), which tests/test_fuzz_replay.c feeds every file of
 * tests/fuzz/corpus/NAME/ (so `make test` replays the corpus without clang).
 *
 * Besides "no crash, no hang, no sanitizer report", every harness checks the
 * error contract: a failure leaves one non-empty line in gt_error() that
 * names the input.  A violation aborts, which the fuzzer reports as a crash.
 */
#ifndef GANTRAIN_FUZZ_H
#define GANTRAIN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef GT_FUZZ_REPLAY
#define GT_FUZZ_TARGET(name) int gt_fuzz_##name(const uint8_t *data, size_t size)
#else
#define GT_FUZZ_TARGET(name) int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

/* Once per process: a small memory budget (GANTRAIN_MEM_LIMIT_MB = 256), so
 * a header that claims gigabytes is refused long before libFuzzer's RSS
 * limit; quiet logging. */
void gt_fuzz_setup(void);
/* A scratch directory private to this process (removed at exit, or with
 * the test's directory in replay). */
const char *gt_fuzz_dir(void);
/* Writes data to DIR/name (replacing it) and returns the full path
 * (a static buffer per call site is the caller's business: copy it). */
const char *gt_fuzz_file(const char *name, const void *data, size_t size);
/* The error contract: rc != 0 must leave one non-empty line in gt_error()
 * containing `must_name` or one of its '|'-separated alternatives (when not
 * NULL).  Aborts otherwise. */
void gt_fuzz_check_error(int rc, const char *must_name);
/* Opens the dataset of cfg (files under gt_fuzz_dir()) under the error
 * contract — a message about the data names its file, one about the
 * selection the config key — and, when it opens, reads its first and last
 * samples and its class names; then frees it and cfg. */
struct gt_config;
void gt_fuzz_dataset(struct gt_config *cfg);

#endif
