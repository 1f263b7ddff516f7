/* config.c — parsing (inih), validation against the schema, precedence of
 * sources, typed access, the resolved config text and the key listing. */
#include "gantrain/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"

typedef struct cfg_val {
    char *value;
    gt_cfg_origin origin;
    char *where;
    int line; /* file line when origin is FILE, for duplicate detection */
} cfg_val;

struct gt_config {
    const gt_cfg_key *schema;
    int n;
    cfg_val *v;
    char *path;
};

static void set_val(cfg_val *v, const char *value, gt_cfg_origin o, const char *where, int line) {
    free(v->value);
    free(v->where);
    v->value = gt_xstrdup(value);
    v->origin = o;
    v->where = gt_xstrdup(where);
    v->line = line;
}

gt_config *gt_config_new(void) {
    gt_config *c = gt_xcalloc(1, sizeof *c);
    c->schema = gt_cfg_schema(&c->n);
    c->v = gt_xcalloc((size_t)c->n, sizeof *c->v);
    for (int i = 0; i < c->n; i++) set_val(&c->v[i], c->schema[i].def, GT_ORIGIN_DEFAULT, "default", 0);
    c->path = gt_xstrdup("");
    return c;
}

void gt_config_free(gt_config *c) {
    if (!c) return;
    for (int i = 0; i < c->n; i++) {
        free(c->v[i].value);
        free(c->v[i].where);
    }
    free(c->v);
    free(c->path);
    free(c);
}

gt_config *gt_config_clone(const gt_config *src) {
    gt_config *c = gt_config_new();
    for (int i = 0; i < c->n; i++)
        set_val(&c->v[i], src->v[i].value, src->v[i].origin, src->v[i].where, src->v[i].line);
    free(c->path);
    c->path = gt_xstrdup(src->path);
    return c;
}

const char *gt_config_path(const gt_config *c) { return c->path; }

static int find(const gt_config *c, const char *section, const char *key) {
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->schema[i].section, section) && !strcmp(c->schema[i].name, key)) return i;
    return -1;
}

static int find_or_die(const gt_config *c, const char *section, const char *key) {
    int i = find(c, section, key);
    GT_ASSERTF(i >= 0, "config key %s.%s is not in the schema", section, key);
    return i;
}

/* ---- suggestions -------------------------------------------------------- */

static int edit_distance(const char *a, const char *b) {
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 63 || lb > 63) return 99;
    int d[64][64];
    for (int i = 0; i <= la; i++) d[i][0] = i;
    for (int j = 0; j <= lb; j++) d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int m = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < m) m = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < m) m = d[i - 1][j - 1] + cost;
            d[i][j] = m;
        }
    return d[la][lb];
}

/* Writes " (did you mean 'x'?)" into buf for the nearest known section.key. */
static void suggest_key(const gt_config *c, const char *section, const char *key, char *buf,
                        size_t n) {
    int best = -1, bd = 1 << 30;
    for (int i = 0; i < c->n; i++) {
        const gt_cfg_key *k = &c->schema[i];
        /* the same key name in another section is the likeliest mistake */
        int d = strcmp(k->name, key) == 0 ? 0 : edit_distance(k->name, key) * 2;
        d += strcmp(k->section, section) ? 1 : 0;
        if (d < bd) bd = d, best = i;
    }
    buf[0] = 0;
    if (best >= 0 && bd <= 2 * ((int)strlen(key) / 3 + 1) + 1)
        snprintf(buf, n, " (did you mean '%s.%s'?)", c->schema[best].section, c->schema[best].name);
}

static void suggest_section(const gt_config *c, const char *section, char *buf, size_t n) {
    const char *best = NULL;
    int bd = 1 << 30;
    for (int i = 0; i < c->n; i++) {
        int d = edit_distance(c->schema[i].section, section);
        if (d < bd) bd = d, best = c->schema[i].section;
    }
    buf[0] = 0;
    if (best && bd <= 3) snprintf(buf, n, " (did you mean [%s]?)", best);
}

/* ---- value validation --------------------------------------------------- */

static const char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
    return s;
}

static int parse_bool(const char *s, int *out) {
    static const char *t[] = {"true", "yes", "on", "1"}, *f[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(s, t[i])) return *out = 1, 1;
        if (!strcasecmp(s, f[i])) return *out = 0, 1;
    }
    return 0;
}

