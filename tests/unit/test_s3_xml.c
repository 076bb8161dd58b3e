/* S3 pure helpers: CompleteMultipartUpload body, ListObjectsV2 and
 * ListMultipartUploads pages, error
 * bodies, key encoding, locations, part-size growth, Content-MD5. */
#include <stdlib.h>
#include <string.h>

#include "aws/parse.h"
#include "aws/s3.h"
#include "tap.h"

struct keys {
    char got[512];
    int n;
};

static int collect(void *ctx, const char *key, struct weir_error *err)
{
    struct keys *k = ctx;
    (void)err;
    size_t l = strlen(k->got);
    snprintf(k->got + l, sizeof(k->got) - l, "%s%s", k->n++ ? "|" : "", key);
    return WEIR_OK;
}

static int collect_upload(void *ctx, const char *key, const char *id, struct weir_error *err)
{
    struct keys *k = ctx;
    (void)err;
    size_t l = strlen(k->got);
    snprintf(k->got + l, sizeof(k->got) - l, "%s%s#%s", k->n++ ? "|" : "", key, id);
    return WEIR_OK;
}

static void test_uploads(void)
{
    struct weir_error err;
    weir_error_clear(&err);
    const char *p1 =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListMultipartUploadsResult "
        "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>b</Bucket><KeyMarker>"
        "</KeyMarker><UploadIdMarker></UploadIdMarker><NextKeyMarker>lake/x&amp;y.parquet"
        "</NextKeyMarker><NextUploadIdMarker>U2</NextUploadIdMarker><Prefix>lake/</Prefix>"
        "<MaxUploads>2</MaxUploads><IsTruncated>true</IsTruncated>"
        "<Upload><Key>lake/a.parquet</Key><UploadId>U1</UploadId><Initiator><ID>i</ID>"
        "</Initiator><StorageClass>STANDARD</StorageClass></Upload>"
        "<Upload><Key>lake/x&amp;y.parquet</Key><UploadId>U2</UploadId></Upload>"
        "</ListMultipartUploadsResult>";
    struct keys k = {"", 0};
    char nk[64], ni[16];
    TAP_OK(weir_s3_parse_uploads(p1, strlen(p1), collect_upload, &k, nk, sizeof(nk), ni, sizeof(ni),
                                 &err) == WEIR_OK,
           "uploads page 1 parsed");
    TAP_EQ_STR(k.got, "lake/a.parquet#U1|lake/x&y.parquet#U2",
               "uploads page 1: keys (entities decoded) and ids, in order");
    TAP_EQ_STR(nk, "lake/x&y.parquet", "next key marker");
    TAP_EQ_STR(ni, "U2", "next upload id marker");

    const char *p2 = "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>false"
                     "</IsTruncated></ListMultipartUploadsResult>";
    k.got[0] = '\0';
    k.n = 0;
    TAP_OK(weir_s3_parse_uploads(p2, strlen(p2), collect_upload, &k, nk, sizeof(nk), ni, sizeof(ni),
                                 &err) == WEIR_OK,
           "an empty last page parsed");
    TAP_OK(k.n == 0 && nk[0] == '\0' && ni[0] == '\0', "no uploads and no markers");

    /* a plain ListBucketResult (a peer that ignores ?uploads) lists no uploads */
    const char *objs = "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>lake/a"
                       "</Key></Contents></ListBucketResult>";
    TAP_OK(weir_s3_parse_uploads(objs, strlen(objs), collect_upload, &k, nk, sizeof(nk), ni,
                                 sizeof(ni), &err) == WEIR_OK &&
               k.n == 0,
           "an object listing holds no uploads");

    const char *nomark = "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
                         "</ListMultipartUploadsResult>";
    TAP_OK(weir_s3_parse_uploads(nomark, strlen(nomark), collect_upload, &k, nk, sizeof(nk), ni,
                                 sizeof(ni), &err) == WEIR_EUNAVAILABLE,
           "truncated page without NextKeyMarker refused");
    TAP_OK(strstr(err.message, "ListMultipartUploads") != NULL, "the error names the operation");
    const char *noid = "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
                       "<Upload><Key>lake/a</Key></Upload></ListMultipartUploadsResult>";
    TAP_OK(weir_s3_parse_uploads(noid, strlen(noid), collect_upload, &k, nk, sizeof(nk), ni,
                                 sizeof(ni), &err) == WEIR_EUNAVAILABLE,
           "an <Upload> without <UploadId> refused");
}

