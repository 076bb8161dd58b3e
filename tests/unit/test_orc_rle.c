/* ORC encodings against the worked examples of the ORC v1 specification,
 * and each decoded back by the test reader. */
#include <stdlib.h>
#include <string.h>

#include "orc/orc_buf.h"
#include "orc/orc_column.h"
#include "orc/orc_pb.h"
#include "orc/orc_rle.h"
#include "orc/orc_stream.h"
#include "orc_reader.h"
#include "tap.h"

static struct weir_error err;

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__})
#define NBYTES(...) sizeof((const uint8_t[]){__VA_ARGS__})

static void check_bytes(const struct orc_ostream *s, const uint8_t *want, size_t n,
                        const char *name)
{
    bool ok = s->out.len == n && memcmp(s->out.data, want, n) == 0;
    TAP_OK(ok, "%s", name);
    if (!ok) {
        printf("#   got %zu bytes:", s->out.len);
        for (size_t i = 0; i < s->out.len && i < 40; i++) {
            printf(" %02x", s->out.data[i]);
        }
        printf("\n");
    }
}

static void rle2_case(const char *name, const int64_t *v, int n, bool sgn, int kind,
                      const uint8_t *want, size_t wn)
{
    struct orc_ostream s;
    struct orc_rle2 *e = malloc(sizeof(*e));
    char label[128];
    weir_orc_ostream_init(&s, NULL, 0);
    weir_orc_rle2_init(e, &s, sgn);
    TAP_EQ_INT(weir_orc_rle2_emit(e, v, n, kind, &err), WEIR_OK, name);
    snprintf(label, sizeof(label), "%s: bytes of the specification", name);
    check_bytes(&s, want, wn, label);
    int64_t back[600];
    long got = orc_decode_rle2(s.out.data, s.out.len, sgn, back, 600);
    snprintf(label, sizeof(label), "%s: decodes back", name);
    TAP_OK(got == n && memcmp(back, v, sizeof(int64_t) * (size_t)n) == 0, "%s", label);
    /* the automatic choice through add/flush */
    weir_orc_ostream_reset(&s);
    for (int i = 0; i < n; i++) {
        weir_orc_rle2_add(e, v[i], &err);
    }
    weir_orc_rle2_flush(e, &err);
    got = orc_decode_rle2(s.out.data, s.out.len, sgn, back, 600);
    snprintf(label, sizeof(label), "%s: automatic encoding decodes back (%zu bytes)", name,
             s.out.len);
    TAP_OK(got == n && memcmp(back, v, sizeof(int64_t) * (size_t)n) == 0, "%s", label);
    free(e);
    weir_orc_ostream_free(&s);
}

