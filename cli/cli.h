/*
 * cli.h - the tconv program's commands, one file each (main.c dispatches to them). Each takes the
 * arguments after "tconv" (argv[0] is the command's name) and returns the exit status: 0, 1 (a call
 * or a file failed) or 2 (usage).
 */
#ifndef TCONV_CLI_H
#define TCONV_CLI_H

int cmd_demo(int argc, char **argv);
int cmd_shape(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_overlap(int argc, char **argv);

#endif
