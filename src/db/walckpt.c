/* walckpt.c: see walckpt.h. */
#include "db/walckpt.h"
#include "core/mem.h"
#include "core/util.h"
#include <pthread.h>
#include <sqlite3.h>

struct sl_walckpt {
    sqlite3 *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop;
    int interval_ms;
};

static void *walckpt_main(void *arg)
{
    sl_walckpt *c = arg;
    pthread_mutex_lock(&c->lock);
    while (!c->stop) {
        struct timespec ts = sl_deadline_in(c->interval_ms / 1000.0);
        pthread_cond_timedwait(&c->cond, &c->lock, &ts);
        if (c->stop)
            break;
        pthread_mutex_unlock(&c->lock);
        int nlog = 0, ncopied = 0;
        /* PASSIVE copies what no reader needs and never waits for the writer */
        sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, &nlog, &ncopied);
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

sl_walckpt *sl_walckpt_start(const char *path, int interval_ms)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 1000);
    sqlite3_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL);
    sl_walckpt *c = sl_calloc(1, sizeof *c);
    c->db = db;
    c->interval_ms = interval_ms;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    if (pthread_create(&c->thread, NULL, walckpt_main, c) != 0) {
        sqlite3_close(db);
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->cond);
        sl_free(c);
        return NULL;
    }
    return c;
}

void sl_walckpt_stop(sl_walckpt *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->stop = 1;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    sl_free(c);
}