static void test_rle2(void)
{
    int64_t sr[] = {10000, 10000, 10000, 10000, 10000};
    rle2_case("short repeat [10000 x5]", sr, 5, false, ORC_RLE2_SHORT_REPEAT,
              BYTES(0x0a, 0x27, 0x10), 3);
    int64_t d[] = {23713, 43806, 57005, 48879};
    rle2_case("direct [23713, 43806, 57005, 48879]", d, 4, false, ORC_RLE2_DIRECT,
              BYTES(0x5e, 0x03, 0x5c, 0xa1, 0xab, 0x1e, 0xde, 0xad, 0xbe, 0xef), 10);
    int64_t pb[] = {2030, 2000, 2020, 1000000, 2040, 2050, 2060, 2070, 2080, 2090,
                    2100, 2110, 2120, 2130, 2140, 2150, 2160, 2170, 2180, 2190};
    const uint8_t pbw[] = {0x8e, 0x13, 0x2b, 0x21, 0x07, 0xd0, 0x1e, 0x00, 0x14, 0x70,
                           0x28, 0x32, 0x3c, 0x46, 0x50, 0x5a, 0x64, 0x6e, 0x78, 0x82,
                           0x8c, 0x96, 0xa0, 0xaa, 0xb4, 0xbe, 0xfc, 0xe8};
    rle2_case("patched base example", pb, 20, false, ORC_RLE2_PATCHED_BASE, pbw, sizeof(pbw));
    int64_t de[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29};
    rle2_case("delta [2,3,5,...,29]", de, 10, false, ORC_RLE2_DELTA,
              BYTES(0xc6, 0x09, 0x02, 0x02, 0x22, 0x42, 0x42, 0x46), 8);

    /* the automatic choice of the examples that stand alone */
    struct orc_ostream s;
    struct orc_rle2 *e = malloc(sizeof(*e));
    weir_orc_ostream_init(&s, NULL, 0);
    weir_orc_rle2_init(e, &s, false);
    weir_orc_rle2_emit(e, sr, 5, ORC_RLE2_AUTO, &err);
    check_bytes(&s, BYTES(0x0a, 0x27, 0x10), 3, "automatic: short repeat chosen");
    weir_orc_ostream_reset(&s);
    weir_orc_rle2_emit(e, d, 4, ORC_RLE2_AUTO, &err);
    check_bytes(&s, BYTES(0x5e, 0x03, 0x5c, 0xa1, 0xab, 0x1e, 0xde, 0xad, 0xbe, 0xef), 10,
                "automatic: direct chosen");
    weir_orc_ostream_reset(&s);
    weir_orc_rle2_emit(e, de, 10, ORC_RLE2_AUTO, &err);
    check_bytes(&s, BYTES(0xc6, 0x09, 0x02, 0x02, 0x22, 0x42, 0x42, 0x46), 8,
                "automatic: delta chosen");
    /* outliers among small values: patched base is the smallest */
    static const char pi[] = "3141592653589793238462643383279502884197169399375105820974944592";
    int64_t out[64];
    for (int i = 0; i < 64; i++) {
        out[i] = (pi[i] - '0') + (i == 10 || i == 40 ? 5000000000LL : 0);
    }
    weir_orc_ostream_reset(&s);
    weir_orc_rle2_emit(e, out, 64, ORC_RLE2_AUTO, &err);
    TAP_EQ_INT(s.out.data[0] >> 6, 2, "automatic: outliers use patched base");
    int64_t back[64];
    TAP_OK(orc_decode_rle2(s.out.data, s.out.len, false, back, 64) == 64 &&
               memcmp(back, out, sizeof(out)) == 0,
           "patched base with outliers decodes back");
    /* signed short repeat zigzags: -1 x 3 -> value 1 */
    weir_orc_rle2_init(e, &s, true);
    weir_orc_ostream_reset(&s);
    int64_t neg[] = {-1, -1, -1};
    weir_orc_rle2_emit(e, neg, 3, ORC_RLE2_AUTO, &err);
    check_bytes(&s, BYTES(0x00, 0x01), 2, "signed short repeat is zigzag encoded");
    /* a run too long for short repeat becomes a fixed delta of 0 */
    int64_t rep[100];
    for (int i = 0; i < 100; i++) {
        rep[i] = 7;
    }
    weir_orc_ostream_reset(&s);
    weir_orc_rle2_emit(e, rep, 100, ORC_RLE2_AUTO, &err);
    check_bytes(&s, BYTES(0xc0, 0x63, 0x0e, 0x00), 4, "100 x 7 signed: delta, width 0");
    TAP_EQ_INT(weir_orc_rle2_emit(e, d, 4, ORC_RLE2_SHORT_REPEAT, &err), WEIR_EDATA,
               "short repeat refuses unequal values");
    free(e);
    weir_orc_ostream_free(&s);
}

