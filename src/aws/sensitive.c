#include "aws/sensitive.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

int weir_aws_secret_set(struct weir_aws_secret *s, const char *v, size_t n)
{
    char *c = malloc(n + 1);
    if (c == NULL) {
        return -1;
    }
    memcpy(c, v, n);
    c[n] = '\0';
    weir_aws_secret_take(s, c, n);
    return 0;
}

void weir_aws_secret_take(struct weir_aws_secret *s, char *v, size_t n)
{
    weir_aws_secret_reset(s);
    s->value = v;
    s->len = n;
}

void weir_aws_secret_reset(struct weir_aws_secret *s)
{
    if (s->value != NULL) {
        OPENSSL_cleanse(s->value, s->len);
        free(s->value);
    }
    s->value = NULL;
    s->len = 0;
}

const char *weir_aws_secret_print(const struct weir_aws_secret *s)
{
    return s->value != NULL ? "***" : "";
}

void weir_aws_free_wiped(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}
