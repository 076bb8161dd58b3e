/*
 * Key files of delete detection (deletes.h) on an S3 state location:
 * s3://bucket/<prefix><job>.keys/<run_id>.keys. The sweep itself works on
 * local files in a scratch folder; these calls move the key files between
 * that folder and the state location.
 *
 * Fetch: ranged GETs of 8 MiB written to the local file (memory stays at
 * one range whatever the key file's size). Put: through an S3 sink over the
 * state location (s3:// parts of 8 MiB, up to 4 uploads at once, SSE-KMS
 * with the target's kms_key_id, nothing visible before
 * CompleteMultipartUpload). Cleanup: every other key file of the job, and
 * every multipart upload still open under <job>.keys/ (a run killed during
 * its upload leaves one; the caller holds the job's lease, so none is
 * another run's). The sweep's scratch folder is made and removed here too.
 */
#ifndef WEIR_CORE_KEYS_S3_H
#define WEIR_CORE_KEYS_S3_H

#include <stddef.h>
#include <stdint.h>

#include "weir/weir.h"

struct weir_keys_s3;

/* For the state location "s3://bucket/prefix/"; `kms_key_id` may be NULL.
 * *out new (weir_keys_s3_free). */
int weir_keys_s3_open(const char *location, const char *kms_key_id, struct weir_keys_s3 **out,
                      struct weir_error *err);
void weir_keys_s3_free(struct weir_keys_s3 *k);
/* "s3://bucket/prefix/<job>.keys/<name>" into out[cap], for messages. */
void weir_keys_s3_url(const struct weir_keys_s3 *k, const char *job, const char *name, char *out,
                      size_t cap);
/* Downloads the job's key file `name` to the new file `path` (created,
 * fsynced). WEIR_ENOINPUT naming it when it is missing. */
int weir_keys_s3_fetch(struct weir_keys_s3 *k, const char *job, const char *name, const char *path,
                       uint64_t *bytes, struct weir_error *err);
/* Uploads the local file `path` as the job's key file `name` (replacing an
 * object of that name). `cancel` (borrowed, may be NULL): see weir_sink. */
int weir_keys_s3_put(struct weir_keys_s3 *k, const char *job, const char *name, const char *path,
                     volatile int *cancel, struct weir_error *err);
/* Removes the job's key files other than `keep` (NULL: all) and aborts the
 * multipart uploads open under the job's key folder. *removed (may be NULL)
 * counts the objects and uploads removed. */
int weir_keys_s3_cleanup(struct weir_keys_s3 *k, const char *job, const char *keep, size_t *removed,
                         struct weir_error *err);

/* The scratch folder of a sweep with the state on S3:
 * $TMPDIR/weir-keys-<job>-<run_id> (/tmp without TMPDIR), into out[cap]. */
void weir_keys_scratch_path(const char *job, const char *run_id, char *out, size_t cap);
/* Makes it (0700; an existing one must be a folder of this user's, its
 * files, a killed run's leftovers, are removed), its path into dir[cap].
 * WEIR_EIO with a hint otherwise. */
int weir_keys_scratch_open(const char *job, const char *run_id, char *dir, size_t cap,
                           struct weir_error *err);
/* Removes the folder and its files; nothing when it is missing, not a
 * folder (a link) or not this user's. */
void weir_keys_scratch_remove(const char *dir);

#endif
