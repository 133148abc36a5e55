/*
 * The check macros both C tests of the emulator use: count every check, report each failure
 * with its place and the runtime's last message, and let main() turn the count into the exit code.
 * Each test is one translation unit, so the counters can live here.
 */
#ifndef XPU4J_CANN_EMU_CHECK_H
#define XPU4J_CANN_EMU_CHECK_H

#include <stdio.h>

#include "acl_abi.h"

static int g_failures, g_checks;

#define CHECK(cond, ...)                                                                                          \
    do {                                                                                                          \
        g_checks++;                                                                                               \
        if (!(cond)) {                                                                                            \
            g_failures++;                                                                                         \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                                  \
            fprintf(stderr, __VA_ARGS__);                                                                         \
            fprintf(stderr, "\n");                                                                                \
        }                                                                                                         \
    } while (0)

#define EXPECT_RC(expr, want)                                                                                     \
    do {                                                                                                          \
        int rc_ = (int)(expr);                                                                                    \
        const char *m_ = aclGetRecentErrMsg();                                                                    \
        CHECK(rc_ == (want), "%s returned %d, expected %d (last message: %s)", #expr, rc_, (int)(want),         \
              m_ ? m_ : "none");                                                                                  \
    } while (0)

#endif
