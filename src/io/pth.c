/* pth.c — PyTorch weight files (torch.save of a state_dict): the legacy
 * stream and the zip archive, the storage table, the tensor table and
 * strided reads (see pth.h).  The pickles are run by pth_pickle.c.
 *
 * The facts come from torch/serialization.py (_legacy_save / _save and
 * their loaders) and torch/_utils.py (_rebuild_tensor_v2): a tensor is
 * rebuilt from (storage, storage_offset, size, stride, requires_grad,
 * backward_hooks); a storage is a persistent id ('storage', storage type,
 * key, location, numel[, view metadata]) whose bytes live in
 * ARCHIVE/data/KEY (zip) or after the pickles, in the order of the
 * storage-key list, each behind its int64 element count (legacy).
 */
#include "gantrain/pth.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/zip.h"
#include "pth_pickle.h"

#define MAX_NAME 1024      /* a state_dict key */
#define MAX_KEY 64         /* a storage key: a small integer in either format */
#define MAX_STORAGES 1000000

/* torch.save's magic number 0x1950a86a20f9469cfc6c as pickle LONG1 bytes */
static const unsigned char MAGIC[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
#define PROTOCOL_VERSION 1001

typedef struct storage {
    char *key;
    gt_pth_dtype dtype;
    int64_t numel;
    const unsigned char *data; /* numel elements, little-endian; NULL until located */
    unsigned char *owned;      /* a deflated zip member's bytes */
} storage;

/* one _rebuild_tensor_v2 */
typedef struct view {
    int storage;
    int ndim;
    int64_t offset, shape[GT_PTH_MAX_DIMS], stride[GT_PTH_MAX_DIMS], numel;
} view;

typedef struct entry {
    gt_pth_tensor pub; /* pub.name owned */
    int view;
} entry;

struct gt_pth {
    char *label;
    unsigned char *buf;
    size_t len;
    int zip_format;
    gt_zip *zip;
    char *archive; /* zip: "ARCHIVE/" */
    storage *st;
    int n_st, cap_st;
    view *v;
    int n_v, cap_v;
    entry *e;
    int n;
};

static const struct {
    const char *name, *storage;
    int size;
} dtypes[GT_PTH_N_DTYPES] = {
    [GT_PTH_FLOAT32] = {"float32", "FloatStorage", 4}, [GT_PTH_FLOAT64] = {"float64", "DoubleStorage", 8},
    [GT_PTH_FLOAT16] = {"float16", "HalfStorage", 2},  [GT_PTH_BFLOAT16] = {"bfloat16", "BFloat16Storage", 2},
    [GT_PTH_INT64] = {"int64", "LongStorage", 8},      [GT_PTH_INT32] = {"int32", "IntStorage", 4},
    [GT_PTH_INT16] = {"int16", "ShortStorage", 2},     [GT_PTH_INT8] = {"int8", "CharStorage", 1},
    [GT_PTH_UINT8] = {"uint8", "ByteStorage", 1},      [GT_PTH_BOOL] = {"bool", "BoolStorage", 1},
};

const char *gt_pth_dtype_name(gt_pth_dtype t) {
    return (unsigned)t < GT_PTH_N_DTYPES ? dtypes[t].name : "unknown";
}

void gt_pth_close(gt_pth *p) {
    if (!p) return;
    for (int i = 0; i < p->n_st; i++) {
        free(p->st[i].key);
        free(p->st[i].owned);
    }
    for (int i = 0; i < p->n; i++) free((char *)p->e[i].pub.name);
    free(p->st);
    free(p->v);
    free(p->e);
    free(p->archive);
    gt_zip_close(p->zip);
    free(p->buf);
    free(p->label);
    free(p);
}

/* ---- the pickle hooks -------------------------------------------------- */

static gt_pth_val *hook_fail(void) { return NULL; }

/* ('storage', torch.<T>Storage, key, location, numel[, None]) -> STORAGE */
static gt_pth_val *persistent_load(gt_pth_pickle *pk, void *ud, const gt_pth_val *pid) {
    gt_pth *p = ud;
    size_t at = gt_pth_pickle_offset(pk);
    if (pid->kind != GT_PV_TUPLE || pid->len < 1) {
        gt_error_set("%s: byte %zu: a persistent id that is not a tuple; the file is corrupt",
                     p->label, at);
        return hook_fail();
    }
    gt_pth_val **it = pid->items;
    if (gt_pth_is_str(it[0], "module")) {
        gt_error_set("%s: holds a pickled nn.Module (torch.save(model)), not a state_dict; save "
                     "model.state_dict() instead",
                     p->label);
        return hook_fail();
    }
    if (!gt_pth_is_str(it[0], "storage") || (pid->len != 5 && pid->len != 6) ||
        it[1]->kind != GT_PV_GLOBAL || it[1]->ival != GT_PG_STORAGE || it[2]->kind != GT_PV_STR ||
        it[3]->kind != GT_PV_STR || it[4]->kind != GT_PV_INT) {
        gt_error_set("%s: byte %zu: a persistent id that is not ('storage', type, key, location, "
                     "size); the file is corrupt",
                     p->label, at);
        return hook_fail();
    }
    if (pid->len == 6 && it[5]->kind != GT_PV_NONE) {
        gt_error_set("%s: byte %zu: a storage view (a format of PyTorch before 1.0) is not "
                     "supported; load and save the state_dict again with a recent PyTorch",
                     p->label, at);
        return hook_fail();
    }
    const gt_pth_val *key = it[2];
    gt_pth_dtype dt = (gt_pth_dtype)it[1]->sub;
    int64_t numel = it[4]->ival;
    char shown[MAX_KEY + 16];
    gt_pth_show(shown, sizeof shown, key->s, key->len);
    int ok = key->len > 0 && key->len <= MAX_KEY;
    for (size_t i = 0; ok && i < key->len; i++)
        ok = key->s[i] > 32 && key->s[i] < 127 && key->s[i] != '/';
    if (!ok) {
        gt_error_set("%s: byte %zu: storage key '%s' is not a plain name; the file is corrupt",
                     p->label, at, shown);
        return hook_fail();
    }
    /* the storage's bytes are in the file: more than the file holds is a lie */
    if (numel < 0 || (uint64_t)numel > p->len / (uint64_t)dtypes[dt].size) {
        gt_error_set("%s: byte %zu: storage '%s' claims %lld %s elements, more than the %zu-byte "
                     "file holds; the file is truncated or corrupt",
                     p->label, at, shown, (long long)numel, dtypes[dt].name, p->len);
        return hook_fail();
    }
    int s = -1;
    for (int i = 0; i < p->n_st && s < 0; i++)
        if (strlen(p->st[i].key) == key->len && !memcmp(p->st[i].key, key->s, key->len)) s = i;
    if (s >= 0) {
        if (p->st[s].dtype != dt || p->st[s].numel != numel) {
            gt_error_set("%s: byte %zu: storage '%s' is declared twice with different types or "
                         "sizes; the file is corrupt",
                         p->label, at, shown);
            return hook_fail();
        }
    } else {
        if (p->n_st >= MAX_STORAGES) {
            gt_error_set("%s: more than %d storages; the file is corrupt", p->label, MAX_STORAGES);
            return hook_fail();
        }
        if (p->n_st == p->cap_st) {
            p->cap_st = p->cap_st ? 2 * p->cap_st : 64;
            p->st = gt_xrealloc(p->st, (size_t)p->cap_st * sizeof *p->st);
        }
        s = p->n_st++;
        storage *S = &p->st[s];
        memset(S, 0, sizeof *S);
        S->key = gt_xmalloc(key->len + 1);
        memcpy(S->key, key->s, key->len);
        S->key[key->len] = 0;
        S->dtype = dt;
        S->numel = numel;
    }
    gt_pth_val *r = gt_pth_pickle_new_val(pk, GT_PV_STORAGE);
    r->ival = s;
    return r;
}

/* a tuple of n ints >= 0 into out */
static int int_tuple(const gt_pth_val *t, int64_t *out, int max) {
    if (t->kind != GT_PV_TUPLE || t->len > (size_t)max) return 0;
    for (size_t i = 0; i < t->len; i++) {
        if (t->items[i]->kind != GT_PV_INT || t->items[i]->ival < 0) return 0;
        out[i] = t->items[i]->ival;
    }
    return 1;
}

/* _rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
 * backward_hooks[, metadata]) -> TENSOR */
static gt_pth_val *rebuild_tensor(gt_pth_pickle *pk, void *ud, const gt_pth_val *args) {
    gt_pth *p = ud;
    size_t at = gt_pth_pickle_offset(pk);
    gt_pth_val **a = args->items;
    view v;
    memset(&v, 0, sizeof v);
    if ((args->len != 6 && args->len != 7) || a[0]->kind != GT_PV_STORAGE || a[1]->kind != GT_PV_INT ||
        a[1]->ival < 0 || a[4]->kind != GT_PV_BOOL || a[5]->kind != GT_PV_DICT ||
        (args->len == 7 && a[6]->kind != GT_PV_DICT && a[6]->kind != GT_PV_NONE)) {
        gt_error_set("%s: byte %zu: _rebuild_tensor_v2 without (storage, offset, size, stride, "
                     "requires_grad, hooks); the file is corrupt",
                     p->label, at);
        return hook_fail();
    }
    if (a[2]->kind == GT_PV_TUPLE && a[2]->len > GT_PTH_MAX_DIMS) {
        gt_error_set("%s: byte %zu: a tensor with %zu dimensions; gantrain reads up to %d",
                     p->label, at, a[2]->len, GT_PTH_MAX_DIMS);
        return hook_fail();
    }
    if (!int_tuple(a[2], v.shape, GT_PTH_MAX_DIMS) || !int_tuple(a[3], v.stride, GT_PTH_MAX_DIMS) ||
        a[2]->len != a[3]->len) {
        gt_error_set("%s: byte %zu: a tensor whose sizes and strides are not two tuples of "
                     "as many non-negative ints; the file is corrupt",
                     p->label, at);
        return hook_fail();
    }
    v.storage = (int)a[0]->ival;
    v.ndim = (int)a[2]->len;
    /* the stride of a dimension of size 1 never moves: 0 keeps the strided
     * walk in gt_pth_read_f32 within int64 whatever the file says */
    for (int d = 0; d < v.ndim; d++)
        if (v.shape[d] == 1) v.stride[d] = 0;
    v.offset = a[1]->ival;
    const storage *S = &p->st[v.storage];
    /* every element must lie inside the storage: numel > 0 means the last
     * one is at offset + sum (size-1)*stride, which must be < its numel
     * (each term is bounded by it before it is added, so nothing overflows) */
    uint64_t numel = 1, last = (uint64_t)v.offset;
    int empty = 0;
    for (int d = 0; d < v.ndim; d++) empty |= v.shape[d] == 0;
    for (int d = 0; d < v.ndim && !empty; d++) {
        uint64_t n = (uint64_t)v.shape[d], st = (uint64_t)v.stride[d];
        if (numel > ((uint64_t)1 << 62) / n) goto outside;
        numel *= n;
        if (st && n - 1 > (uint64_t)S->numel / st) goto outside;
        last += (n - 1) * st;
        if (last >= (uint64_t)S->numel) goto outside;
    }
    if (!empty && last >= (uint64_t)S->numel) goto outside;
    v.numel = empty ? 0 : (int64_t)numel;
    if (p->n_v == p->cap_v) {
        p->cap_v = p->cap_v ? 2 * p->cap_v : 64;
        p->v = gt_xrealloc(p->v, (size_t)p->cap_v * sizeof *p->v);
    }
    p->v[p->n_v] = v;
    gt_pth_val *r = gt_pth_pickle_new_val(pk, GT_PV_TENSOR);
    r->ival = p->n_v++;
    return r;
outside:
    gt_error_set("%s: byte %zu: a tensor reaches outside its storage '%s' (%lld elements); the "
                 "file is corrupt",
                 p->label, at, S->key, (long long)S->numel);
    return hook_fail();
}

/* ---- the tensor table -------------------------------------------------- */

static int cmp_entry_name(const void *a, const void *b) {
    return strcmp((*(const entry *const *)a)->pub.name, (*(const entry *const *)b)->pub.name);
}

/* the state_dict: name -> tensor pairs of the pickled object */
static int collect(gt_pth *p, const gt_pth_val *obj) {
    if (obj->kind == GT_PV_DICT)
        for (size_t i = 0; i < obj->len; i++)
            if (gt_pth_is_str(obj->items[2 * i], "state_dict") &&
                obj->items[2 * i + 1]->kind == GT_PV_DICT) {
                obj = obj->items[2 * i + 1]; /* a checkpoint dict around the state_dict */
                break;
            }
    if (obj->kind != GT_PV_DICT)
        return gt_error_set("%s: holds a %s, not a state_dict (a dict of tensors)", p->label,
                            gt_pth_kind_name(obj->kind));
    p->e = gt_xcalloc(obj->len ? obj->len : 1, sizeof *p->e);
    for (size_t i = 0; i < obj->len; i++) {
        const gt_pth_val *k = obj->items[2 * i], *val = obj->items[2 * i + 1];
        if (k->kind != GT_PV_STR || k->len == 0 || k->len > MAX_NAME || memchr(k->s, 0, k->len))
            return gt_error_set("%s: state_dict entry %zu has a %s key, not a tensor name; the "
                                "file is not a state_dict",
                                p->label, i, k->kind == GT_PV_STR ? "malformed str" : gt_pth_kind_name(k->kind));
        char name[MAX_NAME + 16];
        gt_pth_show(name, sizeof name, k->s, k->len);
        if (val->kind != GT_PV_TENSOR)
            return gt_error_set("%s: '%s' holds a %s, not a tensor; the file is not a state_dict",
                                p->label, name, gt_pth_kind_name(val->kind));
        entry *E = &p->e[p->n++];
        char *nm = gt_xmalloc(k->len + 1);
        memcpy(nm, k->s, k->len);
        nm[k->len] = 0;
        const view *V = &p->v[val->ival];
        E->pub.name = nm;
        E->pub.dtype = p->st[V->storage].dtype;
        E->pub.ndim = V->ndim;
        for (int d = 0; d < V->ndim; d++) E->pub.shape[d] = V->shape[d];
        E->pub.numel = V->numel;
        E->view = (int)val->ival;
    }
    /* a Python dict never pickles a key twice */
    entry **sorted = gt_xmalloc((size_t)(p->n ? p->n : 1) * sizeof *sorted);
    for (int i = 0; i < p->n; i++) sorted[i] = &p->e[i];
    qsort(sorted, (size_t)p->n, sizeof *sorted, cmp_entry_name);
    for (int i = 1; i < p->n; i++)
        if (!strcmp(sorted[i]->pub.name, sorted[i - 1]->pub.name)) {
            char name[MAX_NAME + 16];
            gt_pth_show(name, sizeof name, (const unsigned char *)sorted[i]->pub.name,
                        strlen(sorted[i]->pub.name));
            free(sorted);
            return gt_error_set("%s: tensor '%s' appears twice; the file is corrupt", p->label, name);
        }
    free(sorted);
    return GT_OK;
}

/* ---- the two containers ------------------------------------------------ */

static int storage_bytes_ok(const gt_pth *p, const storage *S, uint64_t have) {
    uint64_t need = (uint64_t)S->numel * (uint64_t)dtypes[S->dtype].size;
    if (have != need)
        return gt_error_set("%s: storage '%s' holds %llu bytes, its tensors declare %llu (%lld %s "
                            "values); the file is corrupt",
                            p->label, S->key, (unsigned long long)have, (unsigned long long)need,
                            (long long)S->numel, dtypes[S->dtype].name);
    return GT_OK;
}

static int zip_storages(gt_pth *p) {
    for (int s = 0; s < p->n_st; s++) {
        storage *S = &p->st[s];
        char name[1200];
        snprintf(name, sizeof name, "%sdata/%s", p->archive, S->key);
        int i = gt_zip_find(p->zip, name);
        if (i < 0)
            return gt_error_set("%s: storage '%s' has no member %s; the archive is incomplete",
                                p->label, S->key, name);
        size_t size;
        if (gt_zip_read(p->zip, i, &S->data, &size, &S->owned)) return GT_ERR;
        if (storage_bytes_ok(p, S, size)) return GT_ERR;
    }
    return GT_OK;
}

/* ARCHIVE/data.pkl, the state_dict in it, then ARCHIVE/data/KEY for each storage */
static int open_zip(gt_pth *p, gt_pth_pickle *pk) {
    if (gt_zip_open(p->buf, p->len, p->label, "a PyTorch file", &p->zip)) return GT_ERR;
    const gt_zip *z = p->zip;
    int n = gt_zip_count(z);
    /* torch's reader takes the archive's directory from its first member */
    const char *first = n ? gt_zip_name(z, 0) : "", *slash = strchr(first, '/');
    char name[1200];
    if (slash && (size_t)(slash - first) < 512) {
        p->archive = gt_xmalloc((size_t)(slash - first) + 2);
        memcpy(p->archive, first, (size_t)(slash - first) + 1);
        p->archive[slash - first + 1] = 0;
        snprintf(name, sizeof name, "%sdata.pkl", p->archive);
    }
    int pkl = p->archive ? gt_zip_find(z, name) : -1;
    if (pkl < 0) {
        for (int i = 0; i < n; i++) {
            size_t l = strlen(gt_zip_name(z, i));
            if (l > 4 && !strcmp(gt_zip_name(z, i) + l - 4, ".npy"))
                return gt_error_set("%s: is a NumPy .npz archive, not a PyTorch file; give it the "
                                    ".npz extension",
                                    p->label);
        }
        return gt_error_set("%s: a zip archive without ARCHIVE/data.pkl: not a file of torch.save",
                            p->label);
    }
    snprintf(name, sizeof name, "%sconstants.pkl", p->archive);
    if (gt_zip_find(z, name) >= 0)
        return gt_error_set("%s: is a TorchScript archive (torch.jit.save), not a state_dict; save "
                            "model.state_dict() with torch.save",
                            p->label);
    const unsigned char *d;
    size_t size;
    unsigned char *owned;
    snprintf(name, sizeof name, "%sbyteorder", p->archive);
    int bo = gt_zip_find(z, name);
    if (bo >= 0) {
        if (gt_zip_read(z, bo, &d, &size, &owned)) return GT_ERR;
        int little = size == 6 && !memcmp(d, "little", 6);
        free(owned);
        if (!little)
            return gt_error_set("%s: written on a big-endian machine (%sbyteorder); gantrain reads "
                                "little-endian files",
                                p->label, p->archive);
    }
    if (gt_zip_read(z, pkl, &d, &size, &owned)) return GT_ERR;
    size_t used = 0;
    gt_pth_val *obj;
    int rc = gt_pth_pickle_run(pk, d, size, 0, &used, &obj);
    if (!rc && used != size)
        rc = gt_error_set("%s: %sdata.pkl: %zu bytes after the pickle's STOP; the file is corrupt",
                          p->label, p->archive, size - used);
    /* the values' strings point into data.pkl's bytes: names are copied
     * before a deflated member's copy goes */
    if (!rc) rc = collect(p, obj);
    free(owned);
    return rc ? rc : zip_storages(p);
}

static uint64_t le64(const unsigned char *b) {
    uint64_t u = 0;
    for (int k = 7; k >= 0; k--) u = u << 8 | b[k];
    return u;
}

/* the five pickles and the storages after them */
static int open_legacy(gt_pth *p, gt_pth_pickle *pk, gt_pth_val **obj) {
    size_t pos = 0, used;
    gt_pth_val *v;
    if (gt_pth_pickle_run(pk, p->buf, p->len, 0, &used, &v)) return GT_ERR;
    if (v->kind != GT_PV_BIGINT || v->len != sizeof MAGIC || memcmp(v->s, MAGIC, sizeof MAGIC))
        return gt_error_set("%s: a pickle, but not a file of torch.save (no magic number)", p->label);
    pos += used;
    if (gt_pth_pickle_run(pk, p->buf + pos, p->len - pos, pos, &used, &v)) return GT_ERR;
    if (v->kind != GT_PV_INT || v->ival != PROTOCOL_VERSION)
        return gt_error_set("%s: torch.save protocol version %lld, expected %d; the file is corrupt",
                            p->label, v->kind == GT_PV_INT ? (long long)v->ival : -1LL,
                            PROTOCOL_VERSION);
    pos += used;
    if (gt_pth_pickle_run(pk, p->buf + pos, p->len - pos, pos, &used, &v)) return GT_ERR;
    if (v->kind != GT_PV_DICT)
        return gt_error_set("%s: the system-information pickle is a %s, not a dict; the file is "
                            "corrupt",
                            p->label, gt_pth_kind_name(v->kind));
    for (size_t i = 0; i < v->len; i++)
        if (gt_pth_is_str(v->items[2 * i], "little_endian") &&
            !(v->items[2 * i + 1]->kind == GT_PV_BOOL && v->items[2 * i + 1]->ival))
            return gt_error_set("%s: written on a big-endian machine; gantrain reads little-endian "
                                "files",
                                p->label);
    pos += used;
    if (gt_pth_pickle_run(pk, p->buf + pos, p->len - pos, pos, &used, obj)) return GT_ERR;
    pos += used;
    if (gt_pth_pickle_run(pk, p->buf + pos, p->len - pos, pos, &used, &v)) return GT_ERR;
    if (v->kind != GT_PV_LIST)
        return gt_error_set("%s: the storage-key pickle is a %s, not a list; the file is corrupt",
                            p->label, gt_pth_kind_name(v->kind));
    pos += used;
    for (size_t k = 0; k < v->len; k++) {
        const gt_pth_val *key = v->items[k];
        int s = -1;
        for (int i = 0; key->kind == GT_PV_STR && i < p->n_st && s < 0; i++)
            if (strlen(p->st[i].key) == key->len && !memcmp(p->st[i].key, key->s, key->len)) s = i;
        if (s < 0 || p->st[s].data) {
            char shown[MAX_KEY + 16] = "?";
            if (key->kind == GT_PV_STR) gt_pth_show(shown, sizeof shown, key->s, key->len);
            return gt_error_set("%s: storage list entry %zu ('%s') is %s; the file is corrupt",
                                p->label, k, shown, s < 0 ? "no storage of any tensor" : "listed twice");
        }
        storage *S = &p->st[s];
        if (p->len - pos < 8)
            return gt_error_set("%s: truncated: storage '%s' (byte %zu) is missing; the file is "
                                "incomplete, download or save it again",
                                p->label, S->key, pos);
        uint64_t count = le64(p->buf + pos);
        if (count != (uint64_t)S->numel)
            return gt_error_set("%s: storage '%s' at byte %zu holds %llu elements, its tensors "
                                "declare %lld; the file is corrupt",
                                p->label, S->key, pos, (unsigned long long)count, (long long)S->numel);
        pos += 8;
        uint64_t need = count * (uint64_t)dtypes[S->dtype].size; /* numel was checked against len */
        if (p->len - pos < need)
            return gt_error_set("%s: truncated: storage '%s' needs %llu bytes at byte %zu, the file "
                                "ends at %zu; the file is incomplete, download or save it again",
                                p->label, S->key, (unsigned long long)need, pos, p->len);
        S->data = p->buf + pos;
        pos += need;
    }
    for (int s = 0; s < p->n_st; s++)
        if (!p->st[s].data)
            return gt_error_set("%s: storage '%s' is not in the file's storage list; the file is "
                                "corrupt",
                                p->label, p->st[s].key);
    if (pos != p->len)
        return gt_error_set("%s: %zu bytes after the last storage; the file is corrupt", p->label,
                            p->len - pos);
    return GT_OK;
}

static int decode(gt_pth *p) {
    const unsigned char *b = p->buf;
    gt_pth_hooks hooks = {p, persistent_load, rebuild_tensor};
    char label[1200];
    int rc;
    if (p->len >= 4 && !memcmp(b, "PK\x03\x04", 4)) {
        p->zip_format = 1;
        snprintf(label, sizeof label, "%s: data.pkl", p->label);
        gt_pth_pickle *pk = gt_pth_pickle_new(label, &hooks);
        rc = open_zip(p, pk);
        gt_pth_pickle_free(pk);
        return rc;
    }
    if (p->len >= 262 && !memcmp(b + 257, "ustar", 5))
        return gt_error_set("%s: the tar format of PyTorch before 0.4 is not supported; load and "
                            "save the state_dict again with a recent PyTorch",
                            p->label);
    if (p->len < 2 || b[0] != 0x80 || b[1] < 2 || b[1] > 5)
        return gt_error_set("%s: not a PyTorch weight file (neither the zip archive of torch.save "
                            "nor its legacy pickle stream)",
                            p->label);
    gt_pth_val *obj = NULL;
    gt_pth_pickle *pk = gt_pth_pickle_new(p->label, &hooks);
    rc = open_legacy(p, pk, &obj);
    if (!rc) rc = collect(p, obj);
    gt_pth_pickle_free(pk);
    return rc;
}

static int open_owned(unsigned char *buf, size_t len, const char *label, gt_pth **out) {
    gt_pth *p = gt_xcalloc(1, sizeof *p);
    p->label = gt_xstrdup(label);
    p->buf = buf;
    p->len = len;
    if (decode(p)) {
        gt_pth_close(p);
        *out = NULL;
        return GT_ERR;
    }
    *out = p;
    return GT_OK;
}

int gt_pth_open(const char *path, gt_pth **out) {
    char *data;
    size_t len;
    *out = NULL;
    if (gt_read_file(path, &data, &len)) return GT_ERR;
    return open_owned((unsigned char *)data, len, path, out);
}

int gt_pth_open_mem(const void *buf, size_t len, const char *label, gt_pth **out) {
    unsigned char *copy = gt_xmalloc(len ? len : 1);
    if (len) memcpy(copy, buf, len);
    return open_owned(copy, len, label, out);
}

/* ---- access ------------------------------------------------------------ */

const char *gt_pth_format(const gt_pth *p) { return p->zip_format ? "zip" : "legacy"; }

int gt_pth_count(const gt_pth *p) { return p->n; }

const gt_pth_tensor *gt_pth_tensor_at(const gt_pth *p, int i) {
    GT_ASSERTF(i >= 0 && i < p->n, "pth tensor %d of %d", i, p->n);
    return &p->e[i].pub;
}

int gt_pth_find(const gt_pth *p, const char *name) {
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->e[i].pub.name, name)) return i;
    return -1;
}

