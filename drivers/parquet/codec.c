/* Page compression; see codec.h. */
#include "parquet/codec.h"

#include <lz4.h>
#include <pthread.h>
#include <lz4hc.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

struct weir_pq_codec_ctx {
    int codec;
    int level;
    z_stream gz;
    bool gz_ready;
};

/*
 * zstd contexts are shared by every writer of the process: a context keeps
 * a workspace of a megabyte or more, and a partitioned run has a writer per
 * partition (thousands), of which only as many compress at once as there
 * are threads. A page takes one from the pool and gives it back.
 */
static pthread_mutex_t zpool_mu = PTHREAD_MUTEX_INITIALIZER;
static ZSTD_CCtx *zpool[64];
static int zpool_n;

static ZSTD_CCtx *zstd_take(void)
{
    ZSTD_CCtx *z = NULL;
    pthread_mutex_lock(&zpool_mu);
    if (zpool_n > 0) {
        z = zpool[--zpool_n];
    }
    pthread_mutex_unlock(&zpool_mu);
    return z != NULL ? z : ZSTD_createCCtx();
}

static void zstd_give(ZSTD_CCtx *z)
{
    pthread_mutex_lock(&zpool_mu);
    if (zpool_n < (int)(sizeof(zpool) / sizeof(zpool[0]))) {
        zpool[zpool_n++] = z;
        z = NULL;
    }
    pthread_mutex_unlock(&zpool_mu);
    ZSTD_freeCCtx(z);
}

int weir_pq_codec_from_name(const char *name)
{
    static const struct {
        const char *name;
        int codec;
    } names[] = {
        {"none", WEIR_PQ_CODEC_NONE}, {"uncompressed", WEIR_PQ_CODEC_NONE},
        {"snappy", WEIR_PQ_CODEC_SNAPPY}, {"gzip", WEIR_PQ_CODEC_GZIP},
        {"zstd", WEIR_PQ_CODEC_ZSTD}, {"lz4", WEIR_PQ_CODEC_LZ4_RAW},
        {"lz4_raw", WEIR_PQ_CODEC_LZ4_RAW},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (name != NULL && strcmp(name, names[i].name) == 0) {
            return names[i].codec;
        }
    }
    return -1;
}

int weir_pq_codec_new(int codec, int level, struct weir_pq_codec_ctx **ctx,
                      struct weir_error *err)
{
    struct weir_pq_codec_ctx *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory allocating a compressor");
    }
    c->codec = codec;
    c->level = level;
    switch (codec) {
    case WEIR_PQ_CODEC_NONE:
    case WEIR_PQ_CODEC_SNAPPY:
        break;
    case WEIR_PQ_CODEC_GZIP: {
        int lv = level == WEIR_PQ_LEVEL_DEFAULT ? Z_DEFAULT_COMPRESSION : level;
        if (lv != Z_DEFAULT_COMPRESSION && (lv < 0 || lv > 9)) {
            free(c);
            return weir_error_set(err, WEIR_ECONFIG, "compression_level %d is out of range for "
                                  "gzip (0..9)", level);
        }
        /* windowBits 15 + 16 asks zlib for the gzip wrapper (RFC 1952). */
        if (deflateInit2(&c->gz, lv, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            free(c);
            return weir_error_set(err, WEIR_ENOMEM, "cannot initialise the gzip compressor");
        }
        c->gz_ready = true;
        break;
    }
    case WEIR_PQ_CODEC_ZSTD:
        if (level != WEIR_PQ_LEVEL_DEFAULT &&
            (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel() || level == 0)) {
            free(c);
            return weir_error_set(err, WEIR_ECONFIG, "compression_level %d is out of range for "
                                  "zstd (%d..%d, not 0)", level, ZSTD_minCLevel(),
                                  ZSTD_maxCLevel());
        }
        break;
    case WEIR_PQ_CODEC_LZ4_RAW:
        if (level != WEIR_PQ_LEVEL_DEFAULT && (level < 1 || level > LZ4HC_CLEVEL_MAX)) {
            free(c);
            return weir_error_set(err, WEIR_ECONFIG, "compression_level %d is out of range for "
                                  "lz4 (1..%d)", level, LZ4HC_CLEVEL_MAX);
        }
        break;
    default:
        free(c);
        return weir_error_set(err, WEIR_ECONFIG, "unknown compression codec %d", codec);
    }
    *ctx = c;
    return WEIR_OK;
}

void weir_pq_codec_free(struct weir_pq_codec_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    if (ctx->gz_ready) {
        deflateEnd(&ctx->gz);
    }
    free(ctx);
}

int weir_pq_codec_id(const struct weir_pq_codec_ctx *ctx)
{
    return ctx->codec;
}

