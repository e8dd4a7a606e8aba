/* test_graph.c: loading a project's one DAG (models/graph.h) from temp
 * folders: sluice.yml and dbt_project.yml variants, config trees and
 * properties files, generic test names as dbt makes them, the edges
 * between pipelines and models, order, and the errors word for word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/project.h"
#include "helpers.h"
#include "models/config.h"
#include "models/graph.h"

/* Load dir's project and graph; returns the graph or NULL with the
 * diagnostics (paths shortened to be relative to dir) in *msgs. */
static sl_graph *load(const char *dir, sl_project **pp, char **msgs)
{
    sl_diags d;
    sl_diags_init(&d);
    sl_graph *g = NULL;
    *pp = NULL;
    if (sl_project_load(dir, pp, &d) == 0)
        sl_graph_load(*pp, NULL, &g, &d);
    sl_buf b;
    sl_buf_init(&b);
    char real[4096];
    if (!realpath(dir, real))
        snprintf(real, sizeof real, "%s", dir);
    for (size_t i = 0; i < d.n; i++) {
        const char *f = d.v[i].file;
        size_t rl = strlen(real);
        if (strncmp(f, real, rl) == 0 && f[rl] == '/')
            f += rl + 1;
        sl_buf_addf(&b, "%s:%d:%d: %s\n", f, d.v[i].line, d.v[i].col, d.v[i].msg);
    }
    *msgs = b.data ? sl_buf_detach(&b) : strdup("");
    sl_buf_release(&b);
    sl_diags_release(&d);
    return g;
}

static const sl_node *node(const sl_graph *g, const char *uid)
{
    int64_t i = sl_graph_find(g, uid);
    assert_true(i >= 0);
    return &g->nodes[i];
}

/* "a,b" of a node's upstream unique_ids */
static char *deps_of(const sl_graph *g, const char *uid)
{
    const sl_node *n = node(g, uid);
    sl_buf b;
    sl_buf_init(&b);
    for (size_t i = 0; i < n->ndeps; i++)
        sl_buf_addf(&b, "%s%s", i ? "," : "", g->nodes[n->deps[i]].unique_id);
    return b.data ? sl_buf_detach(&b) : strdup("");
}

