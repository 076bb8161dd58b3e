/* ORC writer: codecs and chunked output streams (ORC v1 "Compression"). */
#include "orc_stream.h"

#include <lz4.h>
#include <pthread.h>
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

/*
 * Deflate streams and zstd contexts are shared by every ORC writer of the
 * process: a partitioned run has a writer per partition (thousands), each
 * of which held its own (2,000 zstd contexts: gigabytes, outside the memory
 * budget), while only as many compress at once as there are threads. A
 * chunk takes one from its pool and gives it back.
 */
#define POOL_MAX 64
struct pool {
    void *item[POOL_MAX];
    int n;
};
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pool zlib_pool, zstd_pool;

/* A pooled context, or NULL when the pool is empty. */
static void *pool_take(struct pool *p)
{
    void *x = NULL;
    pthread_mutex_lock(&pool_mu);
    if (p->n > 0) {
        x = p->item[--p->n];
    }
    pthread_mutex_unlock(&pool_mu);
    return x;
}

/* Keeps x for the next chunk; false when the pool is full (the caller
 * frees it). */
static bool pool_give(struct pool *p, void *x)
{
    pthread_mutex_lock(&pool_mu);
    bool kept = p->n < POOL_MAX;
    if (kept) {
        p->item[p->n++] = x;
    }
    pthread_mutex_unlock(&pool_mu);
    return kept;
}

static z_stream *zlib_take(void)
{
    z_stream *zs = pool_take(&zlib_pool);
    if (zs != NULL) {
        return zs;
    }
    zs = calloc(1, sizeof(*zs));
    /* ORC's ZLIB is raw deflate: no zlib header, no checksum (windowBits < 0). */
    if (zs != NULL &&
        deflateInit2(zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(zs);
        zs = NULL;
    }
    return zs;
}

static void zlib_give(z_stream *zs)
{
    if (!pool_give(&zlib_pool, zs)) {
        deflateEnd(zs);
        free(zs);
    }
}

static ZSTD_CCtx *zstd_take(void)
{
    ZSTD_CCtx *z = pool_take(&zstd_pool);
    return z != NULL ? z : ZSTD_createCCtx();
}

static void zstd_give(ZSTD_CCtx *z)
{
    if (!pool_give(&zstd_pool, z)) {
        ZSTD_freeCCtx(z);
    }
}

/* The pools go with the plugin (dlclose, or the process's exit). */
__attribute__((destructor)) static void pools_free(void)
{
    pthread_mutex_lock(&pool_mu);
    for (int i = 0; i < zlib_pool.n; i++) {
        deflateEnd(zlib_pool.item[i]);
        free(zlib_pool.item[i]);
    }
    for (int i = 0; i < zstd_pool.n; i++) {
        ZSTD_freeCCtx(zstd_pool.item[i]);
    }
    zlib_pool.n = zstd_pool.n = 0;
    pthread_mutex_unlock(&pool_mu);
}

int weir_orc_codec_init(struct orc_codec *c, int kind, struct weir_error *err)
{
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    if (kind != ORC_COMP_NONE && kind != ORC_COMP_ZLIB && kind != ORC_COMP_SNAPPY &&
        kind != ORC_COMP_LZ4 && kind != ORC_COMP_ZSTD) {
        return weir_error_set(err, WEIR_EINTERNAL, "orc: compression kind %d not supported", kind);
    }
    return WEIR_OK;
}

void weir_orc_codec_free(struct orc_codec *c)
{
    memset(c, 0, sizeof(*c));
}

/* Compresses src[0..n) into dst[0..cap); *len the compressed size. */
static int compress_to(int kind, const void *src, size_t n, uint8_t *dst, size_t cap,
                       size_t *len, struct weir_error *err)
{
    switch (kind) {
    case ORC_COMP_ZLIB: {
        z_stream *zs = zlib_take();
        if (zs == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "orc: deflateInit2 failed");
        }
        int r = deflateReset(zs);
        zs->next_in = (Bytef *)(uintptr_t)src;
        zs->avail_in = (uInt)n;
        zs->next_out = dst;
        zs->avail_out = (uInt)cap;
        if (r == Z_OK) {
            r = deflate(zs, Z_FINISH);
        }
        *len = cap - zs->avail_out;
        zlib_give(zs);
        if (r != Z_STREAM_END) {
            return weir_error_set(err, WEIR_EINTERNAL, "orc: deflate did not finish");
        }
        return WEIR_OK;
    }
    case ORC_COMP_SNAPPY:
        *len = cap;
        if (snappy_compress(src, n, (char *)dst, len) != SNAPPY_OK) {
            return weir_error_set(err, WEIR_EINTERNAL, "orc: snappy_compress failed");
        }
        return WEIR_OK;
    case ORC_COMP_LZ4: {
        int r = LZ4_compress_default(src, (char *)dst, (int)n, (int)cap);
        if (r <= 0) {
            return weir_error_set(err, WEIR_EINTERNAL, "orc: LZ4_compress_default failed");
        }
        *len = (size_t)r;
        return WEIR_OK;
    }
    case ORC_COMP_ZSTD: {
        ZSTD_CCtx *z = zstd_take();
        if (z == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "orc: ZSTD_createCCtx failed");
        }
        size_t r = ZSTD_compressCCtx(z, dst, cap, src, n, 3);
        zstd_give(z);
        if (ZSTD_isError(r)) {
            return weir_error_set(err, WEIR_EINTERNAL, "orc: zstd: %s", ZSTD_getErrorName(r));
        }
        *len = r;
        return WEIR_OK;
    }
    default:
        return weir_error_set(err, WEIR_EINTERNAL, "orc: compress called without a codec");
    }
}

/* Room compress_to may need for n bytes. */
static size_t compress_bound(int kind, size_t n)
{
    switch (kind) {
    case ORC_COMP_ZLIB:
        /* zlib's bound with its 6-byte wrapper: above raw deflate's */
        return (size_t)compressBound((uLong)n);
    case ORC_COMP_SNAPPY:
        return snappy_max_compressed_length(n);
    case ORC_COMP_LZ4:
        return (size_t)LZ4_compressBound((int)n);
    case ORC_COMP_ZSTD:
        return ZSTD_compressBound(n);
    default:
        return n;
    }
}

int weir_orc_codec_chunk(struct orc_codec *c, const void *src, size_t n, struct orc_buf *out,
                         struct weir_error *err)
{
    size_t bound = compress_bound(c->kind, n);
    size_t at = out->len;
    int rc = weir_orc_buf_reserve(out, 3 + (bound > n ? bound : n), err);
    if (rc != WEIR_OK) {
        return rc;
    }
    size_t len = 0;
    rc = compress_to(c->kind, src, n, out->data + at + 3, bound, &len, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    bool original = len >= n;
    if (original) {
        memcpy(out->data + at + 3, src, n);
        len = n;
    }
    weir_orc_chunk_header(len, original, out->data + at);
    out->len = at + 3 + len;
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
    int rc = weir_orc_codec_chunk(s->codec, s->pend.data, s->pend.len, &s->out, err);
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
