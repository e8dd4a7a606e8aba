/* test_quality_store_pg.c: check results and incidents in a PostgreSQL
 * state store (the ctest fixture's server): the cases of
 * tests/quality_store_cases.h, which the SQLite store passes too
 * (tests/unit/test_quality_store.c), including two processes racing to
 * open and close one incident. */
#include "quality_store_cases.h"
#include "config/project.h"
#include "helpers.h"
#include <stdlib.h>
#include <time.h>

static sl_state *qs_open(void)
{
    sl_project p;
    memset(&p, 0, sizeof p);
    p.state_url = (char *)th_pg_url();
    sl_state *s = NULL;
    sl_error err = {0};
    if (sl_state_open_project(&p, &s, &err) < 0) {
        fprintf(stderr, "open the PostgreSQL store: %s\n", err.msg);
        return NULL;
    }
    return s;
}

int main(void)
{
    th_pg_url(); /* before any fork */
    snprintf(qs_tag, sizeof qs_tag, "%d_%lld", (int)getpid(), (long long)time(NULL));
    const struct CMUnitTest tests[] = {QS_TESTS};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