static void write_gtm(const char *dir)
{
    th_write(dir, "sluice.yml",
             "name: gtm\n"
             "models:\n"
             "  +materialized: view\n"
             "  gtm:\n"
             "    staging:\n"
             "      +tags: [staging]\n"
             "      schema: stg\n"
             "    marts:\n"
             "      +materialized: table\n"
             "      +tags: marts\n"
             "      account_health:\n"
             "        +materialized: incremental\n"
             "        unique_key: account_id\n"
             "seeds:\n"
             "  gtm:\n"
             "    +column_types: {code: text}\n"
             "    delimiter: ';'\n"
             "tests:\n"
             "  +severity: warn\n"
             "vars:\n"
             "  active_days: 30\n");
    th_write(dir, "pipelines/contacts.yml",
             "source: {type: csv, path: data/contacts.csv}\n"
             "sinks:\n  - {type: sqlite, table: raw_contacts}\n");
    th_write(dir, "pipelines/sync.yml",
             "source: {type: sqlite, query: 'SELECT * FROM account_health WHERE score > 1'}\n"
             "sinks:\n  - {type: csv, path: out.csv}\n");
    th_write(dir, "models/staging/stg_contacts.sql", "select * from {{ source('crm', 'contacts') }}\n");
    th_write(dir, "models/staging/stg_accounts.sql", "select * from {{ ref('countries') }}\n");
    th_write(dir, "models/marts/account_health.sql",
             "{{ config(materialized='incremental') }}\n"
             "select a.*, c.n from {{ ref('stg_accounts') }} a\n"
             "  join {{ ref('gtm', 'stg_contacts') }} c on 1=1\n");
    th_write(dir, "models/staging/_staging.yml",
             "version: 2\n"
             "sources:\n"
             "  - name: crm\n"
             "    schema: main\n"
             "    loaded_at_field: updated_at\n"
             "    freshness: {warn_after: {count: 12, period: hour}}\n"
             "    tables:\n"
             "      - name: contacts\n"
             "        identifier: raw_contacts\n"
             "        columns:\n"
             "          - name: id\n"
             "            tests: [not_null]\n"
             "models:\n"
             "  - name: stg_contacts\n"
             "    description: Contacts, cleaned\n"
             "    config: {alias: contacts_v}\n"
             "    columns:\n"
             "      - name: id\n"
             "        description: the id\n"
             "        data_type: integer\n"
             "        tests:\n"
             "          - unique\n"
             "          - not_null:\n"
             "              config: {severity: error}\n"
             "      - name: stage\n"
             "        data_tests:\n"
             "          - accepted_values:\n"
             "              values: [lead, customer]\n"
             "          - relationships:\n"
             "              to: ref('stg_accounts')\n"
             "              field: id\n"
             "              where: \"id > 0\"\n");
    th_write(dir, "seeds/countries.csv", "code;name\nfr;France\n");
    th_write(dir, "snapshots/snaps.sql",
             "{% snapshot contacts_snap %}\n"
             "{{ config(strategy='check') }}\n"
             "select * from {{ ref('stg_contacts') }}\n"
             "{% endsnapshot %}\n"
             "\n"
             "{%- snapshot accounts_snap -%}\nselect * from {{ ref('stg_accounts') }}\n{%- endsnapshot %}\n");
    th_write(dir, "tests/no_negative.sql", "select * from {{ ref('account_health') }} where n < 0\n");
    th_write(dir, "tests/generic/my_test.sql", "{% test my_test(model) %}select 1{% endtest %}\n");
    th_write(dir, "analyses/explore.sql", "select * from {{ ref('account_health') }}\n");
}