static void test_byte_bool(void)
{
    struct orc_ostream s;
    struct orc_brle b;
    weir_orc_ostream_init(&s, NULL, 0);
    weir_orc_brle_init(&b, &s);
    for (int i = 0; i < 100; i++) {
        weir_orc_brle_add(&b, 0, &err);
    }
    weir_orc_brle_flush(&b, &err);
    check_bytes(&s, BYTES(0x61, 0x00), 2, "byte RLE: a hundred 0s");
    weir_orc_ostream_reset(&s);
    weir_orc_brle_add(&b, 0x44, &err);
    weir_orc_brle_add(&b, 0x45, &err);
    weir_orc_brle_flush(&b, &err);
    check_bytes(&s, BYTES(0xfe, 0x44, 0x45), 3, "byte RLE: literals 0x44 0x45");
    uint8_t dec[4];
    TAP_OK(orc_decode_byte_rle(s.out.data, s.out.len, dec, 4) == 2 && dec[0] == 0x44 &&
               dec[1] == 0x45,
           "byte RLE literals decode back");

    struct orc_boolrle bl;
    weir_orc_ostream_reset(&s);
    weir_orc_boolrle_init(&bl, &s);
    weir_orc_boolrle_add(&bl, true, &err);
    for (int i = 0; i < 7; i++) {
        weir_orc_boolrle_add(&bl, false, &err);
    }
    weir_orc_boolrle_flush(&bl, &err);
    check_bytes(&s, BYTES(0xff, 0x80), 2, "boolean RLE: one true, seven false");
    uint8_t bits[8];
    TAP_OK(orc_decode_bool_rle(s.out.data, s.out.len, bits, 8) == 8 && bits[0] == 1 &&
               bits[1] == 0 && bits[7] == 0,
           "boolean RLE decodes back");
    weir_orc_ostream_free(&s);
}

static void test_varint(void)
{
    static const struct {
        uint64_t v;
        uint8_t b[3];
        size_t n;
    } t[] = {{0, {0x00}, 1},          {1, {0x01}, 1},          {127, {0x7f}, 1},
             {128, {0x80, 0x01}, 2},  {129, {0x81, 0x01}, 2},  {16383, {0xff, 0x7f}, 2},
             {16384, {0x80, 0x80, 0x01}, 3}, {16385, {0x81, 0x80, 0x01}, 3}};
    bool ok = true;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint8_t b[10];
        size_t n = weir_orc_varint_put(b, t[i].v);
        ok = ok && n == t[i].n && memcmp(b, t[i].b, n) == 0;
    }
    TAP_OK(ok, "base 128 varints of the specification's table");
    TAP_OK(orc_zigzag(0) == 0 && orc_zigzag(-1) == 1 && orc_zigzag(1) == 2 &&
               orc_zigzag(-2) == 3 && orc_zigzag(2) == 4 && orc_zigzag(INT64_MIN) == UINT64_MAX,
           "zigzag of the specification's table");
    struct orc_pb pb;
    weir_orc_pb_init(&pb, &err);
    weir_orc_pb_uint(&pb, 1, 150);
    weir_orc_pb_sint(&pb, 2, -2);
    weir_orc_pb_string(&pb, 8000, "ORC");
    const uint8_t want[] = {0x08, 0x96, 0x01, 0x10, 0x03, 0x82, 0xf4, 0x03, 0x03, 'O', 'R', 'C'};
    TAP_OK(pb.rc == WEIR_OK && pb.buf.len == sizeof(want) && memcmp(pb.buf.data, want, sizeof(want)) == 0,
           "protobuf fields: varint, sint (zigzag), string at field 8000");
    weir_orc_pb_free(&pb);
}

static void test_nanos(void)
{
    TAP_EQ_INT(weir_orc_format_nanos(1000), 0x0a, "timestamp nanos: 1000 -> 0x0a");
    TAP_EQ_INT(weir_orc_format_nanos(100000), 0x0c, "timestamp nanos: 100000 -> 0x0c");
    TAP_EQ_INT(weir_orc_format_nanos(0), 0, "timestamp nanos: 0 -> 0");
    TAP_EQ_INT(weir_orc_format_nanos(123456789), 123456789LL << 3, "no trailing zeros: shifted");
    TAP_EQ_INT(weir_orc_format_nanos(10), 10 << 3, "one trailing zero is kept");
    TAP_EQ_INT(weir_orc_format_nanos(100000000), (1 << 3) | 7, "eight zeros removed");
    TAP_EQ_INT(weir_orc_format_nanos(999999000), (999999 << 3) | 2, "microsecond precision");
}

