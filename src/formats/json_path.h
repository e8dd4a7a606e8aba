/*
 * json_path.h: reading one value out of a JSON document by a dot path
 * ("data", "meta.next_cursor", "$.results"), for the HTTP connectors:
 * where the records are, where the next cursor or the total is, where a
 * created record's id is.
 */
#ifndef SL_JSON_PATH_H
#define SL_JSON_PATH_H
#include "formats/json.h"

/* Position j at the value at `path` ("" or "$" = the whole document). 0 if
 * found, -1 if not (or the document is not valid JSON on the way). */
int sl_json_path_at(sl_json *j, const char *doc, size_t n, const char *path);
/* The string or number at path as text (caller frees), or NULL. */
char *sl_json_path_text(const char *doc, size_t n, const char *path);
/* A validator for sl_http_opts: 0 if body is one valid JSON document. */
int sl_json_path_validate_body(const sl_buf *body, char *why, size_t cap);

#endif
