/* A fixed pool of store connections handed out one per request. A caller
 * blocks while every connection is in use. */
#include "store/store.h"
#include "core/util.h"

#include <pthread.h>
#include <stdlib.h>

/* Connection 0 is the writer: every write transaction runs on it, one at a
 * time, so its page cache stays warm (a connection's cache is invalidated by
 * other connections' commits) and SQLite's sleeping busy handler never runs
 * inside this process. The others serve reads. */
struct vg_store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_mutex_t write_mu;
    int size, free_n;
    struct vg_store **all, **free_list;
};

int vg_pool_open(const char *uri, int size, struct vg_store_pool **out, struct vg_err *err)
{
    struct vg_store_pool *p = vg_xcalloc(1, sizeof(*p));
    int rc = VG_OK;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    pthread_mutex_init(&p->write_mu, NULL);
    if (size < 2)
        size = 2;
    p->all = vg_xcalloc((size_t)size, sizeof(*p->all));
    p->free_list = vg_xcalloc((size_t)size, sizeof(*p->free_list));
    for (int i = 0; i < size; i++) {
        /* the first connection applies pending migrations */
        if ((rc = vg_store_open(uri, 0, i == 0, &p->all[i], err)) != VG_OK)
            break;
        if (i > 0)
            p->free_list[p->free_n++] = p->all[i];
        p->size++;
    }
    if (rc == VG_OK)
        rc = vg_store_writer_setup(p->all[0], err);
    if (rc) {
        vg_pool_close(p);
        p = NULL;
    }
    *out = p;
    return rc;
}

void vg_pool_close(struct vg_store_pool *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->size; i++)
        vg_store_close(p->all[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->write_mu);
    free(p->all);
    free(p->free_list);
    free(p);
}

struct vg_store *vg_pool_get(struct vg_store_pool *p)
{
    struct vg_store *s;
    pthread_mutex_lock(&p->mu);
    while (p->free_n == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    s = p->free_list[--p->free_n];
    pthread_mutex_unlock(&p->mu);
    return s;
}

void vg_pool_put(struct vg_store_pool *p, struct vg_store *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->free_list[p->free_n++] = s;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

struct vg_store *vg_pool_writer(struct vg_store_pool *p)
{
    pthread_mutex_lock(&p->write_mu);
    return p->all[0];
}

void vg_pool_writer_put(struct vg_store_pool *p)
{
    pthread_mutex_unlock(&p->write_mu);
}