static int host_little_endian(void) {
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

int gt_pth_read_f32(const gt_pth *p, int i, float *dst) {
    GT_ASSERTF(i >= 0 && i < p->n, "pth tensor %d of %d", i, p->n);
    const entry *E = &p->e[i];
    const view *V = &p->v[E->view];
    const storage *S = &p->st[V->storage];
    if (S->dtype != GT_PTH_FLOAT32)
        return gt_error_set("%s: tensor '%s' has dtype %s (torch.%s), not float32", p->label,
                            E->pub.name, dtypes[S->dtype].name, dtypes[S->dtype].storage);
    if (V->numel == 0) return GT_OK;
    const unsigned char *base = S->data + (size_t)V->offset * 4;
    /* row-major strides: one copy */
    int64_t want = 1;
    int contiguous = 1;
    for (int d = V->ndim - 1; d >= 0; d--) {
        if (V->shape[d] != 1 && V->stride[d] != want) contiguous = 0; /* size-1 strides are 0 */
        want *= V->shape[d];
    }
    if (contiguous) {
        memcpy(dst, base, (size_t)V->numel * 4);
    } else {
        int64_t idx[GT_PTH_MAX_DIMS] = {0}, off = 0;
        for (int64_t k = 0; k < V->numel; k++) {
            memcpy(dst + k, base + (size_t)off * 4, 4);
            for (int d = V->ndim - 1; d >= 0; d--) { /* the next row-major index */
                off += V->stride[d];
                if (++idx[d] < V->shape[d]) break;
                off -= V->stride[d] * V->shape[d];
                idx[d] = 0;
            }
        }
    }
    if (!host_little_endian())
        for (int64_t k = 0; k < V->numel; k++) {
            unsigned char *q = (unsigned char *)(dst + k), t;
            t = q[0], q[0] = q[3], q[3] = t;
            t = q[1], q[1] = q[2], q[2] = t;
        }
    return GT_OK;
}
