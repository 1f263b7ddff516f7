/* pth_pickle.c — the restricted unpickler of pth.c: the opcodes of a
 * state_dict pickle and nothing else (see pth_pickle.h).
 *
 * The machine is Python's (Lib/pickle.py, _Unpickler): a value stack, a
 * stack of MARK positions (items below the top mark are out of reach until
 * the mark is popped), and a memo indexed by BINPUT/MEMOIZE.  Values are
 * heap nodes shared by reference, as Python objects are, so a memo GET of a
 * dict returns the same dict.  Nothing here recurses over values, so a
 * self-referencing container cannot make it loop.
 */
#include "pth_pickle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/pth.h"

/* A state_dict makes about fifteen values per tensor: a million is far
 * beyond any network's, and keeps a hostile file's cost (under 100 bytes a
 * value) bounded whatever its size. */
#define MAX_VALUES ((size_t)1 << 20)
#define BLOCK 1024

struct gt_pth_pickle {
    char *label;
    gt_pth_hooks hooks;
    gt_pth_val **blocks; /* every value made, BLOCK to a block */
    size_t n_all, n_blocks;
    /* the machine, reset by each run */
    gt_pth_val **stack;
    size_t sp, cap_stack;
    size_t *marks;
    size_t n_marks, cap_marks;
    gt_pth_val **memo;
    size_t memo_cap, memo_count; /* slots; entries set (MEMOIZE's next index) */
    /* where we are, for messages */
    size_t base, op_at;
    int op;
};

/* ---- opcode names ------------------------------------------------------ */

static const struct {
    unsigned char code;
    const char *name;
} op_names[] = {
    {'(', "MARK"},        {'.', "STOP"},          {'0', "POP"},
    {'1', "POP_MARK"},    {'2', "DUP"},           {'F', "FLOAT"},
    {'I', "INT"},         {'J', "BININT"},        {'K', "BININT1"},
    {'L', "LONG"},        {'M', "BININT2"},       {'N', "NONE"},
    {'P', "PERSID"},      {'Q', "BINPERSID"},     {'R', "REDUCE"},
    {'S', "STRING"},      {'T', "BINSTRING"},     {'U', "SHORT_BINSTRING"},
    {'V', "UNICODE"},     {'X', "BINUNICODE"},    {'a', "APPEND"},
    {'b', "BUILD"},       {'c', "GLOBAL"},        {'d', "DICT"},
    {'}', "EMPTY_DICT"},  {'e', "APPENDS"},       {'g', "GET"},
    {'h', "BINGET"},      {'i', "INST"},          {'j', "LONG_BINGET"},
    {'l', "LIST"},        {']', "EMPTY_LIST"},    {'o', "OBJ"},
    {'p', "PUT"},         {'q', "BINPUT"},        {'r', "LONG_BINPUT"},
    {'s', "SETITEM"},     {'t', "TUPLE"},         {')', "EMPTY_TUPLE"},
    {'u', "SETITEMS"},    {'G', "BINFLOAT"},      {0x80, "PROTO"},
    {0x81, "NEWOBJ"},     {0x82, "EXT1"},         {0x83, "EXT2"},
    {0x84, "EXT4"},       {0x85, "TUPLE1"},       {0x86, "TUPLE2"},
    {0x87, "TUPLE3"},     {0x88, "NEWTRUE"},      {0x89, "NEWFALSE"},
    {0x8a, "LONG1"},      {0x8b, "LONG4"},        {'B', "BINBYTES"},
    {'C', "SHORT_BINBYTES"}, {0x8c, "SHORT_BINUNICODE"}, {0x8d, "BINUNICODE8"},
    {0x8e, "BINBYTES8"},  {0x8f, "EMPTY_SET"},    {0x90, "ADDITEMS"},
    {0x91, "FROZENSET"},  {0x92, "NEWOBJ_EX"},    {0x93, "STACK_GLOBAL"},
    {0x94, "MEMOIZE"},    {0x95, "FRAME"},        {0x96, "BYTEARRAY8"},
    {0x97, "NEXT_BUFFER"}, {0x98, "READONLY_BUFFER"},
};