static int enum_has(const char *choices, const char *v) {
    size_t lv = strlen(v);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == lv && !strncmp(p, v, len)) return 1;
        if (!bar) break;
        p = bar + 1;
    }
    return 0;
}

/* Checks value against key; writes the complaint into msg. */
static int validate(const gt_cfg_key *k, const char *v, char *msg, size_t n) {
    char *end;
    const char *hint = strchr(v, '#') ? " (inline comments start with ';')" : "";
    switch (k->type) {
    case GT_CFG_INT: {
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (!*v || *end || errno) {
            /* allow integral values written as 1e6 */
            double d = strtod(v, &end);
            if (!*v || *end || !isfinite(d) || d != floor(d)) {
                snprintf(msg, n, "%s.%s: '%s' is not an integer%s", k->section, k->name, v, hint);
                return 0;
            }
            x = (long long)d;
        }
        if ((double)x < k->min || (double)x > k->max) {
            snprintf(msg, n, "%s.%s: %lld is out of range [%.15g, %.15g]", k->section, k->name, x,
                     k->min, k->max);
            return 0;
        }
        return 1;
    }
    case GT_CFG_FLOAT: {
        errno = 0;
        double x = strtod(v, &end);
        if (!*v || *end || errno == ERANGE || !isfinite(x)) {
            snprintf(msg, n, "%s.%s: '%s' is not a number%s", k->section, k->name, v, hint);
            return 0;
        }
        if (x < k->min || x > k->max) {
            snprintf(msg, n, "%s.%s: %g is out of range [%g, %g]", k->section, k->name, x, k->min,
                     k->max);
            return 0;
        }
        return 1;
    }
    case GT_CFG_BOOL: {
        int b;
        if (!parse_bool(v, &b)) {
            snprintf(msg, n, "%s.%s: '%s' is not true or false%s", k->section, k->name, v, hint);
            return 0;
        }
        return 1;
    }
    case GT_CFG_ENUM:
        if (!enum_has(k->choices, v)) {
            snprintf(msg, n, "%s.%s: '%s' is not one of %s%s", k->section, k->name, v, k->choices, hint);
            return 0;
        }
        return 1;
    case GT_CFG_STRING: return 1;
    }
    return 0;
}

