/* cli.h - the tconv program's commands (tconv.c: main and demo; commands.c: shape, run, overlap). */
#ifndef TCONV_CLI_H
#define TCONV_CLI_H

int cmd_demo(void);
int cmd_shape(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_overlap(int argc, char **argv);

/* "tconv: <message>\n(see 'tconv --help')" on stderr; returns 2 (a usage error). */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
