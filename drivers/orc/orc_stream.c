/* ORC writer: codecs and chunked output streams (ORC v1 "Compression"). */
#include "orc_stream.h"

#include <lz4.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

int weir_orc_codec_parse(const char *name, int *kind, struct weir_error *err)
{
    static const struct {
        const char *name;
        int kind;
    } map[] = {
        {"none", ORC_COMP_NONE},     {"uncompressed", ORC_COMP_NONE}, {"zlib", ORC_COMP_ZLIB},
        {"gzip", ORC_COMP_ZLIB},     {"snappy", ORC_COMP_SNAPPY},     {"lz4", ORC_COMP_LZ4},
        {"zstd", ORC_COMP_ZSTD},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(name, map[i].name) == 0) {
            *kind = map[i].kind;
            return WEIR_OK;
        }
    }
    weir_error_set(err, WEIR_ECONFIG, "orc: unknown compression \"%s\"", name);
    return weir_error_hint(err, "use one of none, gzip (zlib), snappy, zstd, lz4");
}

int weir_orc_codec_init(struct orc_codec *c, int kind, struct weir_error *err)
{
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    if (kind == ORC_COMP_ZLIB) {
        z_stream *zs = calloc(1, sizeof(*zs));
        if (zs == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "orc: out of memory for zlib");
        }
        /* ORC's ZLIB is raw deflate: no zlib header, no checksum (windowBits < 0). */
        if (deflateInit2(zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
            Z_OK) {
            free(zs);
            return weir_error_set(err, WEIR_ENOMEM, "orc: deflateInit2 failed");
        }
        c->zlib = zs;
    } else if (kind == ORC_COMP_ZSTD) {
        c->zstd = ZSTD_createCCtx();
        if (c->zstd == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "orc: ZSTD_createCCtx failed");
        }
    } else if (kind != ORC_COMP_NONE && kind != ORC_COMP_SNAPPY && kind != ORC_COMP_LZ4) {
        return weir_error_set(err, WEIR_EINTERNAL, "orc: compression kind %d not supported", kind);
    }
    return WEIR_OK;
}

void weir_orc_codec_free(struct orc_codec *c)
{
    if (c->zlib != NULL) {
        deflateEnd(c->zlib);
        free(c->zlib);
    }
    if (c->zstd != NULL) {
        ZSTD_freeCCtx(c->zstd);
    }
    weir_orc_buf_free(&c->scratch);
    memset(c, 0, sizeof(*c));
}

