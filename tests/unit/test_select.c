/* test_select.c: dbt's node selection (sl_graph_select in models/graph.h)
 * on a small hand-built graph: every method, graph operators with and
 * without depth, @, unions, intersections, exclusion, globs, indirect
 * selection of tests, and the errors word for word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/mem.h"
#include "models/config.h"
#include "models/graph.h"

/*   seeds/countries ─► stg_accounts ─┐
 *   source crm.contacts ─► stg_contacts ─┴► int_joined ─► account_health ─► pipeline sync
 *                              │                      └─► lead_scores
 *                              └─ test unique_stg_contacts_id       test no_neg (account_health) */
static sl_graph G;

static size_t add(sl_node_kind kind, const char *uid, const char *name, const char *file, const char *fqn,
                  const char *mat, const char *tags)
{
    G.nodes = sl_realloc(G.nodes, (G.n + 1) * sizeof *G.nodes);
    sl_node *n = &G.nodes[G.n];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->unique_id = sl_strdup(uid);
    n->name = sl_strdup(name);
    n->file = sl_strdup(file);
    sl_node_config_init(&n->config);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", fqn);
    for (char *t = strtok(buf, "."); t; t = strtok(NULL, "."))
        sl_strv_push(&n->fqn, t);
    if (mat)
        n->config.materialized = sl_strdup(mat);
    snprintf(buf, sizeof buf, "%s", tags ? tags : "");
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ","))
        sl_strv_push(&n->config.tags, t);
    n->attached = (size_t)-1;
    return G.n++;
}

static void dep(size_t from, size_t to)
{
    sl_node *n = &G.nodes[from];
    n->deps = sl_realloc(n->deps, (n->ndeps + 1) * sizeof *n->deps);
    n->deps[n->ndeps++] = to;
}

static int setup(void **state)
{
    memset(&G, 0, sizeof G);
    G.name = sl_strdup("p");
    size_t seed = add(SL_NODE_SEED, "seed.p.countries", "countries", "seeds/countries.csv", "p.countries", NULL, NULL);
    size_t src = add(SL_NODE_SOURCE, "source.p.crm.contacts", "contacts", "models/staging/_src.yml",
                     "p.staging.crm.contacts", NULL, NULL);
    G.nodes[src].source_name = sl_strdup("crm");
    size_t sc = add(SL_NODE_MODEL, "model.p.stg_contacts", "stg_contacts", "models/staging/stg_contacts.sql",
                    "p.staging.stg_contacts", NULL, "staging");
    size_t sa = add(SL_NODE_MODEL, "model.p.stg_accounts", "stg_accounts", "models/staging/stg_accounts.sql",
                    "p.staging.stg_accounts", NULL, "staging,pii");
    size_t ij = add(SL_NODE_MODEL, "model.p.int_joined", "int_joined", "models/intermediate/int_joined.sql",
                    "p.intermediate.int_joined", "ephemeral", NULL);
    size_t ah = add(SL_NODE_MODEL, "model.p.account_health", "account_health", "models/marts/account_health.sql",
                    "p.marts.account_health", "table", "marts,finance");
    size_t ls = add(SL_NODE_MODEL, "model.p.lead_scores", "lead_scores", "models/marts/lead_scores.sql",
                    "p.marts.lead_scores", "incremental", "marts");
    size_t sy = add(SL_NODE_PIPELINE, "pipeline.p.sync", "sync", "pipelines/sync.yml", "p.sync", NULL, NULL);
    size_t tu = add(SL_NODE_TEST, "test.p.unique_stg_contacts_id", "unique_stg_contacts_id",
                    "models/staging/_src.yml", "p.staging.unique_stg_contacts_id", NULL, NULL);
    G.nodes[tu].test_name = sl_strdup("unique");
    G.nodes[tu].attached = sc;
    size_t tn = add(SL_NODE_TEST, "test.p.no_neg", "no_neg", "tests/no_neg.sql", "p.no_neg", NULL, "dq");
    dep(sc, src);
    dep(sa, seed);
    dep(ij, sa);
    dep(ij, sc);
    dep(ah, ij);
    dep(ls, ij);
    dep(sy, ah);
    dep(tu, sc);
    dep(tn, ah);
    return 0;
}

static int teardown(void **state)
{
    for (size_t i = 0; i < G.n; i++) {
        sl_node *n = &G.nodes[i];
        sl_free(n->unique_id);
        sl_free(n->name);
        sl_free(n->file);
        sl_free(n->deps);
        sl_free(n->test_name);
        sl_free(n->source_name);
        sl_strv_release(&n->fqn);
        sl_node_config_release(&n->config);
    }
    sl_free(G.nodes);
    sl_free(G.name);
    return 0;
}

/* The selected names, space separated, in the array's order. */
static char *sel(const char *select, const char *exclude)
{
    uint8_t s[32];
    sl_error err = {0};
    static char out[1024];
    if (sl_graph_select(&G, select, exclude, s, &err) < 0) {
        snprintf(out, sizeof out, "error: %s", err.msg);
        return out;
    }
    out[0] = 0;
    for (size_t i = 0; i < G.n; i++)
        if (s[i]) {
            if (out[0])
                strcat(out, " ");
            strcat(out, G.nodes[i].name);
        }
    return out;
}

