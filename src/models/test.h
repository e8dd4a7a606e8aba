/*
 * test.h: the one place a data check is evaluated (generic tests of
 * properties files, singular tests, and the data-quality checks that
 * build on them). A check is SQL selecting the failing rows; it is run as
 * dbt's get_test_sql does:
 *
 *   select count(*) from (<failing rows sql> [limit N]) dbt_internal_test
 *
 * and the count compared, in C, with the node's error_if / warn_if
 * conditions (dbt's "!=0" default; ">10", ">= 5", "=0", "<>0", ...):
 *
 *   severity error: error_if holds -> fail; else warn_if holds -> warn; else pass
 *   severity warn:  warn_if holds -> warn; else pass
 *   the SQL fails or a condition is not a comparison -> error
 *
 * `where` is applied when the test is compiled (the tested model becomes
 * `(select * from model where ...)`, as dbt does); `limit` caps the rows
 * counted; `store_failures` keeps the failing rows in a table named after
 * the test in the schema "<target schema>_dbt_test__audit" (on SQLite an
 * attached database file <warehouse>.<schema>.db; models/adapter.h),
 * replaced on every run. Up to 10 failing rows are kept as a sample.
 */
#ifndef SL_MODELS_TEST_H
#define SL_MODELS_TEST_H
#include "core/error.h"
#include "models/adapter.h"
#include "models/node.h"
#include <stdint.h>

#define SL_TEST_SAMPLE_ROWS 10

typedef struct sl_test_result {
    char status[8];       /* "pass" | "warn" | "fail" | "error" */
    int64_t failures;     /* failing rows counted (within limit); -1 on error */
    char message[512];    /* "Got 3 results, configured to fail if != 0", or the error */
    char *sample_json;    /* up to SL_TEST_SAMPLE_ROWS failing rows: a JSON array of objects, or NULL */
    char *stored_in;      /* store_failures: the audit table ("schema"."name"), or NULL */
    double sql_s;         /* seconds spent in the warehouse */
} sl_test_result;

/* Whether `failures` satisfies cond (an operator = == != <> > >= < <= then
 * an integer, spaces allowed; NULL or "" means "!=0"). *holds is 0 or 1.
 * A condition that is not such a comparison is an error naming it. */
int sl_test_condition(const char *cond, int64_t failures, int *holds, sl_error *err);

/* Evaluate the test node n (kind SL_NODE_TEST) whose compiled failing-rows
 * SQL is sql. Always fills r (status "error" with the message when the
 * warehouse refuses the SQL); returns 0 when the status is pass or warn,
 * -1 for fail or error. Release r with sl_test_result_release. */
int sl_test_run(sl_adapter *a, const sl_node *n, const char *sql, sl_test_result *r);
void sl_test_result_release(sl_test_result *r);
/* Up to max rows of query sql as a JSON array of objects (column: text or
 * null) in *json (caller frees); the sample of failing rows that test
 * results and data-quality check results keep. */
int sl_test_sample_json(sl_adapter *a, const char *sql, size_t max, char **json, sl_error *err);

#endif