size_t weir_pq_compress_bound(struct weir_pq_codec_ctx *c, size_t len)
{
    switch (c->codec) {
    case WEIR_PQ_CODEC_SNAPPY:
        return snappy_max_compressed_length(len);
    case WEIR_PQ_CODEC_GZIP:
        /* After a finished stream zlib leaves out the gzip wrapper from the
         * bound until the stream is reset (as gzip() does first). */
        if (len > UINT32_MAX || deflateReset(&c->gz) != Z_OK) {
            return len;
        }
        return deflateBound(&c->gz, (uLong)len);
    case WEIR_PQ_CODEC_ZSTD:
        return ZSTD_compressBound(len);
    case WEIR_PQ_CODEC_LZ4_RAW:
        return len > LZ4_MAX_INPUT_SIZE ? len : (size_t)LZ4_compressBound((int)len);
    default:
        return len;
    }
}

static int gzip(struct weir_pq_codec_ctx *c, const uint8_t *in, size_t len,
                struct weir_pq_buf *out, struct weir_error *err)
{
    if (deflateReset(&c->gz) != Z_OK || len > UINT32_MAX) {
        return weir_error_set(err, WEIR_EINTERNAL, "gzip compressor reset failed");
    }
    size_t bound = deflateBound(&c->gz, (uLong)len);
    if (!weir_pq_buf_reserve(out, bound)) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory compressing a page");
    }
    c->gz.next_in = (Bytef *)(uintptr_t)in;
    c->gz.avail_in = (uInt)len;
    c->gz.next_out = out->data;
    c->gz.avail_out = (uInt)bound;
    if (deflate(&c->gz, Z_FINISH) != Z_STREAM_END) {
        return weir_error_set(err, WEIR_EINTERNAL, "gzip compression did not finish");
    }
    out->len = bound - c->gz.avail_out;
    return WEIR_OK;
}

int weir_pq_compress(struct weir_pq_codec_ctx *c, const uint8_t *in, size_t len,
                     struct weir_pq_buf *out, struct weir_error *err)
{
    weir_pq_buf_clear(out);
    switch (c->codec) {
    case WEIR_PQ_CODEC_NONE:
        weir_pq_buf_append(out, in, len);
        break;
    case WEIR_PQ_CODEC_SNAPPY: {
        size_t n = snappy_max_compressed_length(len);
        if (!weir_pq_buf_reserve(out, n)) {
            break;
        }
        if (snappy_compress((const char *)in, len, (char *)out->data, &n) != SNAPPY_OK) {
            return weir_error_set(err, WEIR_EINTERNAL, "snappy compression failed");
        }
        out->len = n;
        break;
    }
    case WEIR_PQ_CODEC_GZIP:
        return gzip(c, in, len, out, err);
    case WEIR_PQ_CODEC_ZSTD: {
        size_t n = ZSTD_compressBound(len);
        if (!weir_pq_buf_reserve(out, n)) {
            break;
        }
        int lv = c->level == WEIR_PQ_LEVEL_DEFAULT ? ZSTD_CLEVEL_DEFAULT : c->level;
        ZSTD_CCtx *z = zstd_take();
        if (z == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "cannot create the zstd compressor");
        }
        size_t r = ZSTD_compressCCtx(z, out->data, n, in, len, lv);
        zstd_give(z);
        if (ZSTD_isError(r)) {
            return weir_error_set(err, WEIR_EINTERNAL, "zstd compression failed: %s",
                                  ZSTD_getErrorName(r));
        }
        out->len = r;
        break;
    }
    case WEIR_PQ_CODEC_LZ4_RAW: {
        if (len > LZ4_MAX_INPUT_SIZE) {
            return weir_error_set(err, WEIR_EDATA, "page of %zu bytes is too large for lz4", len);
        }
        int n = LZ4_compressBound((int)len);
        if (!weir_pq_buf_reserve(out, (size_t)n)) {
            break;
        }
        int r;
        if (c->level != WEIR_PQ_LEVEL_DEFAULT && c->level > 1) {
            r = LZ4_compress_HC((const char *)in, (char *)out->data, (int)len, n, c->level);
        } else {
            r = LZ4_compress_default((const char *)in, (char *)out->data, (int)len, n);
        }
        if (r <= 0 && len > 0) {
            return weir_error_set(err, WEIR_EINTERNAL, "lz4 compression failed");
        }
        out->len = (size_t)(r > 0 ? r : 0);
        break;
    }
    default:
        return weir_error_set(err, WEIR_EINTERNAL, "unknown codec %d", c->codec);
    }
    if (out->failed) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory compressing a page of %zu bytes",
                              len);
    }
    return WEIR_OK;
}