static const char *op_name(int code) {
    for (size_t i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
        if (op_names[i].code == code) return op_names[i].name;
    return NULL;
}

/* ---- values ------------------------------------------------------------ */

gt_pth_pickle *gt_pth_pickle_new(const char *label, const gt_pth_hooks *hooks) {
    gt_pth_pickle *pk = gt_xcalloc(1, sizeof *pk);
    pk->label = gt_xstrdup(label);
    pk->hooks = *hooks;
    return pk;
}

void gt_pth_pickle_free(gt_pth_pickle *pk) {
    if (!pk) return;
    for (size_t i = 0; i < pk->n_all; i++) free(pk->blocks[i / BLOCK][i % BLOCK].items);
    for (size_t b = 0; b < pk->n_blocks; b++) free(pk->blocks[b]);
    free(pk->blocks);
    free(pk->stack);
    free(pk->marks);
    free(pk->memo);
    free(pk->label);
    free(pk);
}

gt_pth_val *gt_pth_pickle_new_val(gt_pth_pickle *pk, gt_pth_kind kind) {
    GT_ASSERT(pk->n_all < MAX_VALUES); /* the loop stops 2 short of it */
    if (pk->n_all % BLOCK == 0) {
        pk->blocks = gt_xrealloc(pk->blocks, (pk->n_blocks + 1) * sizeof *pk->blocks);
        pk->blocks[pk->n_blocks++] = gt_xmalloc(BLOCK * sizeof **pk->blocks);
    }
    gt_pth_val *v = &pk->blocks[pk->n_all / BLOCK][pk->n_all % BLOCK];
    pk->n_all++;
    memset(v, 0, sizeof *v);
    v->kind = kind;
    return v;
}

static void reserve(gt_pth_val *c, size_t n) {
    if (n <= c->cap) return;
    c->cap = c->cap ? 2 * c->cap : 8;
    if (c->cap < n) c->cap = n;
    c->items = gt_xrealloc(c->items, c->cap * sizeof *c->items);
}

static void add_item(gt_pth_val *c, gt_pth_val *item) {
    reserve(c, c->len + 1);
    c->items[c->len++] = item;
}

/* a dict entry: duplicate keys are kept (the caller decides) */
static void add_pair(gt_pth_val *d, gt_pth_val *key, gt_pth_val *val) {
    reserve(d, 2 * d->len + 2);
    d->items[2 * d->len] = key;
    d->items[2 * d->len + 1] = val;
    d->len++;
}

const char *gt_pth_kind_name(gt_pth_kind k) {
    static const char *names[] = {"None", "bool", "int", "int", "float", "str", "tuple", "list",
                                  "dict", "global", "storage", "tensor"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

size_t gt_pth_pickle_offset(const gt_pth_pickle *pk) { return pk->base + pk->op_at; }

int gt_pth_is_str(const gt_pth_val *v, const char *s) {
    size_t n = strlen(s);
    return v && v->kind == GT_PV_STR && v->len == n && !memcmp(v->s, s, n);
}

/* ---- errors ------------------------------------------------------------ */

static int fail(gt_pth_pickle *pk, const char *what) {
    const char *nm = op_name(pk->op);
    return gt_error_set("%s: %s (opcode %s at byte %zu); the file is corrupt", pk->label, what,
                        nm ? nm : "?", pk->base + pk->op_at);
}

static int truncated(gt_pth_pickle *pk) {
    const char *nm = op_name(pk->op);
    return gt_error_set("%s: truncated: the pickle ends inside opcode %s at byte %zu; the file is "
                        "incomplete, download or save it again",
                        pk->label, nm ? nm : "?", pk->base + pk->op_at);
}

/* ---- the stack --------------------------------------------------------- */

static void push(gt_pth_pickle *pk, gt_pth_val *v) {
    if (pk->sp == pk->cap_stack) {
        pk->cap_stack = pk->cap_stack ? 2 * pk->cap_stack : 64;
        pk->stack = gt_xrealloc(pk->stack, pk->cap_stack * sizeof *pk->stack);
    }
    pk->stack[pk->sp++] = v;
}

/* the lowest stack slot within reach: just above the top mark */
static size_t bottom(const gt_pth_pickle *pk) { return pk->n_marks ? pk->marks[pk->n_marks - 1] : 0; }

static gt_pth_val *pop(gt_pth_pickle *pk) {
    if (pk->sp <= bottom(pk)) {
        fail(pk, "pickle stack underflow");
        return NULL;
    }
    return pk->stack[--pk->sp];
}

static gt_pth_val *top(gt_pth_pickle *pk) {
    if (pk->sp <= bottom(pk)) {
        fail(pk, "pickle stack underflow");
        return NULL;
    }
    return pk->stack[pk->sp - 1];
}

/* pops the top mark: *from = the first slot above it */
static int pop_mark(gt_pth_pickle *pk, size_t *from) {
    if (!pk->n_marks) return fail(pk, "no MARK on the pickle stack");
    *from = pk->marks[--pk->n_marks];
    return GT_OK;
}

static int memo_put(gt_pth_pickle *pk, uint64_t idx) {
    gt_pth_val *v = top(pk);
    if (!v) return GT_ERR;
    /* a pickler numbers its memo entries 0, 1, 2, ... as it writes values:
     * an index beyond the number of values made so far cannot come from
     * one (and would size the memo from a number in the file) */
    if (idx > pk->n_all) return fail(pk, "memo index beyond the values made so far");
    if (idx >= pk->memo_cap) {
        size_t n = (size_t)idx + 1 > 2 * pk->memo_cap ? (size_t)idx + 1 : 2 * pk->memo_cap;
        pk->memo = gt_xrealloc(pk->memo, n * sizeof *pk->memo);
        memset(pk->memo + pk->memo_cap, 0, (n - pk->memo_cap) * sizeof *pk->memo);
        pk->memo_cap = n;
    }
    if (!pk->memo[idx]) pk->memo_count++;
    pk->memo[idx] = v;
    return GT_OK;
}

static int memo_get(gt_pth_pickle *pk, uint64_t idx) {
    if (idx >= pk->memo_cap || !pk->memo[idx]) return fail(pk, "memo GET of an entry never PUT");
    push(pk, pk->memo[idx]);
    return GT_OK;
}

/* ---- globals ----------------------------------------------------------- */

static const struct {
    const char *name;
    gt_pth_dtype dtype;
} storage_types[] = {
    {"FloatStorage", GT_PTH_FLOAT32}, {"DoubleStorage", GT_PTH_FLOAT64},
    {"HalfStorage", GT_PTH_FLOAT16},  {"BFloat16Storage", GT_PTH_BFLOAT16},
    {"LongStorage", GT_PTH_INT64},    {"IntStorage", GT_PTH_INT32},
    {"ShortStorage", GT_PTH_INT16},   {"CharStorage", GT_PTH_INT8},
    {"ByteStorage", GT_PTH_UINT8},    {"BoolStorage", GT_PTH_BOOL},
};

static int eq(const unsigned char *s, size_t n, const char *lit) {
    return strlen(lit) == n && !memcmp(s, lit, n);
}

void gt_pth_show(char *dst, size_t cap, const unsigned char *s, size_t n) {
    size_t k = 0, i = 0;
    for (; i < n && k + 8 < cap; i++) {
        if (s[i] >= 32 && s[i] < 127)
            dst[k++] = (char)s[i];
        else
            k += (size_t)snprintf(dst + k, cap - k, "\\x%02x", s[i]);
    }
    if (i < n) k += (size_t)snprintf(dst + k, cap - k, "...");
    dst[k] = 0;
}

static int push_global(gt_pth_pickle *pk, const unsigned char *mod, size_t ml,
                       const unsigned char *name, size_t nl) {
    gt_pth_val *g = gt_pth_pickle_new_val(pk, GT_PV_GLOBAL);
    if (eq(mod, ml, "collections") && eq(name, nl, "OrderedDict")) {
        g->ival = GT_PG_ORDERED_DICT;
    } else if (eq(mod, ml, "torch._utils") && eq(name, nl, "_rebuild_tensor_v2")) {
        g->ival = GT_PG_REBUILD_TENSOR;
    } else if (eq(mod, ml, "torch._utils") && eq(name, nl, "_rebuild_parameter")) {
        g->ival = GT_PG_REBUILD_PARAM;
    } else {
        for (size_t i = 0; i < sizeof storage_types / sizeof storage_types[0]; i++)
            if (eq(mod, ml, "torch") && eq(name, nl, storage_types[i].name)) {
                g->ival = GT_PG_STORAGE;
                g->sub = (int)storage_types[i].dtype;
                push(pk, g);
                return GT_OK;
            }
        char m[96], n[96];
        gt_pth_show(m, sizeof m, mod, ml);
        gt_pth_show(n, sizeof n, name, nl);
        return gt_error_set("%s: pickle global '%s.%s' (byte %zu) is not supported: gantrain reads "
                            "plain state_dicts (tensors in a dict or OrderedDict), not pickled "
                            "Python objects; save model.state_dict()",
                            pk->label, m, n, pk->base + pk->op_at);
    }
    push(pk, g);
    return GT_OK;
}

/* REDUCE: f(*args) for the allowed globals */
static int reduce(gt_pth_pickle *pk) {
    gt_pth_val *args = pop(pk), *f = args ? pop(pk) : NULL;
    if (!f) return GT_ERR;
    if (args->kind != GT_PV_TUPLE) return fail(pk, "REDUCE arguments are not a tuple");
    if (f->kind != GT_PV_GLOBAL) return fail(pk, "REDUCE of a value that is not a callable");
    gt_pth_val *r = NULL;
    switch ((gt_pth_global)f->ival) {
    case GT_PG_ORDERED_DICT:
        if (args->len != 0) return fail(pk, "OrderedDict called with arguments");
        r = gt_pth_pickle_new_val(pk, GT_PV_DICT);
        break;
    case GT_PG_REBUILD_TENSOR:
        if (!(r = pk->hooks.rebuild_tensor(pk, pk->hooks.ud, args))) return GT_ERR;
        break;
    case GT_PG_REBUILD_PARAM:
        /* Parameter(data, requires_grad, backward_hooks): the data is the tensor */
        if (args->len != 3 || args->items[0]->kind != GT_PV_TENSOR)
            return fail(pk, "_rebuild_parameter without a tensor");
        r = args->items[0];
        break;
    case GT_PG_STORAGE:
        return fail(pk, "REDUCE of a storage type (storages come only from persistent ids)");
    }
    push(pk, r);
    return GT_OK;
}

/* ---- the loop ---------------------------------------------------------- */

static uint32_t rd32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static gt_pth_val *new_int(gt_pth_pickle *pk, int64_t v) {
    gt_pth_val *x = gt_pth_pickle_new_val(pk, GT_PV_INT);
    x->ival = v;
    return x;
}

static void push_str(gt_pth_pickle *pk, const unsigned char *s, size_t n) {
    gt_pth_val *x = gt_pth_pickle_new_val(pk, GT_PV_STR);
    x->s = s;
    x->len = n;
    push(pk, x);
}

/* items stack[from..sp) into a new tuple, popped */
static gt_pth_val *tuple_from(gt_pth_pickle *pk, size_t from) {
    gt_pth_val *t = gt_pth_pickle_new_val(pk, GT_PV_TUPLE);
    size_t n = pk->sp - from;
    if (n) {
        t->items = gt_xmalloc(n * sizeof *t->items);
        memcpy(t->items, pk->stack + from, n * sizeof *t->items);
        t->len = t->cap = n;
    }
    pk->sp = from;
    return t;
}

int gt_pth_pickle_run(gt_pth_pickle *pk, const unsigned char *buf, size_t len, size_t base,
                      size_t *used, gt_pth_val **out) {
    pk->sp = pk->n_marks = 0;
    free(pk->memo);
    pk->memo = NULL;
    pk->memo_cap = pk->memo_count = 0;
    pk->base = base;
    *out = NULL;
    size_t i = 0;
/* needs n more bytes after the opcode */
#define NEED(n)                                  \
    do {                                         \
        if ((n) > len - i) return truncated(pk); \
    } while (0)
    for (;;) {
        if (i >= len) {
            pk->op = -1;
            pk->op_at = i;
            return gt_error_set("%s: truncated: the pickle ends at byte %zu without its STOP "
                                "opcode; the file is incomplete, download or save it again",
                                pk->label, base + i);
        }
        pk->op_at = i;
        int op = pk->op = buf[i++];
        if (pk->n_all + 2 > MAX_VALUES) /* an opcode makes at most 2 (with a hook's) */
            return gt_error_set("%s: the pickle makes more than %zu values by byte %zu: not a state_dict "
                                "gantrain can read",
                                pk->label, MAX_VALUES - 2, base + pk->op_at);
        const unsigned char *a = buf + i;
        gt_pth_val *v, *k, *c;
        size_t from = 0;
        switch (op) {
        case 0x80: /* PROTO */
            NEED(1);
            if (a[0] < 2 || a[0] > 5) return fail(pk, "pickle protocol not 2 to 5");
            i += 1;
            break;
        case 0x95: /* FRAME: a length hint of protocol 4; the opcodes follow */
            NEED(8);
            i += 8;
            break;
        case '.': /* STOP */
            if (!(v = pop(pk))) return GT_ERR;
            *out = v;
            *used = i;
            return GT_OK;
        case '(':
            if (pk->n_marks == pk->cap_marks) {
                pk->cap_marks = pk->cap_marks ? 2 * pk->cap_marks : 16;
                pk->marks = gt_xrealloc(pk->marks, pk->cap_marks * sizeof *pk->marks);
            }
            pk->marks[pk->n_marks++] = pk->sp;
            break;
        case '0': /* POP: the top item, or the mark when nothing is above it */
            if (pk->sp > bottom(pk))
                pk->sp--;
            else if (pop_mark(pk, &from))
                return GT_ERR;
            break;
        case '1': /* POP_MARK */
            if (pop_mark(pk, &from)) return GT_ERR;
            pk->sp = from;
            break;
        case 'N':
            push(pk, gt_pth_pickle_new_val(pk, GT_PV_NONE));
            break;
        case 0x88: case 0x89: /* NEWTRUE, NEWFALSE */
            v = gt_pth_pickle_new_val(pk, GT_PV_BOOL);
            v->ival = op == 0x88;
            push(pk, v);
            break;
        case 'J': /* BININT: int32 */
            NEED(4);
            push(pk, new_int(pk, (int32_t)rd32(a)));
            i += 4;
            break;
        case 'K': /* BININT1 */
            NEED(1);
            push(pk, new_int(pk, a[0]));
            i += 1;
            break;
        case 'M': /* BININT2 */
            NEED(2);
            push(pk, new_int(pk, a[0] | a[1] << 8));
            i += 2;
            break;
        case 0x8a: { /* LONG1: n bytes, little-endian two's complement */
            NEED(1);
            size_t n = a[0];
            NEED(1 + n);
            if (n <= 8) {
                uint64_t u = 0;
                for (size_t b = 0; b < n; b++) u |= (uint64_t)a[1 + b] << (8 * b);
                if (n && n < 8 && (a[n] & 0x80)) u |= ~0ull << (8 * n); /* sign-extend */
                int64_t s;
                memcpy(&s, &u, sizeof s);
                push(pk, new_int(pk, s));
            } else {
                v = gt_pth_pickle_new_val(pk, GT_PV_BIGINT);
                v->s = a + 1;
                v->len = n;
                push(pk, v);
            }
            i += 1 + n;
            break;
        }
        case 'G': { /* BINFLOAT: big-endian IEEE double */
            NEED(8);
            uint64_t u = 0;
            for (int b = 0; b < 8; b++) u = u << 8 | a[b];
            v = gt_pth_pickle_new_val(pk, GT_PV_FLOAT);
            memcpy(&v->fval, &u, sizeof u);
            push(pk, v);
            i += 8;
            break;
        }
        case 'X': { /* BINUNICODE: uint32 length */
            NEED(4);
            uint32_t n = rd32(a);
            NEED(4 + (size_t)n);
            push_str(pk, a + 4, n);
            i += 4 + (size_t)n;
            break;
        }
        case 'T': { /* BINSTRING (Python 2 str): int32 length */
            NEED(4);
            int32_t n = (int32_t)rd32(a);
            if (n < 0) return fail(pk, "negative string length");
            NEED(4 + (size_t)n);
            push_str(pk, a + 4, (size_t)n);
            i += 4 + (size_t)n;
            break;
        }
        case 'U': case 0x8c: /* SHORT_BINSTRING, SHORT_BINUNICODE: 1-byte length */
            NEED(1);
            NEED(1 + (size_t)a[0]);
            push_str(pk, a + 1, a[0]);
            i += 1 + (size_t)a[0];
            break;
        case ')':
            push(pk, gt_pth_pickle_new_val(pk, GT_PV_TUPLE));
            break;
        case ']':
            push(pk, gt_pth_pickle_new_val(pk, GT_PV_LIST));
            break;
        case '}':
            push(pk, gt_pth_pickle_new_val(pk, GT_PV_DICT));
            break;
        case 't': /* TUPLE: the items above the mark */
            if (pop_mark(pk, &from)) return GT_ERR;
            push(pk, tuple_from(pk, from));
            break;
        case 0x85: case 0x86: case 0x87: { /* TUPLE1..3 */
            size_t n = (size_t)(op - 0x84);
            if (pk->sp < bottom(pk) + n) return fail(pk, "pickle stack underflow");
            push(pk, tuple_from(pk, pk->sp - n));
            break;
        }
        case 'a': /* APPEND */
            if (!(v = pop(pk)) || !(c = top(pk))) return GT_ERR;
            if (c->kind != GT_PV_LIST) return fail(pk, "APPEND to something that is not a list");
            add_item(c, v);
            break;
        case 'e': /* APPENDS: the items above the mark to the list below it */
            if (pop_mark(pk, &from)) return GT_ERR;
            if (from <= bottom(pk) || (c = pk->stack[from - 1])->kind != GT_PV_LIST)
                return fail(pk, "APPENDS to something that is not a list");
            for (size_t j = from; j < pk->sp; j++) add_item(c, pk->stack[j]);
            pk->sp = from;
            break;
        case 's': /* SETITEM */
            if (!(v = pop(pk)) || !(k = pop(pk)) || !(c = top(pk))) return GT_ERR;
            if (c->kind != GT_PV_DICT) return fail(pk, "SETITEM on something that is not a dict");
            add_pair(c, k, v);
            break;
        case 'u': /* SETITEMS */
            if (pop_mark(pk, &from)) return GT_ERR;
            if (from <= bottom(pk) || (c = pk->stack[from - 1])->kind != GT_PV_DICT)
                return fail(pk, "SETITEMS on something that is not a dict");
            if ((pk->sp - from) % 2) return fail(pk, "SETITEMS with an odd number of items");
            for (size_t j = from; j < pk->sp; j += 2) add_pair(c, pk->stack[j], pk->stack[j + 1]);
            pk->sp = from;
            break;
        case 'q': /* BINPUT */
            NEED(1);
            if (memo_put(pk, a[0])) return GT_ERR;
            i += 1;
            break;
        case 'r': /* LONG_BINPUT */
            NEED(4);
            if (memo_put(pk, rd32(a))) return GT_ERR;
            i += 4;
            break;
        case 0x94: /* MEMOIZE: the next free index */
            if (memo_put(pk, pk->memo_count)) return GT_ERR;
            break;
        case 'h': /* BINGET */
            NEED(1);
            if (memo_get(pk, a[0])) return GT_ERR;
            i += 1;
            break;
        case 'j': /* LONG_BINGET */
            NEED(4);
            if (memo_get(pk, rd32(a))) return GT_ERR;
            i += 4;
            break;
        case 'c': { /* GLOBAL: "module\nname\n" */
            const unsigned char *m = a, *e1 = memchr(m, '\n', len - i);
            if (!e1) return truncated(pk);
            const unsigned char *n = e1 + 1,
                                *e2 = memchr(n, '\n', len - (size_t)(n - buf));
            if (!e2) return truncated(pk);
            if (push_global(pk, m, (size_t)(e1 - m), n, (size_t)(e2 - n))) return GT_ERR;
            i = (size_t)(e2 + 1 - buf);
            break;
        }
        case 0x93: { /* STACK_GLOBAL: module and name strings from the stack */
            gt_pth_val *n = pop(pk), *m = n ? pop(pk) : NULL;
            if (!m) return GT_ERR;
            if (m->kind != GT_PV_STR || n->kind != GT_PV_STR)
                return fail(pk, "STACK_GLOBAL of values that are not strings");
            if (push_global(pk, m->s, m->len, n->s, n->len)) return GT_ERR;
            break;
        }
        case 'R':
            if (reduce(pk)) return GT_ERR;
            break;
        case 'b': /* BUILD: obj.__setstate__(state) */
            if (!(v = pop(pk)) || !(c = top(pk))) return GT_ERR;
            /* a state_dict's OrderedDict carries _metadata (module versions)
             * as an attribute: nothing gantrain needs */
            if (c->kind != GT_PV_DICT) return fail(pk, "BUILD on something that is not a dict");
            break;
        case 'Q': /* BINPERSID */
            if (!(v = pop(pk))) return GT_ERR;
            if (!(v = pk->hooks.persistent_load(pk, pk->hooks.ud, v))) return GT_ERR;
            push(pk, v);
            break;
        default: {
            const char *nm = op_name(op);
            char what[48];
            if (nm)
                snprintf(what, sizeof what, "%s", nm);
            else
                snprintf(what, sizeof what, "(no such opcode)");
            return gt_error_set("%s: pickle opcode %s (0x%02x) at byte %zu is not supported: "
                                "gantrain reads plain state_dicts (tensors in a dict or "
                                "OrderedDict), not pickled Python objects; save "
                                "model.state_dict() with torch.save",
                                pk->label, what, op, base + pk->op_at);
        }
        }
    }
#undef NEED
}
