/*
 * Drives the S3 sink and state store for tests/integration/s3_sink.sh.
 *   s3_tool put LOCATION PATH SIZE PART_SIZE [KMS]   writes SIZE pattern bytes
 *   s3_tool get BUCKET KEY                           object to stdout
 *   s3_tool list LOCATION PREFIX | rm LOCATION PATH
 *   s3_tool race LOCATION JOB                        two stores write; prints outcome
 *   s3_tool lock LOCATION JOB                        two locks; prints outcome
 *   s3_tool renew LOCATION JOB                       lease renewal and loss (run with
 *                                                    WEIR_LEASE_SECONDS=3); prints outcome
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "aws/s3.h"
#include "core/sink.h"
#include "core/state.h"

static int fail(const struct weir_error *e)
{
    fprintf(stderr, "error %d: %s (%s)\n", e->status, e->message, e->detail);
    return 1;
}

static int print_path(void *ctx, const char *path, struct weir_error *err)
{
    (void)ctx;
    (void)err;
    printf("%s\n", path);
    return WEIR_OK;
}

static int cmd_put(char **av, struct weir_error *e)
{
    struct weir_sink *s = NULL;
    struct weir_sink_file *f = NULL;
    int rc = weir_sink_s3_open(av[2], av[6], &s, e);
    if (rc != WEIR_OK) {
        return fail(e);
    }
    weir_sink_s3_set_part_size(s, strtoull(av[5], NULL, 10));
    size_t size = strtoull(av[4], NULL, 10);
    rc = s->ops->open(s, av[3], &f, e);
    unsigned char chunk[65536];
    size_t done = 0;
    while (rc == WEIR_OK && done < size) {
        size_t n = size - done < sizeof(chunk) ? size - done : sizeof(chunk);
        for (size_t i = 0; i < n; i++) {
            chunk[i] = (unsigned char)((done + i) * 2654435761u >> 13);
        }
        rc = s->ops->write(f, chunk, n, e);
        done += n;
    }
    if (rc == WEIR_OK) {
        rc = s->ops->commit(f, e);
    } else {
        s->ops->abort(f);
    }
    s->ops->free(s);
    return rc == WEIR_OK ? 0 : fail(e);
}

/* Reads the lease object: its "renewals", seconds until "expires", holder. */
static int lease_info(struct weir_s3 *s3, const char *key, long *renewals, long *left, char *holder,
                      size_t cap, struct weir_error *e)
{
    struct weir_bytes b;
    weir_bytes_init(&b, 1 << 20);
    int rc = weir_s3_get_object(s3, key, &b, NULL, 0, e);
    json_t *l = rc == WEIR_OK ? json_loadb(b.data, b.len, 0, NULL) : NULL;
    weir_bytes_reset(&b, 0);
    if (rc != WEIR_OK) {
        return rc;
    }
    *renewals = (long)json_integer_value(json_object_get(l, "renewals"));
    *left = (long)(json_integer_value(json_object_get(l, "expires")) - time(NULL));
    snprintf(holder, cap, "%s", json_string_value(json_object_get(l, "run_id")) ?: "?");
    json_decref(l);
    return WEIR_OK;
}

static int cmd_renew(char **av, struct weir_error *e)
{
    struct weir_state_store *a = NULL, *b = NULL;
    struct weir_s3 *s3 = NULL;
    char bucket[256], prefix[1024], key[1400], holder[128];
    long renewals = 0, left = 0;
    if (weir_state_open(av[2], &a, e) != WEIR_OK || weir_state_open(av[2], &b, e) != WEIR_OK ||
        weir_s3_parse_location(av[2], bucket, sizeof(bucket), prefix, sizeof(prefix), e) !=
            WEIR_OK ||
        weir_s3_open(bucket, &s3, e) != WEIR_OK) {
        return fail(e);
    }
    snprintf(key, sizeof(key), "%s%s.lease", prefix, av[3]);
    int ra = a->ops->lock(a, av[3], "run-a", e);
    printf("locked %d\n", ra);
    const char *ls = getenv("WEIR_LEASE_SECONDS");
    int span = 2 * (ls != NULL ? atoi(ls) : 3) + 1; /* more than two lease lengths */
    sleep((unsigned)span);
    struct weir_error eb;
    memset(&eb, 0, sizeof(eb));
    int rb = b->ops->lock(b, av[3], "run-b", &eb);
    printf("second lock after %ds %d\n", span, rb);
    int ri = lease_info(s3, key, &renewals, &left, holder, sizeof(holder), e);
    printf("lease %d renewed %s expires in %ld holder %s\n", ri,
           renewals >= 2 ? "twice or more" : "too little", left, holder);
    /* another run takes the lease (as if this one had stalled past expiry) */
    const char *other = "{\"holder\":\"elsewhere\",\"run_id\":\"run-z\",\"expires\":9999999999}";
    int rp = weir_s3_put_object(s3, key, other, strlen(other), NULL, NULL, 0, e);
    sleep(3);
    json_t *doc = weir_state_new_doc(av[3]);
    struct weir_error ew;
    memset(&ew, 0, sizeof(ew));
    int rw = a->ops->write(a, av[3], doc, &ew);
    json_decref(doc);
    printf("taken over %d; write after loss %d: %s\n", rp, rw, ew.message);
    a->ops->unlock(a, av[3]);
    ri = lease_info(s3, key, &renewals, &left, holder, sizeof(holder), e);
    printf("after unlock lease %d holder %s\n", ri, holder);
    weir_s3_delete_object(s3, key, NULL, e);
    weir_s3_free(s3);
    a->ops->free(a);
    b->ops->free(b);
    return 0;
}

