/*
 * Small parsers for AWS responses: text of an XML element (query protocol,
 * S3, STS), ISO 8601 timestamps, and the error shape of every protocol.
 * Inputs are borrowed and need not be NUL-terminated.
 */
#ifndef WEIR_AWS_PARSE_H
#define WEIR_AWS_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Finds the first element <tag> (attributes allowed) after `from` bytes and
 * returns its text with the five XML entities and numeric references decoded
 * (new, NUL-terminated; free it, wiping it first when it may hold a secret).
 * NULL when absent or out of memory. `*end` (may be NULL) gets the offset
 * just past the closing tag, for iterating over repeated elements.
 */
char *weir_aws_xml_text(const char *xml, size_t len, size_t from, const char *tag, size_t *end);
/* The same into a fixed buffer (truncated); returns 1 found, 0 absent. */
int weir_aws_xml_copy(const char *xml, size_t len, const char *tag, char *out, size_t cap);

/* "2019-11-09T13:34:41Z", with optional fraction and +hh:mm / -hh:mm offset,
 * or a number of seconds since the epoch. Returns 0 and sets *t, or -1. */
int weir_aws_parse_time(const char *s, int64_t *t);

/*
 * Extracts an AWS error from a response: JSON {"__type": "ns#Code",
 * "message": ...} (also "code"/"Code", "Message"), the x-amzn-ErrorType
 * header value (may be NULL), or XML <Code>/<Message>/<RequestId> (query
 * protocol and S3). Empty strings when nothing matches. `request_id` is only
 * filled when empty on entry (headers come first).
 */
void weir_aws_error_parse(const char *body, size_t len, const char *error_type_header,
                          char *code, size_t code_cap, char *message, size_t message_cap,
                          char *request_id, size_t request_id_cap);

#endif
