#include "aws/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

static const char *find_mem(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (k == 0 || k > n) {
        return NULL;
    }
    for (size_t i = 0; i + k <= n; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

/* Appends the UTF-8 encoding of code point cp. */
static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decoding never grows the text: every entity is at least as long as the
 * UTF-8 it stands for. */
static char *decode_entities(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '&') {
            out[o++] = s[i];
            continue;
        }
        const char *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
        if (semi == NULL) {
            out[o++] = s[i];
            continue;
        }
        size_t el = (size_t)(semi - (s + i)) + 1;
        static const struct {
            const char *name;
            char c;
        } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        int done = 0;
        for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
            if (strlen(ents[k].name) == el && memcmp(s + i, ents[k].name, el) == 0) {
                out[o++] = ents[k].c;
                done = 1;
                break;
            }
        }
        if (!done && el > 3 && s[i + 1] == '#') {
            char num[12];
            int hex = s[i + 2] == 'x' || s[i + 2] == 'X';
            size_t start = hex ? 3 : 2;
            snprintf(num, sizeof(num), "%.*s", (int)(el - start - 1), s + i + start);
            char *e = NULL;
            unsigned long cp = strtoul(num, &e, hex ? 16 : 10);
            if (e != num && *e == '\0' && cp > 0 && cp <= 0x10ffff && el >= 4) {
                o += put_utf8(out + o, cp);
                done = 1;
            }
        }
        if (done) {
            i += el - 1;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

char *weir_aws_xml_text(const char *xml, size_t len, size_t from, const char *tag, size_t *end)
{
    char open[128], close[128];
    if (xml == NULL || from >= len || strlen(tag) > 100) {
        return NULL;
    }
    snprintf(open, sizeof(open), "<%s", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *p = xml + from, *lim = xml + len;
    for (;;) {
        const char *o = find_mem(p, (size_t)(lim - p), open);
        if (o == NULL) {
            return NULL;
        }
        const char *after = o + strlen(open);
        if (after >= lim) {
            return NULL;
        }
        if (*after != '>' && *after != ' ' && *after != '/' && *after != '\t' && *after != '\n') {
            p = after; /* <CodeX> is not <Code> */
            continue;
        }
        const char *gt = memchr(after, '>', (size_t)(lim - after));
        if (gt == NULL) {
            return NULL;
        }
        if (gt[-1] == '/') { /* <Tag/> */
            if (end != NULL) {
                *end = (size_t)(gt + 1 - xml);
            }
            return calloc(1, 1);
        }
        const char *c = find_mem(gt + 1, (size_t)(lim - gt - 1), close);
        if (c == NULL) {
            return NULL;
        }
        if (end != NULL) {
            *end = (size_t)(c + strlen(close) - xml);
        }
        return decode_entities(gt + 1, (size_t)(c - gt - 1));
    }
}

int weir_aws_xml_copy(const char *xml, size_t len, const char *tag, char *out, size_t cap)
{
    char *t = weir_aws_xml_text(xml, len, 0, tag, NULL);
    if (t == NULL) {
        return 0;
    }
    snprintf(out, cap, "%s", t);
    OPENSSL_cleanse(t, strlen(t));
    free(t);
    return 1;
}

int weir_aws_parse_time(const char *s, int64_t *t)
{
    if (s == NULL || *s == '\0') {
        return -1;
    }
    char *e = NULL;
    long long secs = strtoll(s, &e, 10);
    if (*e == '\0') {
        *t = secs;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (rest == NULL) {
        return -1;
    }
    if (*rest == '.') {
        rest++;
        while (*rest >= '0' && *rest <= '9') {
            rest++;
        }
    }
    long offset = 0;
    if (*rest == 'Z' || *rest == 'z') {
        rest++;
    } else if (*rest == '+' || *rest == '-') {
        int sign = *rest == '-' ? -1 : 1;
        int hh = 0, mm = 0;
        if (sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2) {
            return -1;
        }
        offset = sign * (hh * 3600L + mm * 60L);
        rest += 6;
    }
    if (*rest != '\0') {
        return -1;
    }
    *t = (int64_t)timegm(&tm) - offset;
    return 0;
}

static void copy_str(char *out, size_t cap, const char *s, size_t n)
{
    if (cap == 0) {
        return;
    }
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

/* "com.amazonaws.secretsmanager#ResourceNotFoundException" and
 * "ResourceNotFoundException:http://internal.amazon.com/..." both name the
 * code; only the part between '#' and ':' is it. */
static void set_code(char *code, size_t cap, const char *s)
{
    const char *h = strrchr(s, '#');
    if (h != NULL) {
        s = h + 1;
    }
    copy_str(code, cap, s, strcspn(s, ":"));
}

void weir_aws_error_parse(const char *body, size_t len, const char *error_type_header,
                          char *code, size_t code_cap, char *message, size_t message_cap,
                          char *request_id, size_t request_id_cap)
{
    code[0] = '\0';
    message[0] = '\0';
    if (error_type_header != NULL && error_type_header[0] != '\0') {
        set_code(code, code_cap, error_type_header);
    }
    if (body == NULL || len == 0) {
        return;
    }
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t')) {
        i++;
    }
    if (i < len && body[i] == '{') {
        json_error_t jerr;
        json_t *j = json_loadb(body, len, 0, &jerr);
        if (j == NULL) {
            return;
        }
        static const char *const code_keys[] = {"__type", "code", "Code"};
        static const char *const msg_keys[] = {"message", "Message", "errorMessage"};
        for (size_t k = 0; k < 3 && code[0] == '\0'; k++) {
            const char *v = json_string_value(json_object_get(j, code_keys[k]));
            if (v != NULL) {
                set_code(code, code_cap, v);
            }
        }
        for (size_t k = 0; k < 3 && message[0] == '\0'; k++) {
            const char *v = json_string_value(json_object_get(j, msg_keys[k]));
            if (v != NULL) {
                copy_str(message, message_cap, v, strlen(v));
            }
        }
        json_decref(j);
        return;
    }
    if (i < len && body[i] == '<') {
        if (code[0] == '\0') {
            weir_aws_xml_copy(body, len, "Code", code, code_cap);
        }
        weir_aws_xml_copy(body, len, "Message", message, message_cap);
        if (request_id != NULL && request_id_cap > 0 && request_id[0] == '\0') {
            weir_aws_xml_copy(body, len, "RequestId", request_id, request_id_cap);
        }
    }
}