int main(int ac, char **av)
{
    struct weir_error e;
    memset(&e, 0, sizeof(e));
    if (ac == 4 && strcmp(av[1], "renew") == 0) {
        return cmd_renew(av, &e);
    }
    if (ac >= 6 && strcmp(av[1], "put") == 0) {
        return cmd_put(av, &e);
    }
    if (ac == 4 && strcmp(av[1], "get") == 0) {
        struct weir_s3 *s3 = NULL;
        struct weir_bytes b;
        weir_bytes_init(&b, (size_t)1 << 30);
        if (weir_s3_open(av[2], &s3, &e) != WEIR_OK ||
            weir_s3_get_object(s3, av[3], &b, NULL, 0, &e) != WEIR_OK) {
            weir_s3_free(s3);
            return fail(&e);
        }
        fwrite(b.data, 1, b.len, stdout);
        weir_bytes_reset(&b, 0);
        weir_s3_free(s3);
        return 0;
    }
    if (ac == 4 && (strcmp(av[1], "list") == 0 || strcmp(av[1], "rm") == 0)) {
        struct weir_sink *s = NULL;
        if (weir_sink_s3_open(av[2], NULL, &s, &e) != WEIR_OK) {
            return fail(&e);
        }
        int rc = av[1][0] == 'l' ? s->ops->list(s, av[3], print_path, NULL, &e)
                                 : s->ops->remove(s, av[3], &e);
        s->ops->free(s);
        return rc == WEIR_OK ? 0 : fail(&e);
    }
    if (ac == 4 && (strcmp(av[1], "race") == 0 || strcmp(av[1], "lock") == 0)) {
        struct weir_state_store *a = NULL, *b = NULL;
        if (weir_state_open(av[2], &a, &e) != WEIR_OK ||
            weir_state_open(av[2], &b, &e) != WEIR_OK) {
            return fail(&e);
        }
        int ra, rb;
        struct weir_error ea, eb;
        memset(&ea, 0, sizeof(ea));
        memset(&eb, 0, sizeof(eb));
        if (av[1][0] == 'r') {
            json_t *da = NULL, *db = NULL;
            a->ops->read(a, av[3], &da, &ea);
            b->ops->read(b, av[3], &db, &eb);
            if (da == NULL) {
                da = weir_state_new_doc(av[3]);
            }
            if (db == NULL) {
                db = weir_state_new_doc(av[3]);
            }
            /* Distinct contents: S3 ETags are content hashes. */
            json_object_set_new(da, "writer", json_integer((json_int_t)getpid() * 2));
            json_object_set_new(db, "writer", json_integer((json_int_t)getpid() * 2 + 1));
            ra = a->ops->write(a, av[3], da, &ea);
            rb = b->ops->write(b, av[3], db, &eb);
            printf("first %d second %d: %s\n", ra, rb, eb.message);
            /* the winner can write again (its ETag is current) */
            int again = a->ops->write(a, av[3], da, &ea);
            printf("winner again %d\n", again);
            json_decref(da);
            json_decref(db);
        } else {
            ra = a->ops->lock(a, av[3], "run-a", &ea);
            rb = b->ops->lock(b, av[3], "run-b", &eb);
            printf("first %d second %d: %s | %s\n", ra, rb, eb.message, eb.detail);
            a->ops->unlock(a, av[3]);
            memset(&eb, 0, sizeof(eb));
            rb = b->ops->lock(b, av[3], "run-b", &eb);
            printf("after unlock %d\n", rb);
            /* b's lease left behind by a "crashed" run, expired: a takes it over. */
            char bucket[256], prefix[1024], key[1400];
            struct weir_s3 *s3 = NULL;
            if (weir_s3_parse_location(av[2], bucket, sizeof(bucket), prefix, sizeof(prefix), &e) !=
                    WEIR_OK ||
                weir_s3_open(bucket, &s3, &e) != WEIR_OK) {
                return fail(&e);
            }
            snprintf(key, sizeof(key), "%s%s.lease", prefix, av[3]);
            const char *old = "{\"holder\":\"gone\",\"run_id\":\"run-old\",\"expires\":1}";
            int rp = weir_s3_put_object(s3, key, old, strlen(old), NULL, NULL, 0, &e);
            weir_s3_free(s3);
            memset(&ea, 0, sizeof(ea));
            ra = a->ops->lock(a, av[3], "run-c", &ea);
            printf("expired lease taken over %d %d\n", rp, ra);
            a->ops->unlock(a, av[3]);
        }
        a->ops->free(a);
        b->ops->free(b);
        return 0;
    }
    fprintf(stderr, "usage: see the source\n");
    return 2;
}
