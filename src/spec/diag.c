/*
 * Diagnostics for the spec validator: the dotted field path, messages with
 * positions, quoting of values, "did you mean" and the reference syntax.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "spec/table.h"

size_t spec_path_key(struct vctx *c, const char *key)
{
    size_t old = c->path_len;
    int n = snprintf(c->path + old, sizeof(c->path) - old, old == 0 ? "%s" : ".%s", key);
    size_t end = n < 0 ? old : old + (size_t)n;
    c->path_len = end >= sizeof(c->path) ? sizeof(c->path) - 1 : end;
    return old;
}

size_t spec_path_index(struct vctx *c, size_t i)
{
    size_t old = c->path_len;
    int n = snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", i);
    size_t end = n < 0 ? old : old + (size_t)n;
    c->path_len = end >= sizeof(c->path) ? sizeof(c->path) - 1 : end;
    return old;
}

void spec_path_set(struct vctx *c, size_t len)
{
    c->path_len = len;
    c->path[len] = '\0';
}

int spec_fail(struct vctx *c, struct weir_pos pos, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return weir_error_set(c->err, WEIR_ECONFIG, "%s:%d:%d: %s: %s", c->name, pos.line, pos.col,
                          c->path_len > 0 ? c->path : "(top level)", what);
}

int spec_oom(struct vctx *c)
{
    return weir_error_set(c->err, WEIR_ENOMEM, "%s: out of memory while reading the spec",
                          c->name);
}

#define QUOTE_MAX_CHARS 60

const char *spec_quote(char *buf, size_t cap, const char *text, size_t len)
{
    size_t o = 0, chars = 0;
    if (cap < 16) {
        if (cap > 0) {
            buf[0] = '\0';
        }
        return buf;
    }
    buf[o++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        char esc[8];
        size_t n;
        if ((ch & 0xC0) != 0x80 && ++chars > QUOTE_MAX_CHARS) {
            if (o + 5 <= cap) {
                memcpy(buf + o, "...", 3);
                o += 3;
            }
            break;
        }
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            n = 2;
        } else if (ch == '\n') {
            memcpy(esc, "\\n", 2);
            n = 2;
        } else if (ch == '\t') {
            memcpy(esc, "\\t", 2);
            n = 2;
        } else if (ch < 0x20 || ch == 0x7F) {
            n = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", ch);
        } else {
            esc[0] = (char)ch;
            n = 1;
        }
        /* keep room for `..."` and the NUL; never split a UTF-8 sequence */
        if (o + n + 5 > cap) {
            while (o > 1 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80) {
                o--;
            }
            if (o > 1 && ((unsigned char)buf[o - 1] & 0x80) != 0) {
                o--;
            }
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(buf + o, esc, n);
        o += n;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

/* ---- did you mean ---- */

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

#define DYM_MAX 48

/*
 * Edit distance counting a swap of neighbours as one edit (optimal string
 * alignment), case-insensitive; both strings at most DYM_MAX bytes.
 */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d[DYM_MAX + 1][DYM_MAX + 1];
    for (size_t i = 0; i <= la; i++) {
        d[i][0] = (unsigned char)i;
    }
    for (size_t j = 0; j <= lb; j++) {
        d[0][j] = (unsigned char)j;
    }
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int same = lower(a[i - 1]) == lower(b[j - 1]);
            unsigned best = d[i - 1][j - 1] + (same ? 0u : 1u);
            if (d[i - 1][j] + 1u < best) {
                best = d[i - 1][j] + 1u;
            }
            if (d[i][j - 1] + 1u < best) {
                best = d[i][j - 1] + 1u;
            }
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]) && d[i - 2][j - 2] + 1u < best) {
                best = d[i - 2][j - 2] + 1u;
            }
            d[i][j] = (unsigned char)best;
        }
    }
    return d[la][lb];
}

const char *spec_did_you_mean(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    size_t lw = strlen(word);
    if (lw == 0 || lw > DYM_MAX) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        size_t ln = strlen(names[i]);
        if (ln > DYM_MAX) {
            continue;
        }
        size_t d = distance(word, names[i]);
        /* a typo: up to 2 edits, and not more than a third of the longer word */
        size_t longer = lw > ln ? lw : ln;
        size_t limit = longer / 3 < 2 ? (longer >= 3 ? 1 : 0) : 2;
        if (d <= limit && d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}

/* ---- references ---- */

static int env_name_ok(const char *s, size_t n)
{
    if (n == 0 || (s[0] >= '0' && s[0] <= '9')) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!(ch == '_' || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9'))) {
            return 0;
        }
    }
    return 1;
}

/* Secrets Manager names use letters, digits and /_+=.@-; ARNs add ':'. */
static int secret_name_ok(const char *s, size_t n)
{
    if (n == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              strchr("/_+=.@-:", ch) != NULL)) {
            return 0;
        }
    }
    return 1;
}

int spec_check_refs(const char *s, size_t *off, char *why, size_t cap)
{
    const char *p = s;
    char q[96];
    while ((p = strstr(p, "${")) != NULL) {
        const char *body = p + 2;
        const char *close = strchr(body, '}');
        *off = (size_t)(p - s);
        if (close == NULL) {
            snprintf(why, cap, "unterminated reference %s",
                     spec_quote(q, sizeof(q), p, strlen(p)));
            return 1;
        }
        size_t ref_len = (size_t)(close - p) + 1;
        const char *colon = memchr(body, ':', (size_t)(close - body));
        if (colon == NULL) {
            snprintf(why, cap, "reference %s has no scheme", spec_quote(q, sizeof(q), p, ref_len));
            return 1;
        }
        size_t scheme_len = (size_t)(colon - body);
        const char *name = colon + 1;
        size_t name_len = (size_t)(close - name);
        int ok;
        if (scheme_len == 3 && memcmp(body, "env", 3) == 0) {
            ok = env_name_ok(name, name_len);
        } else if (scheme_len == 4 && memcmp(body, "file", 4) == 0) {
            ok = name_len > 0 && memchr(name, '$', name_len) == NULL;
        } else if (scheme_len == 6 && memcmp(body, "secret", 6) == 0) {
            const char *hash = memchr(name, '#', name_len);
            size_t id_len = hash != NULL ? (size_t)(hash - name) : name_len;
            ok = secret_name_ok(name, id_len) && (hash == NULL || hash + 1 < close);
        } else {
            char sq[48];
            snprintf(why, cap, "unknown reference scheme %s in %s",
                     spec_quote(sq, sizeof(sq), body, scheme_len),
                     spec_quote(q, sizeof(q), p, ref_len));
            return 1;
        }
        if (!ok) {
            snprintf(why, cap, "%s reference %s", name_len == 0 ? "empty" : "malformed",
                     spec_quote(q, sizeof(q), p, ref_len));
            return 1;
        }
        p = close + 1;
    }
    return 0;
}

struct weir_pos spec_scalar_pos(const struct spec_node *n, size_t off)
{
    struct weir_pos pos = n->pos;
    int shift = n->style == SPEC_STYLE_QUOTED ? 1 : 0;
    if (n->style == SPEC_STYLE_BLOCK || n->anchor != NULL || n->tag != NULL) {
        return pos;
    }
    /* Exact only while the raw text equals the value: no line folding or escapes before off. */
    for (size_t i = 0; i < off && i < n->len; i++) {
        unsigned char ch = (unsigned char)n->text[i];
        if (ch == '\n' || ch == '\\' || ch == '"' || ch == '\'' || ch < 0x20) {
            return n->pos;
        }
        if ((ch & 0xC0) != 0x80) {
            shift++;
        }
    }
    pos.col += shift;
    return pos;
}
