/* fileio.h — files written whole or not at all, and small file helpers.
 *
 * gt_atomic_open() returns a stream to "PATH.tmp.PID"; gt_atomic_commit()
 * flushes, fsyncs, renames it over PATH and fsyncs the directory, so a
 * reader (or a crash) sees either the old file or the complete new one.
 * gt_atomic_abort() removes the temporary file and leaves PATH untouched.
 */
#ifndef GANTRAIN_FILEIO_H
#define GANTRAIN_FILEIO_H

#include <stddef.h>
#include <stdio.h>

typedef struct gt_atomic_file {
    FILE *f;
    char *path, *tmp;
} gt_atomic_file;

/* GT_OK, or GT_ERR with the message set (names the file). */
int gt_atomic_open(gt_atomic_file *af, const char *path);
int gt_atomic_commit(gt_atomic_file *af);
void gt_atomic_abort(gt_atomic_file *af);
/* Writes len bytes to path atomically. */
int gt_write_file_atomic(const char *path, const void *data, size_t len);
/* Reads a whole file into a malloc'd buffer (NUL-terminated for text use). */
int gt_read_file(const char *path, char **data, size_t *len);
/* mkdir -p; GT_OK or GT_ERR with the message set. */
int gt_mkdirs(const char *path);
int gt_path_exists(const char *path);
/* fflush + fsync of a stream opened for writing; 0 or -1 with errno. */
int gt_fsync(FILE *f);

/* Fault injection for the full-disk tests (tests/cli/robust.sh,
 * tests/stress/): every stream gantrain writes a file through passes
 * gt_fault_wrap(stream, path) once it is open.  When the environment has
 * GT_FAULT_WRITE=PATTERN:BYTES[,PATTERN:BYTES...] and path contains
 * PATTERN, the stream accepts BYTES bytes and then fails every write with
 * ENOSPC, as a full disk does; with PATTERN:BYTES:kill the process kills
 * itself with SIGKILL there instead (a kill -9 at an exact byte of a
 * checkpoint).  Otherwise (always, outside tests) the stream is returned as
 * it is.  NULL passes through. */
FILE *gt_fault_wrap(FILE *f, const char *path);
int gt_is_dir(const char *path);
/* A file that ships with gantrain (data/classifier_fashion.gtck, say), named
 * relative to the source tree: the path itself when it exists from the
 * current directory, else the same path next to the gantrain binary (so
 * `/somewhere/gantrain eval ...` run from any directory finds it), else the
 * path unchanged (for the error message).  Writes into buf. */
void gt_shipped_path(const char *rel, char *buf, size_t size);

#endif
