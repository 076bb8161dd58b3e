/* How Arrow schemas and weir's files are described to Glue; see glue.h. */
#include "aws/glue.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/arrow.h"


int weir_glue_hive_type(const char *f, const char *writer, bool uuid_text, char *out,
                        size_t cap)
{
    const char *t = NULL;
    (void)writer; /* the same Hive types for both writers today */
    if (f == NULL || f[0] == '\0') {
        return WEIR_ECONFIG;
    }
    if (f[1] == '\0') {
        switch (f[0]) {
        case 'l': t = "bigint"; break;
        case 'i': t = "int"; break;
        case 's': t = "smallint"; break;
        case 'c': t = "tinyint"; break;
        case 'C': t = "smallint"; break;
        case 'S': t = "int"; break;
        case 'I': t = "bigint"; break;
        case 'g': t = "double"; break;
        case 'f': t = "float"; break;
        case 'u': case 'U': t = "string"; break;
        case 'z': case 'Z': t = "binary"; break;
        case 'b': t = "boolean"; break;
        default: break;
        }
    } else if (strcmp(f, "tdD") == 0 || strcmp(f, "tdm") == 0) {
        t = "date";
    } else if (strncmp(f, "ts", 2) == 0 && f[2] != '\0' && f[3] == ':') {
        t = "timestamp";
    } else if (strncmp(f, "tt", 2) == 0 && f[2] != '\0' && f[3] == '\0') {
        t = "bigint";
    } else if (strcmp(f, "w:16") == 0) {
        t = uuid_text ? "string" : "binary";
    } else if (strncmp(f, "w:", 2) == 0) {
        t = "binary";
    } else if (strncmp(f, "d:", 2) == 0) {
        char *end;
        long p = strtol(f + 2, &end, 10);
        long s = 0;
        if (end == f + 2 || p < 1 || p > 38) {
            return WEIR_ECONFIG;
        }
        if (*end == ',') {
            const char *sp = end + 1;
            s = strtol(sp, &end, 10);
            if (end == sp || s < 0 || s > p) {
                return WEIR_ECONFIG;
            }
        }
        /* a bit width (d:P,S,128) is allowed; other content is not */
        if (*end != '\0' && *end != ',') {
            return WEIR_ECONFIG;
        }
        int n = snprintf(out, cap, "decimal(%ld,%ld)", p, s);
        return n > 0 && (size_t)n < cap ? WEIR_OK : WEIR_ECONFIG;
    }
    if (t == NULL) {
        return WEIR_ECONFIG;
    }
    int n = snprintf(out, cap, "%s", t);
    return n > 0 && (size_t)n < cap ? WEIR_OK : WEIR_ECONFIG;
}

json_t *weir_glue_column(const char *name, const char *type, const char *comment)
{
    json_t *c = json_pack("{s:s, s:s}", "Name", name, "Type", type);
    if (c != NULL && comment != NULL && comment[0] != '\0' &&
        json_object_set_new(c, "Comment", json_string(comment)) != 0) {
        json_decref(c);
        c = NULL;
    }
    return c;
}

static bool is_uuid(const struct ArrowSchema *c)
{
    int32_t vlen = 0;
    const char *v = c->metadata != NULL
                        ? weir_arrow_metadata_find(c->metadata, "ARROW:extension:name", &vlen)
                        : NULL;
    return v != NULL && vlen == 10 && memcmp(v, "arrow.uuid", 10) == 0;
}