static void test_load_project(void **state)
{
    char *dir = th_tmpdir(), *msgs;
    write_gtm(dir);
    sl_project *p;
    sl_graph *g = load(dir, &p, &msgs);
    assert_string_equal(msgs, "");
    assert_non_null(g);
    assert_string_equal(g->name, "gtm");
    assert_string_equal(g->target.name, "dev");
    assert_string_equal(g->target.type, "sqlite");
    assert_string_equal(g->target.schema, "main");
    assert_int_equal(g->n, 16);
    for (size_t i = 1; i < g->n; i++)
        assert_true(strcmp(g->nodes[i - 1].unique_id, g->nodes[i].unique_id) < 0);

    const sl_node *m = node(g, "model.gtm.stg_contacts");
    assert_string_equal(m->file, "models/staging/stg_contacts.sql");
    assert_int_equal(m->fqn.n, 3);
    assert_string_equal(m->fqn.v[1], "staging");
    assert_string_equal(m->config.materialized, "view");
    assert_string_equal(m->config.schema, "stg");
    assert_string_equal(m->schema, "main_stg");
    assert_string_equal(m->identifier, "contacts_v");
    assert_int_equal(m->config.tags.n, 1);
    assert_string_equal(m->config.tags.v[0], "staging");
    assert_string_equal(m->description, "Contacts, cleaned");
    assert_int_equal(m->ncolumns, 2);
    assert_string_equal(m->columns[0].data_type, "integer");
    char *dp = deps_of(g, "model.gtm.stg_contacts");
    assert_string_equal(dp, "source.gtm.crm.contacts");
    free(dp);

    const sl_node *ah = node(g, "account_health");
    assert_string_equal(ah->config.materialized, "incremental"); /* model-level tree key */
    assert_int_equal(ah->config.unique_key.n, 1);
    assert_int_equal(ah->config.tags.n, 1);
    assert_string_equal(ah->config.tags.v[0], "marts");
    assert_null(ah->schema);
    dp = deps_of(g, "model.gtm.account_health");
    assert_string_equal(dp, "model.gtm.stg_accounts,model.gtm.stg_contacts");
    free(dp);

    /* the source is loaded by the contacts pipeline; sync reads account_health */
    const sl_node *src = node(g, "source.gtm.crm.contacts");
    assert_string_equal(src->identifier, "raw_contacts");
    assert_string_equal(src->schema, "main");
    assert_string_equal(src->loaded_at_field, "updated_at");
    assert_string_equal(src->freshness, "{\"warn_after\":{\"count\":12,\"period\":\"hour\"}}");
    dp = deps_of(g, "source.gtm.crm.contacts");
    assert_string_equal(dp, "pipeline.gtm.contacts");
    free(dp);
    dp = deps_of(g, "pipeline.gtm.sync");
    assert_string_equal(dp, "model.gtm.account_health");
    free(dp);

    const sl_node *seed = node(g, "seed.gtm.countries");
    assert_string_equal(seed->config.delimiter, ";");
    assert_string_equal(seed->config.column_types_names.v[0], "code");
    assert_string_equal(seed->config.column_types_types.v[0], "text");

    const sl_node *snap = node(g, "snapshot.gtm.accounts_snap");
    assert_string_equal(snap->raw, "\nselect * from {{ ref('stg_accounts') }}\n");
    assert_int_equal(snap->raw_line, 6);
    dp = deps_of(g, "snapshot.gtm.contacts_snap");
    assert_string_equal(dp, "model.gtm.stg_contacts");
    free(dp);

    /* generic tests, named as dbt names them */
    const sl_node *t = node(g, "test.gtm.unique_stg_contacts_id");
    assert_string_equal(t->test_name, "unique");
    assert_string_equal(t->column_name, "id");
    assert_string_equal(t->test_kwargs, "{\"column_name\":\"id\"}");
    assert_string_equal(t->config.severity, "warn"); /* tests: tree */
    assert_string_equal(g->nodes[t->attached].unique_id, "model.gtm.stg_contacts");
    t = node(g, "test.gtm.not_null_stg_contacts_id");
    assert_string_equal(t->config.severity, "error"); /* its own config wins */
    t = node(g, "test.gtm.accepted_values_stg_contacts_stage__lead__customer");
    assert_string_equal(t->test_kwargs, "{\"column_name\":\"stage\",\"values\":[\"lead\",\"customer\"]}");
    t = node(g, "test.gtm.relationships_stg_contacts_stage__id__ref_stg_accounts_");
    assert_string_equal(t->config.where, "id > 0");
    dp = deps_of(g, "test.gtm.relationships_stg_contacts_stage__id__ref_stg_accounts_");
    assert_string_equal(dp, "model.gtm.stg_accounts,model.gtm.stg_contacts");
    free(dp);
    t = node(g, "test.gtm.source_not_null_crm_contacts_id");
    (void)t;
    t = node(g, "test.gtm.no_negative");
    assert_null(t->test_name);
    assert_non_null(t->raw);
    node(g, "analysis.gtm.explore");
    assert_int_equal(sl_graph_find(g, "my_test"), -1); /* tests/generic/ holds macros */

    /* order: upstreams first, ties by unique_id */
    size_t order[64];
    sl_graph_order(g, order);
    size_t pos[64];
    for (size_t i = 0; i < g->n; i++)
        pos[order[i]] = i;
    for (size_t i = 0; i < g->n; i++)
        for (size_t k = 0; k < g->nodes[i].ndeps; k++)
            assert_true(pos[g->nodes[i].deps[k]] < pos[i]);
    assert_string_equal(g->nodes[order[0]].unique_id, "pipeline.gtm.contacts");

    sl_graph_free(g);
    sl_project_free(p);
    free(msgs);
    th_rmtree(dir);
    free(dir);
}

