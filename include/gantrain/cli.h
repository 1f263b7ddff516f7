/* cli.h — the subcommand table, argument parsing helpers and exit codes. */
#ifndef GANTRAIN_CLI_H
#define GANTRAIN_CLI_H

#include <stdint.h>

#define GT_VERSION "0.1.0"

enum { GT_EXIT_OK = 0, GT_EXIT_FAIL = 1, GT_EXIT_USAGE = 2 };

typedef struct gt_command {
    const char *name;
    const char *usage;    /* after "gantrain NAME " */
    const char *summary;  /* one line */
    const char *help;     /* the option list shown by --help */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} gt_command;

const gt_command *gt_commands(int *n);
/* Prints "gantrain: msg" to stderr and returns code (for `return gt_cli_error(...)`). */
int gt_cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the usage line and help of a command. */
void gt_cli_print_help(const gt_command *cmd);

/* A minimal long-option scanner: --name VALUE, --name=VALUE and flags.
 * gt_args_next returns 1 with name and value set for each option, 0 at the
 * end; positional arguments are collected in order. */
typedef struct gt_args {
    int argc, i;
    char **argv;
    const char *pos[16];
    int n_pos;
} gt_args;
void gt_args_init(gt_args *a, int argc, char **argv);
/* Next option; value is NULL for a flag or when the option is the last word. */
int gt_args_next(gt_args *a, const char **name, const char **value, int takes_value);
int gt_parse_int(const char *s, long lo, long hi, long *out);
int gt_parse_float(const char *s, double lo, double hi, double *out);

/* The command implementations. */
int gt_cmd_version(int argc, char **argv);
int gt_cmd_config(int argc, char **argv);
int gt_cmd_bench(int argc, char **argv);
int gt_cmd_data(int argc, char **argv);
int gt_cmd_train(int argc, char **argv);
int gt_cmd_sample(int argc, char **argv);
int gt_cmd_eval(int argc, char **argv);
int gt_cmd_classifier(int argc, char **argv);
int gt_cmd_lockstep(int argc, char **argv);

#endif