int weir_orc_codec_compress(struct orc_codec *c, const void *src, size_t n, bool *smaller,
                            struct weir_error *err)
{
    size_t bound = 0;
    switch (c->kind) {
    case ORC_COMP_ZLIB:
        bound = deflateBound(c->zlib, (uLong)n);
        break;
    case ORC_COMP_SNAPPY:
        bound = snappy_max_compressed_length(n);
        break;
    case ORC_COMP_LZ4:
        bound = (size_t)LZ4_compressBound((int)n);
        break;
    case ORC_COMP_ZSTD:
        bound = ZSTD_compressBound(n);
        break;
    default:
        return weir_error_set(err, WEIR_EINTERNAL, "orc: compress called without a codec");
    }
    c->scratch.len = 0;
    int rc = weir_orc_buf_reserve(&c->scratch, bound, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    size_t out = 0;
    switch (c->kind) {
    case ORC_COMP_ZLIB: {
        z_stream *zs = c->zlib;
        if (deflateReset(zs) != Z_OK) {
            return weir_error_set(err, WEIR_EINTERNAL, "orc: deflateReset failed");
        }
        zs->next_in = (Bytef *)(uintptr_t)src;
        zs->avail_in = (uInt)n;
        zs->next_out = c->scratch.data;
        zs->avail_out = (uInt)bound;
        if (deflate(zs, Z_FINISH) != Z_STREAM_END) {
            return weir_error_set(err, WEIR_EINTERNAL, "orc: deflate did not finish");
        }
        out = bound - zs->avail_out;
        break;
    }
    case ORC_COMP_SNAPPY: {
        size_t len = bound;
        if (snappy_compress(src, n, (char *)c->scratch.data, &len) != SNAPPY_OK) {
            return weir_error_set(err, WEIR_EINTERNAL, "orc: snappy_compress failed");
        }
        out = len;
        break;
    }
    case ORC_COMP_LZ4: {
        int len = LZ4_compress_default(src, (char *)c->scratch.data, (int)n, (int)bound);
        if (len <= 0) {
            return weir_error_set(err, WEIR_EINTERNAL, "orc: LZ4_compress_default failed");
        }
        out = (size_t)len;
        break;
    }
    default: {
        size_t len = ZSTD_compressCCtx(c->zstd, c->scratch.data, bound, src, n, 3);
        if (ZSTD_isError(len)) {
            return weir_error_set(err, WEIR_EINTERNAL, "orc: zstd: %s", ZSTD_getErrorName(len));
        }
        out = len;
        break;
    }
    }
    c->scratch.len = out;
    *smaller = out < n;
    return WEIR_OK;
}

void weir_orc_ostream_init(struct orc_ostream *s, struct orc_codec *codec, size_t block)
{
    s->codec = codec;
    s->block = block;
    weir_orc_buf_init(&s->out, 0);
    weir_orc_buf_init(&s->pend, 0);
}

void weir_orc_ostream_free(struct orc_ostream *s)
{
    weir_orc_buf_free(&s->out);
    weir_orc_buf_free(&s->pend);
}

void weir_orc_ostream_reset(struct orc_ostream *s)
{
    s->out.len = 0;
    s->pend.len = 0;
}

void weir_orc_chunk_header(size_t len, bool original, uint8_t out[3])
{
    uint32_t h = (uint32_t)(len << 1) | (original ? 1u : 0u);
    out[0] = (uint8_t)h;
    out[1] = (uint8_t)(h >> 8);
    out[2] = (uint8_t)(h >> 16);
}

static int put_chunk(struct orc_ostream *s, struct weir_error *err)
{
    bool smaller = false;
    int rc = weir_orc_codec_compress(s->codec, s->pend.data, s->pend.len, &smaller, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    const uint8_t *body = smaller ? s->codec->scratch.data : s->pend.data;
    size_t len = smaller ? s->codec->scratch.len : s->pend.len;
    uint8_t hdr[3];
    weir_orc_chunk_header(len, !smaller, hdr);
    rc = weir_orc_buf_append(&s->out, hdr, sizeof(hdr), err);
    if (rc == WEIR_OK) {
        rc = weir_orc_buf_append(&s->out, body, len, err);
    }
    s->pend.len = 0;
    return rc;
}

int weir_orc_ostream_write(struct orc_ostream *s, const void *p, size_t n, struct weir_error *err)
{
    if (!orc_ostream_compressed(s)) {
        return weir_orc_buf_append(&s->out, p, n, err);
    }
    const uint8_t *src = p;
    while (n > 0) {
        size_t room = s->block - s->pend.len;
        size_t k = n < room ? n : room;
        int rc = weir_orc_buf_append(&s->pend, src, k, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        src += k;
        n -= k;
        /* A full chunk is closed at once, so a position taken now is the
         * start of the next chunk with offset 0, as readers expect. */
        if (s->pend.len == s->block) {
            rc = put_chunk(s, err);
            if (rc != WEIR_OK) {
                return rc;
            }
        }
    }
    return WEIR_OK;
}

int weir_orc_ostream_flush(struct orc_ostream *s, struct weir_error *err)
{
    if (orc_ostream_compressed(s) && s->pend.len > 0) {
        return put_chunk(s, err);
    }
    return WEIR_OK;
}

void weir_orc_ostream_position(const struct orc_ostream *s, uint64_t *pos, int *n)
{
    pos[(*n)++] = s->out.len;
    if (orc_ostream_compressed(s)) {
        pos[(*n)++] = s->pend.len;
    }
}

int weir_orc_compress_section(struct orc_codec *codec, size_t block, const void *p, size_t n,
                              struct orc_buf *out, struct weir_error *err)
{
    struct orc_ostream s;
    weir_orc_ostream_init(&s, codec, block);
    int rc = weir_orc_ostream_write(&s, p, n, err);
    if (rc == WEIR_OK) {
        rc = weir_orc_ostream_flush(&s, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_orc_buf_append(out, s.out.data, s.out.len, err);
    }
    weir_orc_ostream_free(&s);
    return rc;
}
