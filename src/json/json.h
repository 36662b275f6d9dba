/* json.h - a streaming JSON writer into a buf.
 *
 * Commands print --json output through it; later the HTTP API will too.
 * It tracks nesting so that commas are placed automatically:
 *
 *     json_w j; json_init(&j, &b);
 *     json_obj(&j); json_key(&j, "id"); json_int(&j, 7); json_end(&j);
 *
 * Strings must be valid UTF-8 (the program's invariant); control
 * characters, quotes and backslashes are escaped. */
#ifndef JSON_JSON_H
#define JSON_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "util/str.h"

#define JSON_MAX_DEPTH 32

typedef struct json_w {
    buf *out;
    int depth;
    bool first[JSON_MAX_DEPTH];  /* no member written yet at this depth */
    char closer[JSON_MAX_DEPTH]; /* '}' or ']' for the open container */
    bool after_key;
} json_w;

void json_init(json_w *j, buf *out);
void json_obj(json_w *j); /* { */
void json_arr(json_w *j); /* [ */
void json_end(json_w *j); /* } or ], whichever is open */
void json_key(json_w *j, const char *key);
void json_str(json_w *j, const char *s); /* NULL writes null */
void json_strn(json_w *j, str s);
void json_int(json_w *j, int64_t v);
void json_num(json_w *j, double v);
void json_bool(json_w *j, bool v);
void json_null(json_w *j);
/* key + value shorthands */
void json_kv_str(json_w *j, const char *key, const char *s);
void json_kv_int(json_w *j, const char *key, int64_t v);
void json_kv_num(json_w *j, const char *key, double v);

#endif