int gt_config_set(gt_config *c, const char *section, const char *key, const char *value,
                  gt_cfg_origin origin, const char *origin_text) {
    int i = find(c, section, key);
    char msg[512], sug[160];
    if (i < 0) {
        int sec_known = 0;
        for (int j = 0; j < c->n; j++) sec_known |= !strcmp(c->schema[j].section, section);
        if (!sec_known) {
            suggest_section(c, section, sug, sizeof sug);
            return gt_error_setc(GT_ERR_USAGE, "%s: unknown section [%s]%s", origin_text, section, sug);
        }
        suggest_key(c, section, key, sug, sizeof sug);
        return gt_error_setc(GT_ERR_USAGE, "%s: unknown key '%s' in [%s]%s", origin_text, key, section, sug);
    }
    char *tmp = gt_xstrdup(value);
    const char *v = trim(tmp);
    if (!validate(&c->schema[i], v, msg, sizeof msg)) {
        free(tmp);
        return gt_error_setc(GT_ERR_USAGE, "%s: %s", origin_text, msg);
    }
    if (origin == GT_ORIGIN_PRESET && c->v[i].origin != GT_ORIGIN_DEFAULT) {
        free(tmp);
        return GT_OK; /* a preset never overrides what the user wrote */
    }
    set_val(&c->v[i], v, origin, origin_text, 0);
    free(tmp);
    return GT_OK;
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct parse_ctx {
    gt_config *c;
    const char *name;
    int line;       /* current line, counted by the reader */
    int rc;         /* first error */
    const char *text; /* for string input */
    size_t pos;
    FILE *f;
    int too_long;
    int too_many; /* stopped reading at MAX_LINES */
} parse_ctx;

/* A config is a few hundred lines; reading stops here so that /dev/zero or
 * an endless pipe given as a config ends in an error, not a hang. */
#define MAX_LINES 100000

/* inih's reader: one line per call; counting calls gives line numbers. */
static char *read_line(char *str, int num, void *stream) {
    parse_ctx *p = stream;
    char *r;
    if (p->line >= MAX_LINES) {
        p->too_many = 1;
        return NULL;
    }
    if (p->f) {
        r = fgets(str, num, p->f);
    } else {
        if (!p->text[p->pos]) return NULL;
        int k = 0;
        while (k < num - 1 && p->text[p->pos]) {
            char ch = p->text[p->pos++];
            str[k++] = ch;
            if (ch == '\n') break;
        }
        str[k] = 0;
        r = str;
    }
    if (!r) return NULL;
    size_t len = strlen(str);
    int at_eof = p->f ? feof(p->f) : !p->text[p->pos];
    if (len == (size_t)num - 1 && str[len - 1] != '\n' && !at_eof && !p->too_long) p->too_long = p->line + 1;
    p->line++;
    return r;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
    parse_ctx *p = user;
    if (p->rc) return 0;
    char where[600];
    snprintf(where, sizeof where, "%s:%d", p->name, p->line);
    if (!section[0]) {
        p->rc = gt_error_setc(GT_ERR_USAGE, "%s: '%s' is outside any [section]", where, name);
        return 0;
    }
    int i = find(p->c, section, name);
    if (i >= 0 && p->c->v[i].origin == GT_ORIGIN_FILE && p->c->v[i].line > 0) {
        p->rc = gt_error_setc(GT_ERR_USAGE, "%s: %s.%s is set twice (first at line %d)", where, section,
                              name, p->c->v[i].line);
        return 0;
    }
    if (gt_config_set(p->c, section, name, value, GT_ORIGIN_FILE, where)) {
        p->rc = GT_ERR_USAGE;
        return 0;
    }
    p->c->v[i].line = p->line;
    return 1;
}

static int finish_parse(parse_ctx *p, int r) {
    if (p->too_many)
        return gt_error_setc(GT_ERR_USAGE, "%s: more than %d lines; is it a config file?", p->name,
                             MAX_LINES);
    if (p->too_long)
        return gt_error_setc(GT_ERR_USAGE, "%s:%d: line too long (at most %d characters)", p->name,
                             p->too_long, INI_MAX_LINE - 2);
    if (p->rc) return p->rc;
    if (r > 0)
        return gt_error_setc(GT_ERR_USAGE, "%s:%d: syntax error: expected '[section]' or 'key = value'",
                             p->name, r);
    if (r < 0) return gt_error_set("%s: cannot read the config", p->name);
    return GT_OK;
}

int gt_config_load(gt_config *c, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return gt_error_setc(GT_ERR_USAGE, "%s: cannot open config: %s", path, strerror(errno));
    parse_ctx p = {.c = c, .name = path, .f = f};
    int r = ini_parse_stream(read_line, &p, handler, &p);
    fclose(f);
    free(c->path);
    c->path = gt_xstrdup(path);
    return finish_parse(&p, r);
}

int gt_config_load_string(gt_config *c, const char *text, const char *name) {
    parse_ctx p = {.c = c, .name = name, .text = text};
    int r = ini_parse_stream(read_line, &p, handler, &p);
    return finish_parse(&p, r);
}

int gt_config_set_arg(gt_config *c, const char *a) {
    const char *dot = strchr(a, '.'), *eq = strchr(a, '=');
    if (!dot || !eq || dot > eq || dot == a || eq == dot + 1)
        return gt_error_setc(GT_ERR_USAGE, "--set %s: expected section.key=value", a);
    char section[128], key[128];
    snprintf(section, sizeof section, "%.*s", (int)(dot - a), a);
    snprintf(key, sizeof key, "%.*s", (int)(eq - dot - 1), dot + 1);
    char where[300];
    snprintf(where, sizeof where, "--set %.*s", (int)(eq - a), a);
    return gt_config_set(c, trim(section), trim(key), eq + 1, GT_ORIGIN_CLI, where);
}

/* ---- typed access ------------------------------------------------------- */

static const char *val_typed(const gt_config *c, const char *s, const char *k, gt_cfg_type t) {
    int i = find_or_die(c, s, k);
    GT_ASSERTF(c->schema[i].type == t || (t == GT_CFG_STRING && c->schema[i].type == GT_CFG_ENUM),
               "config key %s.%s read with the wrong type", s, k);
    return c->v[i].value;
}

long gt_cfg_int(const gt_config *c, const char *s, const char *k) {
    const char *v = val_typed(c, s, k, GT_CFG_INT);
    char *end;
    long long x = strtoll(v, &end, 10);
    if (*end) x = (long long)strtod(v, NULL);
    return (long)x;
}

double gt_cfg_float(const gt_config *c, const char *s, const char *k) {
    return strtod(val_typed(c, s, k, GT_CFG_FLOAT), NULL);
}

int gt_cfg_bool(const gt_config *c, const char *s, const char *k) {
    int b = 0;
    parse_bool(val_typed(c, s, k, GT_CFG_BOOL), &b);
    return b;
}

const char *gt_cfg_str(const gt_config *c, const char *s, const char *k) {
    return val_typed(c, s, k, GT_CFG_STRING);
}

gt_cfg_origin gt_cfg_origin_of(const gt_config *c, const char *s, const char *k) {
    return c->v[find_or_die(c, s, k)].origin;
}

const char *gt_cfg_where(const gt_config *c, const char *s, const char *k) {
    return c->v[find_or_die(c, s, k)].where;
}

/* ---- output ------------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = b->cap * 2 + (size_t)(k > 0 ? k : 256) + 1;
        b->p = gt_xrealloc(b->p, b->cap);
    }
}

char *gt_config_to_ini(const gt_config *c) {
    sbuf b = {gt_xmalloc(4096), 0, 4096};
    b.p[0] = 0;
    sb_printf(&b, "# gantrain resolved config: every key, with where its value came from\n");
    const char *sec = "";
    for (int i = 0; i < c->n; i++) {
        const gt_cfg_key *k = &c->schema[i];
        if (strcmp(sec, k->section)) {
            sec = k->section;
            sb_printf(&b, "\n[%s]\n", sec);
        }
        /* comments wrapped well inside inih's line limit, so the text reloads */
        char comment[1024];
        snprintf(comment, sizeof comment, "%s (%s)", k->doc, c->v[i].where);
        const char *p = comment;
        while (*p) {
            int len = (int)strlen(p);
            if (len > 76) {
                len = 76;
                while (len > 20 && p[len] != ' ') len--;
            }
            sb_printf(&b, "# %.*s\n", len, p);
            p += len;
            while (*p == ' ') p++;
        }
        sb_printf(&b, "%s = %s\n", k->name, c->v[i].value);
    }
    return b.p;
}