json_t *weir_glue_columns(const struct ArrowSchema *schema, const char *writer,
                          const char *types_profile, struct weir_error *err)
{
    bool orc = writer != NULL && strcmp(writer, "orc") == 0;
    bool native = types_profile != NULL && strcmp(types_profile, "native") == 0;
    json_t *cols = json_array();
    if (cols == NULL) {
        weir_error_set(err, WEIR_ENOMEM, "out of memory");
        return NULL;
    }
    for (int64_t i = 0; i < schema->n_children; i++) {
        const struct ArrowSchema *c = schema->children[i];
        char type[80], comment[256] = "";
        /* A list is array<element type> (Hive's name for Parquet's LIST). */
        bool list = strcmp(c->format, "+l") == 0 && c->n_children == 1;
        const struct ArrowSchema *t = list ? c->children[0] : c;
        bool uuid_text = is_uuid(t) && (orc || !native);
        int rc = weir_glue_hive_type(t->format, writer, uuid_text, type, sizeof(type) - 8);
        if (rc == WEIR_OK && list) {
            char inner[72];
            memcpy(inner, type, sizeof(inner));
            snprintf(type, sizeof(type), "array<%s>", inner);
        }
        if (rc != WEIR_OK) {
            weir_error_set(err, WEIR_ECONFIG, "column %s: Arrow type %s has no Glue (Hive) type",
                           c->name, c->format);
            json_decref(cols);
            return NULL;
        }
        int32_t vlen = 0;
        const char *v = c->metadata != NULL
                            ? weir_arrow_metadata_find(c->metadata, "weir:source_type", &vlen)
                            : NULL;
        if (v != NULL && vlen > 0) {
            /* Glue's Comment is at most 255 characters */
            size_t n = (size_t)vlen < sizeof(comment) - 1 ? (size_t)vlen : sizeof(comment) - 1;
            memcpy(comment, v, n);
            comment[n] = '\0';
        }
        if (json_array_append_new(cols, weir_glue_column(c->name, type, comment)) != 0) {
            weir_error_set(err, WEIR_ENOMEM, "out of memory");
            json_decref(cols);
            return NULL;
        }
    }
    return cols;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

int weir_glue_unescape(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; in[i] != '\0'; i++) {
        char c = in[i];
        if (c == '%' && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
            c = (char)(hexval(in[i + 1]) * 16 + hexval(in[i + 2]));
            i += 2;
        }
        if (o + 1 >= cap) {
            return -1;
        }
        out[o++] = c;
    }
    if (cap == 0) {
        return -1;
    }
    out[o] = '\0';
    return 0;
}

json_t *weir_glue_partition_values(const char *folder)
{
    json_t *values = json_array();
    const char *p = folder;
    while (values != NULL && *p != '\0') {
        size_t len = strcspn(p, "/");
        const char *eq = memchr(p, '=', len);
        char raw[1024], val[1024];
        if (eq == NULL || eq == p || len - (size_t)(eq + 1 - p) >= sizeof(raw)) {
            json_decref(values);
            return NULL;
        }
        size_t vl = len - (size_t)(eq + 1 - p);
        memcpy(raw, eq + 1, vl);
        raw[vl] = '\0';
        if (weir_glue_unescape(raw, val, sizeof(val)) != 0 ||
            json_array_append_new(values, json_string(val)) != 0) {
            json_decref(values);
            return NULL;
        }
        p += len;
        if (*p == '/') {
            p++;
        }
    }
    if (values != NULL && json_array_size(values) == 0) {
        json_decref(values);
        values = NULL;
    }
    return values;
}

/* Lower case without spaces: Glue keeps types as written. */
static void norm(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (; *in != '\0' && o + 1 < cap; in++) {
        if (!isspace((unsigned char)*in)) {
            out[o++] = (char)tolower((unsigned char)*in);
        }
    }
    out[o] = '\0';
}

static int int_rank(const char *t)
{
    static const char *ranks[] = {"tinyint", "smallint", "int", "bigint"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(t, ranks[i]) == 0) {
            return i + 1;
        }
    }
    if (strcmp(t, "integer") == 0) {
        return 3;
    }
    return 0;
}

static int decimal_ps(const char *t, long *p, long *s)
{
    char *end;
    if (strncmp(t, "decimal(", 8) != 0) {
        return -1;
    }
    *p = strtol(t + 8, &end, 10);
    *s = 0;
    if (*end == ',') {
        *s = strtol(end + 1, &end, 10);
    }
    return *end == ')' && end[1] == '\0' ? 0 : -1;
}

