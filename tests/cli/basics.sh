# basics.sh — help, version, unknown commands, global options.
expect help 0 "usage: gantrain" -- "$G" --help
expect help_lists_commands 0 "eval +FID" -- "$G" --help
expect no_args 2 "usage: gantrain" -- "$G"
expect unknown_command 2 "unknown command 'frobnicate'" -- "$G" frobnicate
expect version 0 "^gantrain [0-9]+\.[0-9]+" -- "$G" version
expect version_blas 0 "blas core: " -- "$G" version
expect version_threads 0 "threads: 1 " -- "$G" --threads 1 version
expect threads_bad 2 "not a thread count" -- "$G" --threads zero version
expect threads_missing 2 "needs a number" -- "$G" version --threads
expect command_help 0 "usage: gantrain train CONFIG.ini" -- "$G" train --help
expect help_command 0 "usage: gantrain eval" -- "$G" help eval
expect help_unknown 2 "no command 'nope'" -- "$G" help nope
