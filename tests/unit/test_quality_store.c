/* test_quality_store.c: check results and incidents in the SQLite state
 * store (state/quality_store.h); the same cases on PostgreSQL are in
 * tests/pipeline/test_quality_store_pg.c (tests/quality_store_cases.h). */
#include "quality_store_cases.h"
#include "helpers.h"
#include <stdlib.h>

static char store_path[4200];

static sl_state *qs_open(void)
{
    sl_state *s = NULL;
    sl_error err = {0};
    if (sl_state_open(store_path, &s, &err) < 0) {
        fprintf(stderr, "open %s: %s\n", store_path, err.msg);
        return NULL;
    }
    return s;
}

int main(void)
{
    char *dir = th_tmpdir();
    snprintf(store_path, sizeof store_path, "%s/state.db", dir);
    snprintf(qs_tag, sizeof qs_tag, "%d", (int)getpid());
    const struct CMUnitTest tests[] = {QS_TESTS};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    th_rmtree(dir);
    free(dir);
    return rc;
}