static void test_chunks(void)
{
    uint8_t h[3];
    weir_orc_chunk_header(100000, false, h);
    TAP_OK(h[0] == 0x40 && h[1] == 0x0d && h[2] == 0x03,
           "chunk header: 100,000 compressed bytes -> 40 0d 03");
    weir_orc_chunk_header(5, true, h);
    TAP_OK(h[0] == 0x0b && h[1] == 0x00 && h[2] == 0x00,
           "chunk header: 5 bytes stored original -> 0b 00 00");
    int kinds[] = {ORC_COMP_ZLIB, ORC_COMP_SNAPPY, ORC_COMP_LZ4, ORC_COMP_ZSTD};
    const char *names[] = {"zlib", "snappy", "lz4", "zstd"};
    for (int k = 0; k < 4; k++) {
        struct orc_codec c;
        struct orc_ostream s;
        weir_orc_codec_init(&c, kinds[k], &err);
        weir_orc_ostream_init(&s, &c, 4096);
        weir_orc_ostream_write(&s, "ab\x01\xfe\x07", 5, &err);
        weir_orc_ostream_flush(&s, &err);
        char label[96];
        snprintf(label, sizeof(label), "%s: 5 incompressible bytes stored original", names[k]);
        check_bytes(&s, BYTES(0x0b, 0x00, 0x00, 'a', 'b', 0x01, 0xfe, 0x07), 8, label);
        /* 10 KiB of text in 4 KiB chunks: 3 compressed chunks, positions at chunk starts */
        weir_orc_ostream_reset(&s);
        uint64_t pos[8];
        int np = 0;
        for (int i = 0; i < 10240; i++) {
            if (i == 4096 || i == 5000) {
                weir_orc_ostream_position(&s, pos, &np);
            }
            uint8_t ch = (uint8_t)('a' + (i / 7) % 5);
            weir_orc_ostream_write(&s, &ch, 1, &err);
        }
        weir_orc_ostream_flush(&s, &err);
        uint8_t *out = NULL;
        int no = 0, nc = 0;
        long n = orc_decompress(kinds[k], s.out.data, s.out.len, &out, &no, &nc);
        bool same = n == 10240;
        for (long i = 0; same && i < n; i++) {
            same = out[i] == (uint8_t)('a' + (i / 7) % 5);
        }
        snprintf(label, sizeof(label), "%s: 3 compressed chunks decompress back", names[k]);
        TAP_OK(same && nc == 3 && no == 0, "%s", label);
        uint32_t h0 = s.out.data[0] | (uint32_t)s.out.data[1] << 8 | (uint32_t)s.out.data[2] << 16;
        snprintf(label, sizeof(label), "%s: positions are (chunk start, offset in chunk)", names[k]);
        TAP_OK(np == 4 && pos[0] == 3 + (h0 >> 1) && pos[1] == 0 && pos[2] == pos[0] &&
                   pos[3] == 5000 - 4096,
               "%s", label);
        free(out);
        weir_orc_ostream_free(&s);
        weir_orc_codec_free(&c);
    }
    int kind = -1;
    TAP_EQ_INT(weir_orc_codec_parse("gzip", &kind, &err), WEIR_OK, "gzip is accepted");
    TAP_EQ_INT(kind, ORC_COMP_ZLIB, "gzip maps to ORC's ZLIB");
    TAP_EQ_INT(weir_orc_codec_parse("brotli", &kind, &err), WEIR_ECONFIG, "brotli is refused");
}

int main(void)
{
    test_rle2();
    test_byte_bool();
    test_varint();
    test_nanos();
    test_chunks();
    return tap_done();
}