int main(void)
{
    struct weir_bytes b;
    struct weir_error err;
    memset(&err, 0, sizeof(err));

    weir_bytes_init(&b, 0);
    char *etags[] = {"\"a1\"", "\"b&2\""};
    TAP_OK(weir_s3_complete_xml(&b, etags, 2) == 0, "complete body built");
    TAP_EQ_STR(b.data,
               "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
               "<Part><PartNumber>1</PartNumber><ETag>&quot;a1&quot;</ETag></Part>"
               "<Part><PartNumber>2</PartNumber><ETag>&quot;b&amp;2&quot;</ETag></Part>"
               "</CompleteMultipartUpload>",
               "complete body: parts in order, ETags escaped");
    weir_bytes_reset(&b, 0);

    const char *page1 =
        "<?xml version=\"1.0\"?><ListBucketResult><Name>weir-test</Name><Prefix>lake/</Prefix>"
        "<KeyCount>2</KeyCount><IsTruncated>true</IsTruncated>"
        "<Contents><Key>lake/a=1/x.parquet</Key><Size>3</Size></Contents>"
        "<Contents><Key>lake/b&amp;c.orc</Key><Size>4</Size></Contents>"
        "<NextContinuationToken>tok/+=</NextContinuationToken></ListBucketResult>";
    struct keys k = {"", 0};
    char next[64];
    TAP_OK(weir_s3_parse_list(page1, strlen(page1), collect, &k, next, sizeof(next), &err) ==
               WEIR_OK,
           "page 1 parsed");
    TAP_EQ_STR(k.got, "lake/a=1/x.parquet|lake/b&c.orc", "page 1 keys, entities decoded");
    TAP_EQ_STR(next, "tok/+=", "continuation token");
    const char *page2 = "<ListBucketResult><IsTruncated>false</IsTruncated>"
                        "<Contents><Key>lake/z</Key></Contents></ListBucketResult>";
    k.got[0] = '\0';
    k.n = 0;
    TAP_OK(weir_s3_parse_list(page2, strlen(page2), collect, &k, next, sizeof(next), &err) ==
               WEIR_OK,
           "last page parsed");
    TAP_EQ_STR(k.got, "lake/z", "last page key");
    TAP_EQ_STR(next, "", "no token on the last page");
    const char *bad = "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>";
    TAP_OK(weir_s3_parse_list(bad, strlen(bad), collect, &k, next, sizeof(next), &err) ==
               WEIR_EUNAVAILABLE,
           "truncated page without a token refused");

    const char *ebody = "<?xml version=\"1.0\"?><Error><Code>PreconditionFailed</Code>"
                        "<Message>At least one of the pre-conditions did not hold</Message>"
                        "<RequestId>R1</RequestId></Error>";
    char code[64], msg[128], rid[32] = "";
    weir_aws_error_parse(ebody, strlen(ebody), NULL, code, sizeof(code), msg, sizeof(msg), rid,
                         sizeof(rid));
    TAP_EQ_STR(code, "PreconditionFailed", "error code");
    TAP_EQ_STR(rid, "R1", "error request id");

    struct weir_s3 s3;
    memset(&s3, 0, sizeof(s3));
    snprintf(s3.bucket, sizeof(s3.bucket), "weir-test");
    s3.path_style = 1;
    weir_bytes_init(&b, 0);
    weir_s3_key_path(&s3, "lake/ingest_date=2026-11-28/part 1+x~.parquet", &b);
    TAP_EQ_STR(b.data, "/weir-test/lake/ingest_date%3D2026-11-28/part%201%2Bx~.parquet",
               "path style key: '/' kept, '=' ' ' '+' encoded once");
    weir_bytes_reset(&b, 0);
    s3.path_style = 0;
    weir_s3_key_path(&s3, "a/b=c", &b);
    TAP_EQ_STR(b.data, "/a/b%3Dc", "virtual-host key path");
    weir_bytes_reset(&b, 0);

    char bucket[64], prefix[64];
    TAP_OK(weir_s3_parse_location("s3://weir-test/lake", bucket, sizeof(bucket), prefix,
                                  sizeof(prefix), &err) == WEIR_OK,
           "location parsed");
    TAP_EQ_STR(bucket, "weir-test", "bucket");
    TAP_EQ_STR(prefix, "lake/", "prefix gets its slash");
    TAP_OK(weir_s3_parse_location("s3://b", bucket, sizeof(bucket), prefix, sizeof(prefix), &err) ==
                   WEIR_OK &&
               strcmp(prefix, "") == 0,
           "bucket root: empty prefix");
    TAP_OK(weir_s3_parse_location("s3:///x", bucket, sizeof(bucket), prefix, sizeof(prefix),
                                  &err) == WEIR_ECONFIG,
           "no bucket refused");

    size_t mib8 = (size_t)8 << 20;
    TAP_OK(weir_s3_part_size(mib8, 1) == mib8 && weir_s3_part_size(mib8, 1000) == mib8,
           "parts 1..1000 at the base size");
    TAP_OK(weir_s3_part_size(mib8, 1001) == 2 * mib8, "part 1001 doubled");
    TAP_OK(weir_s3_part_size(mib8, 10000) == 512 * mib8, "part 10000 is 512 times the base");
    TAP_OK(weir_s3_part_size(mib8 * 4, 10000) == WEIR_S3_MAX_PART, "capped at 5 GiB");
    unsigned long long total = 0;
    for (int p = 1; p <= WEIR_S3_MAX_PARTS; p++) {
        total += weir_s3_part_size(mib8, p);
    }
    TAP_OK(total > 5ULL * 1000 * 1000 * 1000 * 1000, "10,000 parts of 8 MiB base hold > 5 TB");

    char md5[25];
    weir_s3_content_md5("", 0, md5);
    TAP_EQ_STR(md5, "1B2M2Y8AsgTpgAmY7PhCfg==", "Content-MD5 of empty");
    weir_s3_content_md5("hello", 5, md5);
    TAP_EQ_STR(md5, "XUFAKrxLKna5cZ2REBfFkg==", "Content-MD5 of hello");
    /* endpoints on AWS: virtual-host style, path style for dotted bucket names */
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_S3");
    setenv("AWS_REGION", "eu-central-1", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    struct weir_s3 *c = NULL;
    struct weir_error e;
    memset(&e, 0, sizeof(e));
    TAP_EQ_INT(weir_s3_open("lake-bucket", &c, &e), WEIR_OK, "open a plain bucket");
    if (c != NULL) {
        TAP_EQ_STR(c->endpoint, "https://lake-bucket.s3.eu-central-1.amazonaws.com",
                   "virtual-host style endpoint");
        TAP_EQ_INT(c->path_style, 0, "not path style");
        weir_s3_free(c);
    }
    c = NULL;
    TAP_EQ_INT(weir_s3_open("lake.example.com", &c, &e), WEIR_OK, "open a dotted bucket");
    if (c != NULL) {
        TAP_EQ_STR(c->endpoint, "https://s3.eu-central-1.amazonaws.com",
                   "dotted bucket: the regional endpoint (the certificate cannot match)");
        TAP_EQ_INT(c->path_style, 1, "dotted bucket: path style");
        weir_s3_free(c);
    }
    setenv("AWS_REGION", "cn-north-1", 1);
    c = NULL;
    TAP_EQ_INT(weir_s3_open("b1", &c, &e), WEIR_OK, "open in a China region");
    if (c != NULL) {
        TAP_EQ_STR(c->endpoint, "https://b1.s3.cn-north-1.amazonaws.com.cn", "the .cn domain");
        weir_s3_free(c);
    }
    test_uploads();
    return tap_done();
}
