/* plural.h - "1 row", "2 rows": the one helper every message with a count uses. */
#ifndef TCONV_CLI_PLURAL_H
#define TCONV_CLI_PLURAL_H

/* "" for 1, else "s" */
static inline const char *plural(long long n) { return n == 1 ? "" : "s"; }

#endif
