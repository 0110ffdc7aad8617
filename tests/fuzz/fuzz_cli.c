/*
 * fuzz_cli.c - libFuzzer target for the tconv program's argument parsing and printing: the input, split
 * at NUL bytes, is the argument vector of `tconv shape`, `tconv overlap` or `tconv run` (the first byte
 * picks which). Every parse ends in a status 0, 1 or 2, never a crash, a leak or a hang; run's files
 * do not exist, so it stops at loading them, and whatever would write a file (--png, -o, --output, in
 * any getopt spelling) is dropped. Each command resets getopt itself, as it must: this calls them
 * millions of times in one process.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The commands' output goes to /dev/null; stderr only while a command runs, so libFuzzer's and the
   sanitizers' reports still reach the log (FUZZ_CLI_VERBOSE=1 keeps the commands' stderr too). */
static int devnull = -1, saved_stderr = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    devnull = open("/dev/null", O_WRONLY);
    if (devnull < 0 || dup2(devnull, STDOUT_FILENO) < 0) abort();
    if (!getenv("FUZZ_CLI_VERBOSE")) saved_stderr = dup(STDERR_FILENO);
    return 0;
}

/* An argument that would make a command write a file: --png and --output (also abbreviated or with
   =value: getopt_long takes any unambiguous prefix), and -o with its value attached or next. */
static bool writes_file(const char *s)
{
    if (!strncmp(s, "-o", 2)) return true;
    if (strncmp(s, "--", 2) || strlen(s) < 4) return false;
    const size_t len = strcspn(s + 2, "=");
    return !strncmp("png", s + 2, len < 3 ? len : 3) || (len >= 4 && !strncmp("output", s + 2, len));
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1 || size > 4096) return 0;
    static const char *const cmds[] = {"shape", "overlap", "run"};
    const char *cmd = cmds[data[0] % 3];
    const size_t n = size - 1;
    char *buf = malloc(n + 1);
    memcpy(buf, data + 1, n);
    buf[n] = '\0';
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)cmd;
    for (size_t i = 0; i < n && argc < 63;) {
        char *s = buf + i;
        i += strlen(s) + 1;
        if (writes_file(s)) { /* drop it, and its value when that is the next argument */
            const bool value_next = !strcmp(s, "-o") || (s[1] == '-' && !strchr(s, '='));
            if (value_next && i < n) i += strlen(buf + i) + 1;
            continue;
        }
        if (s[0] == '/' || strstr(s, "..")) s = "no-such-file.npy"; /* never /dev/zero and friends */
        argv[argc++] = s;
    }
    argv[argc] = NULL;
    if (saved_stderr >= 0) {
        fflush(stderr);
        dup2(devnull, STDERR_FILENO);
    }
    const int rc = !strcmp(cmd, "shape")     ? cmd_shape(argc, argv)
                   : !strcmp(cmd, "overlap") ? cmd_overlap(argc, argv)
                                             : cmd_run(argc, argv);
    if (saved_stderr >= 0) {
        fflush(stderr);
        dup2(saved_stderr, STDERR_FILENO);
    }
    free(buf);
    if (rc < 0 || rc > 2) abort();
    return 0;
}