static void test_dbt_project(void **state)
{
    char *dir = th_tmpdir(), *msgs;
    th_write(dir, "dbt_project.yml",
             "name: 'jaffle_shop'\n"
             "version: '1.0.0'\n"
             "config-version: 2\n"
             "profile: 'jaffle_shop'\n"
             "require-dbt-version: [\">=1.5.0\", \"<2.0.0\"]\n"
             "model-paths: [\"transform\"]\n"
             "seed-paths: [\"data\"]\n"
             "target-path: \"build_out\"\n"
             "clean-targets: [\"build_out\", \"dbt_packages\"]\n"
             "quoting: {identifier: true}\n"
             "vars: {start_date: '2024-01-01'}\n"
             "models:\n"
             "  jaffle_shop:\n"
             "    +materialized: table\n"
             "    staging:\n"
             "      materialized: view\n"
             "data_tests:\n"
             "  +store_failures: true\n");
    th_write(dir, "transform/staging/stg_orders.sql", "select * from {{ ref('raw_orders') }}\n");
    th_write(dir, "transform/orders.sql", "select * from {{ ref('stg_orders') }}\n");
    th_write(dir, "transform/schema.yml",
             "models:\n  - name: orders\n    columns:\n      - name: order_id\n        tests: [unique]\n");
    th_write(dir, "data/raw_orders.csv", "id\n1\n");
    sl_project *p;
    sl_graph *g = load(dir, &p, &msgs);
    assert_string_equal(msgs, "");
    assert_non_null(g);
    assert_string_equal(p->name, "jaffle_shop");
    assert_string_equal(p->version, "1.0.0");
    assert_string_equal(p->target_path, "build_out");
    assert_int_equal(p->clean_targets.n, 2);
    assert_non_null(p->vars.node);
    assert_true(strstr(p->warehouse, "/warehouse.db") != NULL);
    assert_string_equal(node(g, "model.jaffle_shop.stg_orders")->config.materialized, "view");
    assert_string_equal(node(g, "model.jaffle_shop.orders")->config.materialized, "table");
    assert_int_equal(node(g, "test.jaffle_shop.unique_orders_order_id")->config.store_failures, 1);
    char *dp = deps_of(g, "model.jaffle_shop.stg_orders");
    assert_string_equal(dp, "seed.jaffle_shop.raw_orders");
    free(dp);
    assert_true(strstr(g->target_path, "/build_out") != NULL);
    sl_graph_free(g);
    sl_project_free(p);
    free(msgs);

    /* with sluice.yml beside it: sluice.yml's keys win, dbt_project.yml gives the rest */
    th_write(dir, "sluice.yml", "name: shop\nmodels:\n  +materialized: ephemeral\n");
    g = load(dir, &p, &msgs);
    assert_string_equal(msgs, "");
    assert_string_equal(p->name, "shop");
    assert_string_equal(p->target_path, "build_out");
    assert_string_equal(node(g, "model.shop.orders")->config.materialized, "ephemeral");
    sl_graph_free(g);
    sl_project_free(p);
    free(msgs);
    th_rmtree(dir);
    free(dir);
}

static void expect_errors(const char *dir, const char *want)
{
    sl_project *p;
    char *msgs;
    sl_graph *g = load(dir, &p, &msgs);
    assert_null(g);
    assert_string_equal(msgs, want);
    sl_project_free(p);
    free(msgs);
}

