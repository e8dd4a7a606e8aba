/*
 * queue.h: a bounded blocking queue of pointers joining two stage threads.
 *
 * push blocks while the queue is full, which is how a slow sink holds back
 * the reader and keeps memory bounded. close() marks the end of the stream:
 * pop returns NULL once the queue is closed and drained. abort() wakes
 * everybody and makes push and pop fail at once (an error in any stage).
 */
#ifndef SL_QUEUE_H
#define SL_QUEUE_H
#include <pthread.h>
#include <stddef.h>

typedef struct sl_queue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    void **items;
    size_t cap, head, count;
    int closed, aborted;
} sl_queue;

void sl_queue_init(sl_queue *q, size_t cap);
void sl_queue_release(sl_queue *q);
/* 0 on success, -1 if the queue was aborted (the item stays the caller's). */
int sl_queue_push(sl_queue *q, void *item);
/* The next item; NULL when closed and empty, or aborted. */
void *sl_queue_pop(sl_queue *q);
void sl_queue_close(sl_queue *q);
void sl_queue_abort(sl_queue *q);

#endif