static const char *type_name(gt_cfg_type t) {
    switch (t) {
    case GT_CFG_INT: return "int";
    case GT_CFG_FLOAT: return "float";
    case GT_CFG_BOOL: return "bool";
    case GT_CFG_STRING: return "string";
    default: return "enum";
    }
}

void gt_config_print_schema(FILE *f) {
    int n;
    const gt_cfg_key *s = gt_cfg_schema(&n);
    for (int i = 0; i < n; i++) {
        const gt_cfg_key *k = &s[i];
        char allowed[256] = "";
        if (k->type == GT_CFG_ENUM)
            snprintf(allowed, sizeof allowed, "  one of: %s", k->choices);
        else if (k->type == GT_CFG_INT || k->type == GT_CFG_FLOAT)
            snprintf(allowed, sizeof allowed, "  range: [%.6g, %.6g]", k->min, k->max);
        fprintf(f, "%s.%s  (%s, default '%s')%s\n    %s\n", k->section, k->name, type_name(k->type),
                k->def, allowed, k->doc);
    }
}

int gt_cfg_list(const char *value, char ***items) {
    int n = 0, cap = 8;
    char **out = gt_xmalloc((size_t)cap * sizeof *out);
    char *copy = gt_xstrdup(value), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const char *t = trim(tok);
        if (!*t) continue;
        if (n == cap) out = gt_xrealloc(out, (size_t)(cap *= 2) * sizeof *out);
        out[n++] = gt_xstrdup(t);
    }
    free(copy);
    *items = out;
    return n;
}

void gt_cfg_list_free(char **items, int n) {
    for (int i = 0; i < n; i++) free(items[i]);
    free(items);
}