static void test_project_errors(void **state)
{
    char *dir = th_tmpdir();
    th_write(dir, "dbt_project.yml",
             "name: shop\n"
             "config-version: 2\n"
             "require-dbt-version: 'latest'\n"
             "on-run-start: [\"create schema x\"]\n"
             "on-run-end: []\n"
             "dispatch:\n  - macro_namespace: dbt_utils\n"
             "modle-paths: [m]\n"
             "models:\n"
             "  shop:\n"
             "    +materialised: table\n"
             "    +materialized: tabel\n"
             "    +database: other\n"
             "    +grants: {select: [reporter]}\n"
             "    +contract: {enforced: true}\n"
             "    +persist_docs: {relation: true}\n"
             "    +meta: {owner: x}\n"
             "    staging:\n"
             "      uniqe_key: id\n"
             "      +incremental_strategy: microbatch\n");
    th_write(dir, "packages.yml", "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n");
    expect_errors(dir,
                  "dbt_project.yml:3:23: require-dbt-version: 'latest' is not a version range like \">=1.5.0\"\n"
                  "dbt_project.yml:4:1: on-run-start is not supported (SQL hooks around the whole run)\n"
                  "dbt_project.yml:6:1: dispatch is not supported (it searches for macros in packages)\n"
                  "dbt_project.yml:8:1: unknown dbt_project.yml key 'modle-paths'; did you mean 'model-paths'?\n"
                  "dbt_project.yml:11:5: unknown config key 'materialised'; did you mean 'materialized'?\n"
                  "dbt_project.yml:12:20: materialized 'tabel' is not supported (one of view,table,incremental,"
                  "ephemeral,seed,snapshot,test); did you mean 'table'?\n"
                  "dbt_project.yml:13:5: config 'database' is not supported (building in another database)\n"
                  "dbt_project.yml:14:5: config 'grants' is not supported (granting privileges on built relations)\n"
                  "dbt_project.yml:15:17: config 'contract' with enforced: true is not supported (model contracts)\n"
                  "dbt_project.yml:19:7: unknown config key 'uniqe_key'; did you mean 'unique_key'?\n"
                  "dbt_project.yml:20:30: incremental_strategy 'microbatch' is not supported (one of append,merge,"
                  "delete+insert)\n"
                  "packages.yml:1:1: packages are not supported (sluice runs a project without dbt packages)\n");
    th_rmtree(dir);
    free(dir);
}

static void test_graph_errors(void **state)
{
    char *dir = th_tmpdir();
    th_write(dir, "sluice.yml", "name: p\n");
    th_write(dir, "models/a.sql", "select 1\n");
    th_write(dir, "models/b.sql", "select *\nfrom {{ ref('a') }} join {{ ref('stg_acount') }}\n");
    th_write(dir, "models/stg_account.sql", "select 1\n");
    th_write(dir, "models/c.sql", "{{ ref('other', 'a') }} {{ source('crm', 'contcts') }}\n");
    th_write(dir, "models/props.yml",
             "version: 2\n"
             "sources:\n  - name: crm\n    tables: [{name: contacts}]\n"
             "models:\n"
             "  - name: stg_acount\n"
             "  - name: a\n"
             "    versions: [{v: 1}]\n"
             "    colums: []\n"
             "unit_tests:\n  - name: t\n"
             "  - name: x\n");
    th_write(dir, "models/m.py", "def model(dbt, session): pass\n");
    expect_errors(dir,
                  "models/m.py:1:1: Python models are not supported\n"
                  "models/props.yml:6:11: models: no model called 'stg_acount'; did you mean 'stg_account'?\n"
                  "models/props.yml:8:5: model versions are not supported (versions:)\n"
                  "models/props.yml:9:5: unknown key 'colums' in models; did you mean 'columns'?\n"
                  "models/props.yml:10:1: unit_tests are not supported\n"
                  "models/b.sql:2:29: ref('stg_acount'): no model, seed, snapshot or pipeline called 'stg_acount'; "
                  "did you mean 'stg_account'?\n"
                  "models/c.sql:1:4: ref('other', 'a'): no project or package called 'other' (packages are not "
                  "supported)\n"
                  "models/c.sql:1:28: source('crm', 'contcts'): no such source table; did you mean source('crm', "
                  "'contacts')?\n");
    th_rmtree(dir);
    free(dir);

    /* a cycle, named node by node, at the ref that closes it */
    dir = th_tmpdir();
    th_write(dir, "sluice.yml", "name: p\n");
    th_write(dir, "models/a.sql", "select * from {{ ref('c') }}\n");
    th_write(dir, "models/b.sql", "select * from {{ ref('a') }}\n");
    th_write(dir, "models/c.sql", "select * from {{ ref('b') }}\n");
    th_write(dir, "models/d.sql", "select * from {{ ref('c') }}\n");
    expect_errors(dir, "models/a.sql:1:18: dependency cycle: model.p.a -> model.p.b -> model.p.c -> model.p.a\n");
    th_rmtree(dir);
    free(dir);

    /* disabled models leave the graph; a ref to one says so */
    dir = th_tmpdir();
    th_write(dir, "sluice.yml", "name: p\nmodels:\n  p:\n    old:\n      +enabled: false\n");
    th_write(dir, "models/old/legacy.sql", "select 1\n");
    th_write(dir, "models/gone.sql", "select 1\n");
    th_write(dir, "models/new.sql", "select * from {{ ref('legacy') }}\n");
    th_write(dir, "models/ok.sql", "select 1\n");
    expect_errors(dir, "models/new.sql:1:18: ref('legacy'): that node is disabled (enabled: false)\n");
    th_write(dir, "models/new.sql", "select 1\n");
    th_write(dir, "models/p.yml", "models:\n  - name: gone\n    config: {enabled: false}\n    columns: [{name: id, tests: [unique]}]\n");
    sl_project *p;
    char *msgs;
    sl_graph *g = load(dir, &p, &msgs);
    assert_string_equal(msgs, "");
    assert_int_equal(g->n, 2); /* new, ok: gone's test went with it */
    assert_int_equal(sl_graph_find(g, "legacy"), -1);
    sl_graph_free(g);
    sl_project_free(p);
    free(msgs);
    th_rmtree(dir);
    free(dir);
}

