/* cli_info.h — `gantrain info CKPT`: what a checkpoint holds (see ckpt.h). */
#ifndef GANTRAIN_CLI_INFO_H
#define GANTRAIN_CLI_INFO_H

/* argv[0] is "info"; exit status 0 (whole), 1 (unreadable or corrupt), 2 (usage). */
int gt_cmd_info(int argc, char **argv);

#endif
