/*
 * names.h: column names from the names a source reads, one rule for every
 * source (csv headers, JSON members and flattened paths, database result
 * columns) so that two source names never land on one column.
 *
 * A source name becomes a column name in three steps:
 *   1. a NUL byte is written as the six characters \u0000 (a name keeps
 *      its whole content; C strings and SQL would cut it there);
 *   2. with `normalize_names: snake_case`, the name is snake_cased
 *      (sl_names_snake_case); an empty name is `column`;
 *   3. the name is made unique: compared without ASCII case (SQLite folds
 *      case in identifiers, so `Email` and `email` are one column there)
 *      against the names given before, a taken name gets the first free
 *      of name_2, name_3, ... (the CSV reader's rule for duplicate headers).
 *
 * A source name is identified by bytes of the caller's choosing (id): the
 * header position for CSV, the member path for JSON (so the top-level
 * `user_name` and the flattened `user` > `name` are two names even though
 * both read "user_name"). The same id always gets the same column name, so
 * a name keeps its column across records and batches; which of two
 * colliding names gets the suffix is decided by which was seen first.
 */
#ifndef SL_NAMES_H
#define SL_NAMES_H
#include <stddef.h>
#include <stdint.h>

typedef struct sl_name_entry {
    char *id;       /* identity bytes (heap) */
    size_t idlen;
    char *name;     /* the column name (heap, NUL-terminated, no NUL inside) */
    size_t namelen;
    char *source;   /* the source name as read, \u0000 for NUL (heap): for messages */
} sl_name_entry;

typedef struct sl_names {
    int snake_case;
    sl_name_entry *v;
    size_t n, cap;
    size_t hint;        /* entry expected next: records usually share member order */
    uint32_t *by_id;    /* open addressing: entry index + 1, 0 empty */
    uint32_t *by_name;  /* the same over ASCII-folded names */
    size_t nslots;      /* a power of two, at least twice n */
} sl_names;

void sl_names_init(sl_names *m, int snake_case);
void sl_names_release(sl_names *m);
/* Forget every name (a new file with its own header). */
void sl_names_reset(sl_names *m);

/* The entry for source name (name, namelen) identified by (id, idlen):
 * found, or added with a new unique column name. Returns its index in
 * m->v; entries never move their strings and stay until reset/release. */
size_t sl_names_get(sl_names *m, const char *id, size_t idlen, const char *name, size_t namelen);

/* The entry identified by (id, idlen), or -1 when not seen yet. */
long sl_names_find(const sl_names *m, const char *id, size_t idlen);

/* snake_case of a name into a new heap string: ASCII letters lowercased,
 * a word boundary (`recordId`, `HTTPServer`, a space, '-', '.', any ASCII
 * character that is not a letter or digit) becomes one '_', none at the
 * ends; bytes beyond ASCII (UTF-8) are kept. `Record ID` -> `record_id`,
 * `createdAt` -> `created_at`. An empty result is `column`. */
char *sl_names_snake_case(const char *name, size_t n);

#endif
