/* pth_pickle.h — the restricted unpickler under pth.c (internal to io/).
 *
 * It runs the opcodes that torch.save writes for a state_dict (pickle
 * protocols 2 to 5): containers (dict, OrderedDict, list, tuple), str, int,
 * float, bool, None, the memo, REDUCE of the few allowed globals, BUILD on
 * a dict, and persistent ids.  Everything else — any other opcode, any
 * other global — is refused with one message that names it and its byte
 * offset.  Nothing is ever imported or executed: a global is a tag from a
 * fixed table, and REDUCE of a tag calls the caller's hook.
 *
 * Values live until gt_pth_pickle_free; strings point into the buffer
 * (which must outlive them).  Every length read from the buffer is checked
 * against it, and every value an opcode creates costs at least one byte of
 * input, so memory stays proportional to the input.
 */
#ifndef GANTRAIN_PTH_PICKLE_H
#define GANTRAIN_PTH_PICKLE_H

#include <stddef.h>
#include <stdint.h>

typedef enum gt_pth_kind {
    GT_PV_NONE,
    GT_PV_BOOL,
    GT_PV_INT,
    GT_PV_BIGINT, /* an int wider than 64 bits: its LONG1 bytes (torch.save's magic number) */
    GT_PV_FLOAT,
    GT_PV_STR,
    GT_PV_TUPLE,
    GT_PV_LIST,
    GT_PV_DICT,    /* items[2k] = key, items[2k+1] = value, in insertion order */
    GT_PV_GLOBAL,  /* one of gt_pth_global */
    GT_PV_STORAGE, /* what the persistent-load hook returned: ival indexes the caller's table */
    GT_PV_TENSOR,  /* what the rebuild hook returned: ival indexes the caller's table */
} gt_pth_kind;

/* the globals a state_dict may name */
typedef enum gt_pth_global {
    GT_PG_ORDERED_DICT,     /* collections.OrderedDict */
    GT_PG_REBUILD_TENSOR,   /* torch._utils._rebuild_tensor_v2 */
    GT_PG_REBUILD_PARAM,    /* torch._utils._rebuild_parameter */
    GT_PG_STORAGE,          /* torch.<Type>Storage: sub is its gt_pth_dtype */
} gt_pth_global;

typedef struct gt_pth_val gt_pth_val;
struct gt_pth_val {
    gt_pth_kind kind;
    int sub;                 /* GLOBAL: the storage dtype */
    int64_t ival;            /* BOOL, INT, GLOBAL (gt_pth_global), STORAGE, TENSOR */
    double fval;             /* FLOAT */
    const unsigned char *s;  /* STR, BIGINT: bytes in the buffer */
    size_t len;              /* STR, BIGINT: byte count; TUPLE, LIST: items; DICT: pairs */
    gt_pth_val **items;      /* TUPLE, LIST, DICT */
    size_t cap;
};

typedef struct gt_pth_pickle gt_pth_pickle;

/* Hooks called by BINPERSID and by REDUCE of _rebuild_tensor_v2: they
 * return a value made with gt_pth_pickle_new, or NULL with the error set. */
typedef struct gt_pth_hooks {
    void *ud;
    gt_pth_val *(*persistent_load)(gt_pth_pickle *pk, void *ud, const gt_pth_val *pid);
    gt_pth_val *(*rebuild_tensor)(gt_pth_pickle *pk, void *ud, const gt_pth_val *args);
} gt_pth_hooks;

/* label starts every message ("w.pth: data.pkl"); base is added to byte
 * offsets in messages (where this pickle starts in the file). */
gt_pth_pickle *gt_pth_pickle_new(const char *label, const gt_pth_hooks *hooks);
void gt_pth_pickle_free(gt_pth_pickle *pk); /* frees every value; accepts NULL */
gt_pth_val *gt_pth_pickle_new_val(gt_pth_pickle *pk, gt_pth_kind kind);

/* Runs one pickle that starts at buf[0] (len bytes available): up to its
 * STOP, leaving *used = the bytes it took and *out = its value.  Memo and
 * stack are fresh for each call; values persist.  GT_OK, or GT_ERR with
 * the message set. */
int gt_pth_pickle_run(gt_pth_pickle *pk, const unsigned char *buf, size_t len, size_t base,
                      size_t *used, gt_pth_val **out);

/* The file offset of the opcode running now (for the hooks' messages). */
size_t gt_pth_pickle_offset(const gt_pth_pickle *pk);
/* A printable copy of n untrusted bytes into dst[cap] (cap >= 16):
 * non-printable bytes as \xNN, "..." when cut. */
void gt_pth_show(char *dst, size_t cap, const unsigned char *s, size_t n);
/* "dict", "tuple", "str", ... for messages */
const char *gt_pth_kind_name(gt_pth_kind k);
/* 1 when v is the str s */
int gt_pth_is_str(const gt_pth_val *v, const char *s);

#endif
