/*
 * idgraph.h: the data structure of identity resolution (models/type_identity.c):
 * an interner of (type, value) identifiers to dense ids 0..n-1, and a
 * union-find over those ids (path halving, union by size) that knows each
 * component's size. Built for tens of millions of identifiers: values live
 * in one growing byte array, the hash table holds 32-bit ids only.
 *
 * Not thread-safe. Ids are uint32_t; at most 2^32 - 2 identifiers.
 */
#ifndef SL_GTM_IDGRAPH_H
#define SL_GTM_IDGRAPH_H
#include <stddef.h>
#include <stdint.h>

#define SL_IDGRAPH_NONE UINT32_MAX

typedef struct sl_idgraph sl_idgraph;

sl_idgraph *sl_idgraph_new(void);
void sl_idgraph_free(sl_idgraph *g);
/* The id of (type, value[0..n)), interned (copied) when new; *added (may
 * be NULL) says whether it was. A new id is its own singleton component. */
uint32_t sl_idgraph_intern(sl_idgraph *g, uint32_t type, const char *value, size_t n, int *added);
/* The id of (type, value), or SL_IDGRAPH_NONE. */
uint32_t sl_idgraph_lookup(const sl_idgraph *g, uint32_t type, const char *value, size_t n);
/* Number of identifiers interned. */
uint32_t sl_idgraph_count(const sl_idgraph *g);
/* An identifier's type, and its value (NUL-terminated, borrowed: valid
 * until the next intern; *n its length, n may be NULL). */
uint32_t sl_idgraph_type(const sl_idgraph *g, uint32_t id);
const char *sl_idgraph_value(const sl_idgraph *g, uint32_t id, size_t *n);
/* The representative of id's component. */
uint32_t sl_idgraph_root(sl_idgraph *g, uint32_t id);
/* Number of identifiers in the component whose root is root. */
uint32_t sl_idgraph_size(const sl_idgraph *g, uint32_t root);
/* Join a's and b's components unless the result would hold more than
 * max_size identifiers (0: no limit). 1 joined, 0 already one, -1 refused. */
int sl_idgraph_union(sl_idgraph *g, uint32_t a, uint32_t b, uint32_t max_size);
/* Order of two identifiers by (type, then value bytes): <0, 0, >0. */
int sl_idgraph_cmp(const sl_idgraph *g, uint32_t a, uint32_t b);

#endif
