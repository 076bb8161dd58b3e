/*
 * Test tool for tests/integration/aws_fake.sh: runs weir's AWS code against
 * whatever AWS_ENDPOINT_URL points at (the fake).
 *
 *   aws_tool [--timeout-ms N] [--max-attempts N] secret REF [STAGE]
 *   aws_tool [...] whoami
 *
 * Prints the value (test data only) or the ARN on stdout; on failure the
 * status name and the three message parts on stderr, and exits with the
 * status number. Without options it calls exactly what the core calls:
 * weir_aws_secret_get and weir_aws_whoami.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aws/secrets.h"
#include "aws/session.h"
#include "util/status.h"

static int usage(void)
{
    fprintf(stderr, "usage: aws_tool [--timeout-ms N] [--max-attempts N] secret REF [STAGE] | "
                    "whoami\n");
    return 64;
}

int main(int argc, char **argv)
{
    struct weir_aws_http_options http;
    int custom = 0, i = 1;
    memset(&http, 0, sizeof(http));
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        char *e = NULL;
        long v = strtol(argv[i + 1], &e, 10);
        if (*e != '\0' || v <= 0) {
            return usage();
        }
        if (strcmp(argv[i], "--timeout-ms") == 0) {
            http.timeout_ms = v;
        } else if (strcmp(argv[i], "--max-attempts") == 0) {
            http.max_attempts = (int)v;
        } else {
            return usage();
        }
        custom = 1;
    }
    if (i >= argc) {
        return usage();
    }
    const char *cmd = argv[i];
    struct weir_error err;
    weir_error_clear(&err);
    struct weir_aws_session *s = NULL;
    struct weir_aws_session_options so = {NULL, NULL, &http};
    int rc;
    if (custom && (rc = weir_aws_session_new(&so, &s, &err)) != WEIR_OK) {
        goto fail;
    }
    if (strcmp(cmd, "secret") == 0 && i + 1 < argc) {
        const char *stage = i + 2 < argc ? argv[i + 2] : NULL;
        char *value = NULL;
        size_t len = 0;
        rc = custom ? weir_aws_secrets_get(s, argv[i + 1], stage, &value, &len, &err)
                    : weir_aws_secret_get(argv[i + 1], stage, &value, &len, &err);
        if (rc == WEIR_OK) {
            fwrite(value, 1, len, stdout);
            fputc('\n', stdout);
            OPENSSL_cleanse(value, len);
            free(value);
        }
    } else if (strcmp(cmd, "whoami") == 0) {
        char arn[512];
        rc = custom ? weir_aws_session_whoami(s, arn, sizeof(arn), &err)
                    : weir_aws_whoami(arn, sizeof(arn), &err);
        if (rc == WEIR_OK) {
            printf("%s\n", arn);
        }
    } else {
        weir_aws_session_free(s);
        return usage();
    }
fail:
    weir_aws_session_free(s);
    if (rc != WEIR_OK) {
        fprintf(stderr, "%s: %s\n", weir_status_name(rc), err.message);
        if (err.detail[0] != '\0') {
            fprintf(stderr, "detail: %s\n", err.detail);
        }
        if (err.hint[0] != '\0') {
            fprintf(stderr, "hint: %s\n", err.hint);
        }
    }
    return rc;
}