static void test_targets_and_after(void **state)
{
    char *dir = th_tmpdir();
    th_write(dir, "sluice.yml",
             "name: p\n"
             "target: dev\n"
             "targets:\n"
             "  dev: {type: sqlite, path: dev.db}\n"
             "  prod: {type: postgres, url: 'postgresql://u@h/db', schema: analytics}\n");
    th_write(dir, "models/m.sql", "{{ config(materialized='table') }} select 1\n");
    th_write(dir, "models/n.sql", "select 1\n");
    th_write(dir, "models/p.yml", "models:\n  - name: n\n    config: {after: [load]}\n");
    th_write(dir, "pipelines/load.yml",
             "after: [m]\nsource: {type: csv, path: x.csv}\nsinks: [{type: sqlite, table: t}]\n");
    sl_project *p;
    char *msgs;
    sl_graph *g = load(dir, &p, &msgs);
    assert_string_equal(msgs, "");
    assert_string_equal(p->target_name, "dev");
    assert_true(strstr(p->warehouse, "/dev.db") != NULL);
    char *dp = deps_of(g, "pipeline.p.load");
    assert_string_equal(dp, "model.p.m");
    free(dp);
    dp = deps_of(g, "model.p.n");
    assert_string_equal(dp, "pipeline.p.load");
    free(dp);
    sl_graph_free(g);
    sl_error err = {0};
    assert_int_equal(sl_project_use_target(p, "prod", &err), 0);
    assert_null(p->warehouse);
    assert_string_equal(p->warehouse_schema, "analytics");
    sl_diags d;
    sl_diags_init(&d);
    assert_int_equal(sl_graph_load(p, NULL, &g, &d), 0);
    assert_string_equal(g->target.name, "prod");
    assert_string_equal(g->target.type, "postgres");
    assert_string_equal(g->target.schema, "analytics");
    sl_graph_free(g);
    assert_int_equal(sl_project_use_target(p, "prd", &err), -1);
    assert_string_equal(err.msg, "no target called 'prd'; did you mean 'prod'?");
    sl_diags_release(&d);
    sl_project_free(p);
    free(msgs);

    /* after: of a pipeline means a pipeline first, even with a model of that name */
    th_write(dir, "pipelines/load2.yml",
             "after: [load]\nsource: {type: csv, path: x.csv}\nsinks: [{type: sqlite, table: t2}]\n");
    th_write(dir, "models/load.sql", "select 1\n");
    g = load(dir, &p, &msgs);
    assert_string_equal(msgs, "");
    dp = deps_of(g, "pipeline.p.load2");
    assert_string_equal(dp, "pipeline.p.load");
    free(dp);
    sl_graph_free(g);
    sl_project_free(p);
    free(msgs);
    char rm[4200];
    snprintf(rm, sizeof rm, "%s/pipelines/load2.yml", dir);
    remove(rm);

    /* after: naming a node that does not exist */
    th_write(dir, "pipelines/load.yml",
             "after: [mm]\nsource: {type: csv, path: x.csv}\nsinks: [{type: sqlite, table: t}]\n");
    expect_errors(dir, "pipelines/load.yml:1:9: after: no pipeline called 'mm'\n");
    th_rmtree(dir);
    free(dir);
}