int weir_glue_type_change(const char *old_type, const char *new_type)
{
    char a[128], b[128];
    long ap, as, bp, bs;
    norm(old_type, a, sizeof(a));
    norm(new_type, b, sizeof(b));
    if (strcmp(a, b) == 0) {
        return 0;
    }
    int ra = int_rank(a), rb = int_rank(b);
    if (ra > 0 && rb > 0) {
        return rb > ra ? 1 : (rb == ra ? 0 : -1);
    }
    if (strcmp(a, "float") == 0 && strcmp(b, "double") == 0) {
        return 1;
    }
    if (decimal_ps(a, &ap, &as) == 0 && decimal_ps(b, &bp, &bs) == 0) {
        if (as == bs && bp == ap) {
            return 0;
        }
        return as == bs && bp > ap ? 1 : -1;
    }
    return -1;
}

static const json_t *find_col(const json_t *cols, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(cols, i, c) {
        const char *n = json_string_value(json_object_get(c, "Name"));
        /* Glue lower-cases names; the files keep theirs */
        if (n != NULL && strcasecmp(n, name) == 0) {
            return c;
        }
    }
    return NULL;
}

int weir_glue_drift(const json_t *table_cols, const json_t *file_cols, json_t **merged,
                    struct weir_error *err)
{
    json_t *out = json_deep_copy(table_cols);
    int changed = 0;
    size_t i;
    json_t *fc;
    *merged = NULL;
    if (out == NULL) {
        out = json_array();
    }
    if (out == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    json_array_foreach(file_cols, i, fc) {
        const char *name = json_string_value(json_object_get(fc, "Name"));
        const char *type = json_string_value(json_object_get(fc, "Type"));
        if (name == NULL || type == NULL) {
            continue;
        }
        json_t *tc = (json_t *)find_col(out, name);
        if (tc == NULL) {
            json_array_append(out, fc);
            changed = 1;
            continue;
        }
        const char *old = json_string_value(json_object_get(tc, "Type"));
        int d = weir_glue_type_change(old != NULL ? old : "", type);
        if (d < 0) {
            /* old points into out: the message first */
            weir_error_set(err, WEIR_ECONFIG,
                           "column %s changed type from %s (in the Glue table) to %s (in the "
                           "new files), which existing readers cannot read together",
                           name, old != NULL ? old : "(none)", type);
            json_decref(out);
            return weir_error_hint(err, "cast the column back in the job's query or types:, "
                                        "or drop the table and reload in full");
        }
        if (d > 0) {
            json_object_set_new(tc, "Type", json_string(type));
            changed = 1;
        }
    }
    if (changed) {
        *merged = out;
    } else {
        json_decref(out);
    }
    return WEIR_OK;
}

json_t *weir_glue_table_input(const char *name, const char *location, const char *writer,
                              const char *compression, const json_t *columns,
                              const json_t *partition_keys, const char *job)
{
    int orc = writer != NULL && strcmp(writer, "orc") == 0;
    const char *serde = orc ? "org.apache.hadoop.hive.ql.io.orc.OrcSerde"
                            : "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
    const char *in = orc ? "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat"
                         : "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
    const char *outf = orc ? "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat"
                           : "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
    return json_pack("{s:s, s:s, s:O, s:{s:O, s:s, s:s, s:s, s:{s:s, s:{s:s}}, s:b},"
                     " s:{s:s, s:s, s:s, s:s}}",
                     "Name", name,
                     "TableType", "EXTERNAL_TABLE",
                     "PartitionKeys", partition_keys,
                     "StorageDescriptor",
                     "Columns", columns,
                     "Location", location,
                     "InputFormat", in,
                     "OutputFormat", outf,
                     "SerdeInfo", "SerializationLibrary", serde,
                     "Parameters", "serialization.format", "1",
                     "Compressed", compression != NULL && strcmp(compression, "none") != 0 &&
                                       strcmp(compression, "uncompressed") != 0,
                     "Parameters",
                     "classification", orc ? "orc" : "parquet",
                     "compressionType", compression != NULL ? compression : "none",
                     "EXTERNAL", "TRUE",
                     "weir.job", job);
}
