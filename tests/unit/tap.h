/*
 * A minimal TAP producer for unit tests: one "ok N - name" line per check,
 * a plan at the end, exit status 1 when any check failed. scripts/test
 * counts these lines across every test program.
 */
#ifndef WEIR_TESTS_TAP_H
#define WEIR_TESTS_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_n_ = 0;
static int tap_failed_ = 0;

#define TAP_OK(cond, ...)                                                                          \
    do {                                                                                           \
        tap_n_++;                                                                                  \
        int tap_c_ = (cond) ? 1 : 0;                                                               \
        if (!tap_c_) {                                                                             \
            tap_failed_++;                                                                         \
        }                                                                                          \
        printf("%sok %d - ", tap_c_ ? "" : "not ", tap_n_);                                        \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        if (!tap_c_) {                                                                             \
            printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);                        \
        }                                                                                          \
    } while (0)

#define TAP_EQ_INT(got, want, name)                                                                \
    do {                                                                                           \
        long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);                           \
        TAP_OK(tap_g_ == tap_w_, "%s", name);                                                      \
        if (tap_g_ != tap_w_) {                                                                    \
            printf("#   got %lld, want %lld\n", tap_g_, tap_w_);                                   \
        }                                                                                          \
    } while (0)

#define TAP_EQ_STR(got, want, name)                                                                \
    do {                                                                                           \
        const char *tap_g_ = (got), *tap_w_ = (want);                                              \
        int tap_e_ = tap_g_ != NULL && tap_w_ != NULL && strcmp(tap_g_, tap_w_) == 0;              \
        TAP_OK(tap_e_, "%s", name);                                                                \
        if (!tap_e_) {                                                                             \
            printf("#   got  \"%s\"\n#   want \"%s\"\n", tap_g_ ? tap_g_ : "(null)",              \
                   tap_w_ ? tap_w_ : "(null)");                                                    \
        }                                                                                          \
    } while (0)

#define TAP_EQ_MEM(got, want, len, name)                                                           \
    TAP_OK(memcmp((got), (want), (len)) == 0, "%s", name)

#define TAP_SKIP(reason, ...)                                                                      \
    do {                                                                                           \
        tap_n_++;                                                                                  \
        printf("ok %d - ", tap_n_);                                                                \
        printf(__VA_ARGS__);                                                                       \
        printf(" # SKIP %s\n", reason);                                                            \
    } while (0)

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n_);
    return tap_failed_ ? 1 : 0;
}

#endif