static void test_config_keys(void **state)
{
    sl_node_config c;
    sl_node_config_init(&c);
    char msg[512];
    const char *one[] = {"table"}, *tags1[] = {"a", "b"}, *tags2[] = {"b", "c"};
    sl_cfgv v = {SL_CFGV_SCALAR, one, NULL, 1};
    assert_int_equal(sl_config_set(&c, "materialized", &v, msg, sizeof msg), 0);
    assert_string_equal(c.materialized, "table");
    sl_cfgv l1 = {SL_CFGV_LIST, tags1, NULL, 2}, l2 = {SL_CFGV_LIST, tags2, NULL, 2};
    sl_config_set(&c, "tags", &l1, msg, sizeof msg);
    sl_config_set(&c, "tags", &l2, msg, sizeof msg);
    assert_int_equal(c.tags.n, 3); /* tags add up, once each */
    sl_config_set(&c, "unique_key", &l1, msg, sizeof msg);
    sl_config_set(&c, "unique_key", &l2, msg, sizeof msg);
    assert_int_equal(c.unique_key.n, 2); /* other lists are replaced */
    assert_string_equal(c.unique_key.v[0], "b");
    const char *warn[] = {"WARN"};
    sl_cfgv w = {SL_CFGV_SCALAR, warn, NULL, 1};
    assert_int_equal(sl_config_set(&c, "severity", &w, msg, sizeof msg), 0);
    assert_string_equal(c.severity, "warn");
    const char *yes[] = {"true"};
    sl_cfgv t = {SL_CFGV_SCALAR, yes, NULL, 1};
    assert_int_equal(sl_config_set(&c, "invalidate_hard_deletes", &t, msg, sizeof msg), 0);
    assert_string_equal(c.hard_deletes, "invalidate");
    sl_cfgv nul = {SL_CFGV_NULL, NULL, NULL, 0};
    assert_int_equal(sl_config_set(&c, "materialized", &nul, msg, sizeof msg), 0);
    assert_null(c.materialized); /* null unsets */
    assert_int_equal(sl_config_set(&c, "meta", &l1, msg, sizeof msg), 0); /* accepted */
    const char *maybe[] = {"maybe"}, *neg[] = {"-1"}, *count[] = {"sum(n)"}, *ekeys[] = {"enforced"};
    sl_cfgv mb = {SL_CFGV_SCALAR, maybe, NULL, 1}, ng = {SL_CFGV_SCALAR, neg, NULL, 1},
            fc = {SL_CFGV_SCALAR, count, NULL, 1}, ct = {SL_CFGV_MAP, ekeys, yes, 1};
    struct {
        const char *key;
        const sl_cfgv *v;
        const char *msg;
    } bad[] = {
        {"materialised", &v, "unknown config key 'materialised'; did you mean 'materialized'?"},
        {"colour", &v, "unknown config key 'colour' (see \"Project layout\" in docs/MODELS.md)"},
        {"enabled", &mb, "config 'enabled' must be true or false"},
        {"limit", &ng, "config 'limit' must be a whole number >= 0"},
        {"materialized", &l1, "config 'materialized' takes a single value"},
        {"on_schema_change", &mb, "on_schema_change 'maybe' is not supported (one of ignore,append_new_columns,fail,"
                                  "sync_all_columns)"},
        {"grants", &v, "config 'grants' is not supported (granting privileges on built relations)"},
        {"incremental_predicates", &l1, "config 'incremental_predicates' is not supported (extra merge predicates)"},
        {"fail_calc", &fc, "config 'fail_calc' other than count(*) is not supported"},
        {"contract", &ct, "config 'contract' with enforced: true is not supported (model contracts)"},
        {"column_types", &v, "config 'column_types' takes a mapping of column name to type"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sl_config_set(&c, bad[i].key, bad[i].v, msg, sizeof msg), -1);
        assert_string_equal(msg, bad[i].msg);
    }
    sl_node_config_release(&c);
}

