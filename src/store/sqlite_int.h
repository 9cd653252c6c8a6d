/* Internals shared by the SQLite backend's files. */
#ifndef VG_SQLITE_INT_H
#define VG_SQLITE_INT_H

extern const char *const vg__sqlite_migrations[];

#endif
