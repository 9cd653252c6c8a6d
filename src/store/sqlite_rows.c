/* vg_rows: rows in the writer's memory read as a table. An eponymous
 * virtual table over an array, given as a pointer (sqlite3_bind_pointer, type
 * "vg_rows"): INSERT ... SELECT c0, c1, c2 FROM vg_rows(?1) stores a whole
 * batch in one statement, with no parameters bound and no statement stepped
 * per row. Used by the knowledge base's imports (sqlite_vulns.c) and the
 * writer's held indicator rows (sqlite_ioc.c). */
#include "store/sqlite_int.h"

#include <string.h>

struct rows_cur {
    sqlite3_vtab_cursor base;
    const struct vg__sq_rows *src;
    size_t i;
};

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                        sqlite3_vtab **out, char **msg)
{
    (void)aux;
    (void)argc;
    (void)argv;
    (void)msg;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9,"
                                      " c10, c11, src HIDDEN)");
    if (rc != SQLITE_OK)
        return rc;
    if ((*out = sqlite3_malloc(sizeof(**out))) == NULL)
        return SQLITE_NOMEM;
    memset(*out, 0, sizeof(**out));
    return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

/* The only plan: src given (an equality on the hidden column). Without it
 * the table is empty. */
static int rows_best_index(sqlite3_vtab *vt, sqlite3_index_info *ix)
{
    (void)vt;
    ix->estimatedCost = 1e12;
    for (int k = 0; k < ix->nConstraint; k++) {
        const struct sqlite3_index_constraint *c = &ix->aConstraint[k];
        if (c->iColumn == VG__SQ_ROWS_COLS && c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->usable) {
            ix->aConstraintUsage[k].argvIndex = 1;
            ix->aConstraintUsage[k].omit = 1;
            ix->idxNum = 1;
            ix->estimatedCost = 1;
            break;
        }
    }
    return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
    (void)vt;
    struct rows_cur *c = sqlite3_malloc(sizeof(*c));
    if (c == NULL)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    *out = &c->base;
    return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *cur)
{
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc,
                       sqlite3_value **argv)
{
    struct rows_cur *c = (struct rows_cur *)cur;
    (void)idxstr;
    c->src = idx == 1 && argc == 1 ? sqlite3_value_pointer(argv[0], "vg_rows") : NULL;
    c->i = 0;
    return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cur)
{
    ((struct rows_cur *)cur)->i++;
    return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cur)
{
    const struct rows_cur *c = (const struct rows_cur *)cur;
    return c->src == NULL || c->i >= c->src->n;
}

static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    const struct rows_cur *c = (const struct rows_cur *)cur;
    if (col < VG__SQ_ROWS_COLS)
        c->src->col(ctx, c->src->rows, c->i, col);
    return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)((const struct rows_cur *)cur)->i;
    return SQLITE_OK;
}

static const sqlite3_module rows_module = {
    .xConnect = rows_connect,
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = rows_column,
    .xRowid = rows_rowid,
};

int vg__sq_rows_register(struct sqlite_store *s, struct vg_err *err)
{
    if (sqlite3_create_module(s->db, "vg_rows", &rows_module, NULL) != SQLITE_OK)
        return vg_err_set(err, VG_EBACKEND, "cannot register vg_rows: %s",
                          sqlite3_errmsg(s->db));
    return VG_OK;
}

int vg__sq_rows_insert(struct sqlite_store *s, const char *q, const struct vg__sq_rows *src,
                       const char *what, struct vg_err *err)
{
    if (src->n == 0)
        return VG_OK;
    sqlite3_stmt *st = vg__sq_prep(s, q, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_pointer(st, 1, (void *)src, "vg_rows", NULL);
    return vg__sq_exec(s, st, what, 0, err);
}
