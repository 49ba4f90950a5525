/*
 * jsonw.h - prints cJSON trees as compact JSON, the bytes every renderer in
 * proto/ sends.
 *
 * Same JSON as cJSON_PrintUnformatted, printed faster: whole numbers (ids,
 * seqs, millisecond times, counts) go out as integers without the
 * printf("%g")/sscanf round trip cJSON makes for every number beyond the
 * int range, and a message is printed straight into its msg buffer. The
 * only difference in bytes: a whole number below 1e17 is always written in
 * digits, where cJSON may write 2e+15.
 */
#ifndef FORUMD_PROTO_JSONW_H
#define FORUMD_PROTO_JSONW_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "msg.h"

/* `item` as a new NUL-terminated string the caller frees; NULL on OOM or
 * on an invalid item (a raw item without text). *len, when given, gets the
 * length. */
char *jsonw_print(const cJSON *item, size_t *len);

/* `item` printed into a new msg (one reference); NULL as above. */
struct msg *jsonw_print_msg(const cJSON *item);

#endif
