/* The HTTP front end: libmicrohttpd with a thread pool on epoll, a static
 * route table, an arena per request, JSON in and out. Handlers decode, call
 * one service function and encode; they hold no rule. */
#ifndef VG_HTTP_H
#define VG_HTTP_H

#include "core/err.h"
#include "service/service.h"

struct vg_http;

/* Starts listening on srv->cfg.listen. */
int vg_http_start(struct vg_server *srv, struct vg_http **out, struct vg_err *err);
/* The port actually bound (useful with port 0). */
unsigned vg_http_port(const struct vg_http *h);
/* Stops accepting, lets in-flight requests finish (up to grace seconds),
 * then stops the workers and frees h. */
void vg_http_stop(struct vg_http *h, int grace);

#endif
