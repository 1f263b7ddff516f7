/* config.h — INI configs (parsed by inih) checked against one typed schema.
 *
 * Every key gantrain knows is declared once in src/io/config_schema.c with
 * its type, default, range or allowed values and a one-line doc.  A config
 * holds a value for every key and remembers where it came from (default,
 * preset, file:line, --set), so errors name the place and the resolved
 * config written into a run directory lists every key.
 *
 * Value precedence: --set > config file > preset > schema default.
 */
#ifndef GANTRAIN_CONFIG_H
#define GANTRAIN_CONFIG_H

#include <stdio.h>

typedef enum gt_cfg_type {
    GT_CFG_INT,
    GT_CFG_FLOAT,
    GT_CFG_BOOL,
    GT_CFG_STRING,
    GT_CFG_ENUM,
} gt_cfg_type;

typedef struct gt_cfg_key {
    const char *section, *name;
    gt_cfg_type type;
    const char *def;      /* default, as text */
    double min, max;      /* numeric range (inclusive) */
    const char *choices;  /* enum: "a|b|c" */
    const char *doc;
} gt_cfg_key;

/* The schema (src/io/config_schema.c). */
const gt_cfg_key *gt_cfg_schema(int *n);

typedef enum gt_cfg_origin { GT_ORIGIN_DEFAULT, GT_ORIGIN_PRESET, GT_ORIGIN_FILE, GT_ORIGIN_CLI } gt_cfg_origin;

typedef struct gt_config gt_config;

gt_config *gt_config_new(void); /* every key at its default */
void gt_config_free(gt_config *c);
gt_config *gt_config_clone(const gt_config *c);
/* Parses an INI file.  Errors (exit-code 2 kind) read "path:line: message". */
int gt_config_load(gt_config *c, const char *path);
/* Parses INI text (e.g. the config stored in a checkpoint); name labels errors. */
int gt_config_load_string(gt_config *c, const char *text, const char *name);
/* "section.key=value" from the command line. */
int gt_config_set_arg(gt_config *c, const char *assignment);
/* Sets a value with a given origin; origin_text such as "preset dcgan".
 * With GT_ORIGIN_PRESET the value only replaces a default. */
int gt_config_set(gt_config *c, const char *section, const char *key, const char *value,
                  gt_cfg_origin origin, const char *origin_text);

/* Typed getters: the key must exist in the schema (else abort: a bug). */
long gt_cfg_int(const gt_config *c, const char *section, const char *key);
double gt_cfg_float(const gt_config *c, const char *section, const char *key);
int gt_cfg_bool(const gt_config *c, const char *section, const char *key);
const char *gt_cfg_str(const gt_config *c, const char *section, const char *key);
gt_cfg_origin gt_cfg_origin_of(const gt_config *c, const char *section, const char *key);
/* "configs/x.ini:12", "--set", "preset dcgan" or "default": for messages. */
const char *gt_cfg_where(const gt_config *c, const char *section, const char *key);
/* The file the config was loaded from ("" if none). */
const char *gt_config_path(const gt_config *c);

/* The resolved config: every key, a comment with its doc and origin. */
char *gt_config_to_ini(const gt_config *c);
/* `gantrain config --list`: every key with type, default, allowed values, doc. */
void gt_config_print_schema(FILE *f);

/* A list value ("dog, airplane" or "128,256"): splits on commas, trims. Returns
 * the count; items are malloc'd in *items (free with gt_cfg_list_free). */
int gt_cfg_list(const char *value, char ***items);
void gt_cfg_list_free(char **items, int n);

#endif
