/* walckpt.c: see walckpt.h. */
#include "db/walckpt.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/sqlite.h"
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <unistd.h>

/* without a kick, a pass this often anyway (another writer's commits) */
#define IDLE_PASS_S 0.1

struct sl_walckpt {
    sqlite3 *db;
    int fd;             /* the database file, for writeback hints; -1 if none */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_mutex_t pass_lock; /* held for a pass: the writer's checkpoint waits for it */
    int kicked;         /* a commit since the last pass */
    int stop;
};

static void pass(sl_walckpt *c)
{
    int nlog = 0, ncopied = 0;
    /* PASSIVE copies what no reader needs and never waits for the writer */
    sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, &nlog, &ncopied);
    /* Start writing the copied pages to disk now. A checkpoint only syncs
     * the database file when it reaches the end of the log, which it seldom
     * does beside a busy writer: without this the pages would pile up in the
     * page cache and the writer's next full checkpoint (or its close) would
     * wait for all of them at once. */
    if (c->fd >= 0 && ncopied > 0)
        sync_file_range(c->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

static void *walckpt_main(void *arg)
{
    sl_walckpt *c = arg;
    pthread_mutex_lock(&c->lock);
    while (!c->stop) {
        if (!c->kicked) {
            struct timespec ts = sl_deadline_in(IDLE_PASS_S);
            pthread_cond_timedwait(&c->cond, &c->lock, &ts);
        }
        c->kicked = 0;
        int stop = c->stop;
        pthread_mutex_unlock(&c->lock);
        /* the last pass copies what the final commits left, so that the
         * writer's close finds (almost) nothing to do */
        pthread_mutex_lock(&c->pass_lock);
        pass(c);
        pthread_mutex_unlock(&c->pass_lock);
        pthread_mutex_lock(&c->lock);
        if (stop)
            break;
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* The connection, file and sync objects; the thread is gone or never ran. */
static void walckpt_free(sl_walckpt *c)
{
    sqlite3_close(c->db);
    if (c->fd >= 0)
        close(c->fd);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->pass_lock);
    pthread_cond_destroy(&c->cond);
    sl_free(c);
}

/* Set *flag (kicked or stop) and wake the thread. */
static void wake(sl_walckpt *c, int *flag)
{
    pthread_mutex_lock(&c->lock);
    *flag = 1;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

sl_walckpt *sl_walckpt_start(const char *path)
{
    sqlite3 *db = NULL;
    if (sl_sqlite_open(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 1000);
    sqlite3_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL);
    sl_walckpt *c = sl_calloc(1, sizeof *c);
    c->db = db;
    c->fd = open(path, O_RDONLY | O_CLOEXEC);
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->pass_lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    if (pthread_create(&c->thread, NULL, walckpt_main, c) != 0) {
        walckpt_free(c);
        return NULL;
    }
    return c;
}

void sl_walckpt_kick(sl_walckpt *c)
{
    if (c)
        wake(c, &c->kicked);
}

void sl_walckpt_complete(sl_walckpt *c, sqlite3 *writer)
{
    if (c)
        pthread_mutex_lock(&c->pass_lock);
    sqlite3_wal_checkpoint_v2(writer, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (c)
        pthread_mutex_unlock(&c->pass_lock);
}

void sl_walckpt_stop(sl_walckpt *c)
{
    if (!c)
        return;
    wake(c, &c->stop);
    pthread_join(c->thread, NULL);
    walckpt_free(c);
}