static void test_methods(void **state)
{
    assert_string_equal(sel(NULL, NULL), "countries contacts stg_contacts stg_accounts int_joined account_health "
                                         "lead_scores sync unique_stg_contacts_id no_neg");
    /* a name selects the node and (eagerly) the tests on it */
    assert_string_equal(sel("stg_contacts", NULL), "stg_contacts unique_stg_contacts_id");
    assert_string_equal(sel("countries", NULL), "countries");
    /* fqn: a folder, with or without the project, and dotted paths */
    assert_string_equal(sel("marts", NULL), "account_health lead_scores no_neg");
    assert_string_equal(sel("p.marts", NULL), "account_health lead_scores no_neg");
    assert_string_equal(sel("staging.stg_accounts", NULL), "stg_accounts");
    assert_string_equal(sel("fqn:p.intermediate", NULL), "int_joined");
    assert_string_equal(sel("stg_*", NULL), "stg_contacts stg_accounts unique_stg_contacts_id");
    assert_string_equal(sel("tag:staging", NULL), "stg_contacts stg_accounts unique_stg_contacts_id");
    assert_string_equal(sel("tag:fin*", NULL), "account_health no_neg");
    assert_string_equal(sel("path:models/marts", NULL), "account_health lead_scores no_neg");
    assert_string_equal(sel("path:models/marts/lead_scores.sql", NULL), "lead_scores");
    assert_string_equal(sel("models/intermediate", NULL), "int_joined");
    assert_string_equal(sel("config.materialized:view", NULL), "stg_contacts stg_accounts unique_stg_contacts_id");
    assert_string_equal(sel("config.materialized:incremental", NULL), "lead_scores");
    assert_string_equal(sel("resource_type:seed", NULL), "countries");
    assert_string_equal(sel("resource_type:pipeline", NULL), "sync");
    assert_string_equal(sel("resource_type:test", NULL), "unique_stg_contacts_id no_neg");
    assert_string_equal(sel("source:crm", NULL), "contacts");
    assert_string_equal(sel("source:crm.contacts+1", NULL), "contacts stg_contacts unique_stg_contacts_id");
    assert_string_equal(sel("test_type:singular", NULL), "no_neg");
    assert_string_equal(sel("test_type:generic", NULL), "unique_stg_contacts_id");
    assert_string_equal(sel("test_name:unique", NULL), "unique_stg_contacts_id");
    assert_string_equal(sel("package:p,resource_type:model", NULL),
                        "stg_contacts stg_accounts int_joined account_health lead_scores unique_stg_contacts_id no_neg");
}

static void test_graph_operators(void **state)
{
    assert_string_equal(sel("+int_joined", NULL),
                        "countries contacts stg_contacts stg_accounts int_joined unique_stg_contacts_id");
    assert_string_equal(sel("1+int_joined", NULL), "stg_contacts stg_accounts int_joined unique_stg_contacts_id");
    assert_string_equal(sel("int_joined+", NULL), "int_joined account_health lead_scores sync no_neg");
    assert_string_equal(sel("int_joined+1", NULL), "int_joined account_health lead_scores no_neg");
    assert_string_equal(sel("2+account_health+1", NULL),
                        "stg_contacts stg_accounts int_joined account_health sync unique_stg_contacts_id no_neg");
    /* @: descendants and all their ancestors */
    assert_string_equal(sel("@stg_accounts", NULL), "countries contacts stg_contacts stg_accounts int_joined "
                                                    "account_health lead_scores sync unique_stg_contacts_id no_neg");
    assert_string_equal(sel("@lead_scores", NULL),
                        "countries contacts stg_contacts stg_accounts int_joined lead_scores unique_stg_contacts_id");
}

static void test_set_operations(void **state)
{
    /* union (space), intersection (comma), exclusion */
    assert_string_equal(sel("countries lead_scores", NULL), "countries lead_scores");
    assert_string_equal(sel("tag:marts,config.materialized:table", NULL), "account_health no_neg");
    assert_string_equal(sel("+account_health,tag:staging", NULL), "stg_contacts stg_accounts unique_stg_contacts_id");
    assert_string_equal(sel("marts", "lead_scores"), "account_health no_neg");
    assert_string_equal(sel("int_joined+", "tag:marts"), "int_joined sync no_neg");
    /* an excluded test stays out; exclusion alone selects from everything */
    assert_string_equal(sel("stg_contacts", "resource_type:test"), "stg_contacts");
    assert_string_equal(sel(NULL, "resource_type:test resource_type:model"), "countries contacts sync");
    assert_string_equal(sel("tag:staging,tag:pii stg_contacts", NULL),
                        "stg_contacts stg_accounts unique_stg_contacts_id");
}

static void test_errors(void **state)
{
    assert_string_equal(sel("stg_contact", NULL),
                        "error: --select 'stg_contact': no node called 'stg_contact'; did you mean 'stg_contacts'?");
    assert_string_equal(sel("countries +lead_scoers", NULL),
                        "error: --select '+lead_scoers': no node called 'lead_scoers'; did you mean 'lead_scores'?");
    assert_string_equal(sel("tags:marts", NULL),
                        "error: --select 'tags:marts': unknown selector method 'tags'; did you mean 'tag'?");
    assert_string_equal(sel("tag:nope", NULL), "error: --select 'tag:nope': matches no node");
    assert_string_equal(sel("resource_type:modle", NULL),
                        "error: --select 'resource_type:modle': unknown resource type 'modle'; did you mean 'model'?");
    assert_string_equal(sel("config.persist_docs:x", NULL),
                        "error: --select 'config.persist_docs:x': sluice cannot select on config 'persist_docs'");
    assert_string_equal(sel("marts", "lead_scroes"),
                        "error: --exclude 'lead_scroes': no node called 'lead_scroes'; did you mean 'lead_scores'?");
    assert_string_equal(sel("+", NULL), "error: --select '+': no node named around the graph operators");
    assert_string_equal(sel("tag:", NULL), "error: --select 'tag:': a value is missing after 'tag:'");
    assert_string_equal(sel("  ", NULL), "error: --select is empty");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_graph_operators),
        cmocka_unit_test(test_set_operations),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