static void test_generic_tests(void **state)
{
    char *dir = th_tmpdir(), *msgs;
    th_write(dir, "sluice.yml", "name: p\n");
    th_write(dir, "models/orders.sql", "select 1\n");
    th_write(dir, "models/customers.sql", "select 1\n");
    th_write(dir, "models/p.yml",
             "models:\n"
             "  - name: orders\n"
             "    data_tests:\n"
             "      - unique:\n"
             "          column_name: \"id || '-' || kind\"\n"
             "          severity: warn\n"
             "      - my_check:\n"
             "          name: orders_are_sane\n"
             "          arguments: {threshold: 10, flag: true}\n"
             "    columns:\n"
             "      - name: status\n"
             "        tests:\n"
             "          - not_null\n"
             "          - not_null: {where: \"status <> 'x'\", limit: 5}\n"
             "          - accepted_values: {values: [1, 2], quote: false}\n"
             "          - p.not_null\n");
    sl_project *p;
    sl_graph *g = load(dir, &p, &msgs);
    assert_string_equal(msgs, "");
    const sl_node *t = node(g, "test.p.unique_orders_id_kind");
    assert_string_equal(t->column_name, "id || '-' || kind");
    assert_string_equal(t->config.severity, "warn");
    t = node(g, "test.p.orders_are_sane");
    assert_string_equal(t->test_name, "my_check");
    assert_string_equal(t->test_kwargs, "{\"flag\":true,\"threshold\":10}");
    t = node(g, "test.p.not_null_orders_status_2");
    assert_string_equal(t->config.where, "status <> 'x'");
    assert_int_equal(t->config.limit, 5);
    node(g, "test.p.not_null_orders_status_3"); /* p.not_null: this project's own */
    t = node(g, "test.p.accepted_values_orders_status__False__1__2");
    assert_string_equal(t->test_kwargs, "{\"column_name\":\"status\",\"quote\":false,\"values\":[1,2]}");
    sl_graph_free(g);
    sl_project_free(p);
    free(msgs);
    th_write(dir, "seeds/orders.csv", "id\n1\n");
    expect_errors(dir, "seeds/orders.csv:1:1: a model and a seed are both called 'orders' (models/orders.sql): "
                       "ref('orders') would not know which\n");
    char seed[4200];
    snprintf(seed, sizeof seed, "%s/seeds/orders.csv", dir);
    assert_int_equal(remove(seed), 0);
    th_write(dir, "models/p.yml", "models:\n  - name: orders\n    tests: [dbt_utils.at_least_one, 7: x]\n");
    expect_errors(dir, "models/p.yml:3:13: test 'dbt_utils.at_least_one' comes from a package; packages are not "
                       "supported\n"
                       "models/p.yml:3:40: test '7': its arguments must be a mapping\n");
    th_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_project),
        cmocka_unit_test(test_dbt_project),
        cmocka_unit_test(test_project_errors),
        cmocka_unit_test(test_graph_errors),
        cmocka_unit_test(test_targets_and_after),
        cmocka_unit_test(test_config_keys),
        cmocka_unit_test(test_generic_tests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
