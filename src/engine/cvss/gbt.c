/* The table-driven GB/T 30279-2020 grader: loads an operator-supplied,
 * versioned table file (format in docs/cvss.md) and grades indicator values
 * with it. Not for: the standard's official tables, which vigil does not ship
 * (the operator supplies them); nor I/O (the caller reads the file). */
#include "engine/cvss/grade.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_SYMS 64    /* indicators + stages */
#define MAX_VALS 64    /* values of one indicator / outputs of one stage (a uint64_t mask) */
#define MAX_RULES 4096
#define MAX_CONDS 64
#define MAX_TOKENS (MAX_CONDS + 8)
#define MAX_NAME 63

struct gbt_sym {
    const char *name;
    int is_stage;
    int nvals;
    const char *vals[MAX_VALS];
};

struct gbt_cond {
    int sym;
    uint64_t mask; /* allowed value indexes */
};

struct gbt_rule {
    int stage;
    int out;
    int ncond;
    struct gbt_cond *conds;
};

struct vg_gbt {
    const char *version;
    int nsym;
    struct gbt_sym syms[MAX_SYMS];
    int nrules;
    struct gbt_rule *rules; /* MAX_RULES slots */
    int result;             /* stage index, -1 until declared */
    enum vg_grade grade_of[MAX_VALS]; /* result stage output -> grade */
};

const char *vg_gbt_version(const struct vg_gbt *t)
{
    return t->version;
}

static int find_sym(const struct vg_gbt *t, const char *name)
{
    for (int i = 0; i < t->nsym; i++)
        if (strcmp(t->syms[i].name, name) == 0)
            return i;
    return -1;
}

static int find_val(const struct gbt_sym *s, const char *v)
{
    for (int i = 0; i < s->nvals; i++)
        if (strcmp(s->vals[i], v) == 0)
            return i;
    return -1;
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MAX_NAME)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        /* ASCII letters, digits, _ - . and any UTF-8 byte (Chinese names) */
        if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* Declares an indicator or a stage from tok[1..n). */
static int declare(struct vg_gbt *t, char **tok, int n, int is_stage, const char *where,
                   struct vg_err *err)
{
    int rc = VG_OK;
    struct gbt_sym *s;
    if (n < 3) {
        rc = vg_err_field(err, VG_EINVAL, where, "%s needs a name and at least one value",
                          tok[0]);
        goto out;
    }
    if (t->nsym == MAX_SYMS) {
        rc = vg_err_field(err, VG_ETOOBIG, where, "more than %d indicators and stages",
                          MAX_SYMS);
        goto out;
    }
    if (!valid_name(tok[1]) || find_sym(t, tok[1]) >= 0) {
        rc = vg_err_field(err, VG_EINVAL, where, "bad or duplicate name '%.63s'", tok[1]);
        goto out;
    }
    if (n - 2 > MAX_VALS) {
        rc = vg_err_field(err, VG_ETOOBIG, where, "more than %d values", MAX_VALS);
        goto out;
    }
    s = &t->syms[t->nsym];
    s->name = tok[1];
    s->is_stage = is_stage;
    s->nvals = 0;
    for (int i = 2; i < n; i++) {
        if (!valid_name(tok[i]) || find_val(s, tok[i]) >= 0) {
            rc = vg_err_field(err, VG_EINVAL, where, "bad or duplicate value '%.63s'", tok[i]);
            goto out;
        }
        s->vals[s->nvals++] = tok[i];
    }
    t->nsym++;
out:
    return rc;
}

/* rule STAGE COND... -> OUTPUT, COND = name=v1|v2|... or name=* */
static int add_rule(struct vg_gbt *t, struct vg_arena *a, char **tok, int n, const char *where,
                    struct vg_err *err)
{
    int rc = VG_OK, stage;
    struct gbt_rule *r;
    if (n < 4 || strcmp(tok[n - 2], "->") != 0) {
        rc = vg_err_field(err, VG_EINVAL, where, "expected: rule STAGE COND... -> OUTPUT");
        goto out;
    }
    stage = find_sym(t, tok[1]);
    if (stage < 0 || !t->syms[stage].is_stage) {
        rc = vg_err_field(err, VG_EINVAL, where, "'%.63s' is not a declared stage", tok[1]);
        goto out;
    }
    if (t->nrules == MAX_RULES) {
        rc = vg_err_field(err, VG_ETOOBIG, where, "more than %d rules", MAX_RULES);
        goto out;
    }
    r = &t->rules[t->nrules];
    r->stage = stage;
    r->out = find_val(&t->syms[stage], tok[n - 1]);
    if (r->out < 0) {
        rc = vg_err_field(err, VG_EINVAL, where, "'%.63s' is not an output of stage %s",
                          tok[n - 1], tok[1]);
        goto out;
    }
    r->ncond = n - 4;
    r->conds = vg_arena_calloc(a, (size_t)(r->ncond ? r->ncond : 1), sizeof(*r->conds));
    for (int i = 0; i < r->ncond; i++) {
        char *c = tok[2 + i], *eq = strchr(c, '='), *v;
        int sym;
        if (eq == NULL) {
            rc = vg_err_field(err, VG_EINVAL, where, "condition '%.63s' is not NAME=VALUE", c);
            goto out;
        }
        *eq = '\0';
        sym = find_sym(t, c);
        /* a stage may only test indicators and stages declared before it */
        if (sym < 0 || sym >= stage) {
            rc = vg_err_field(err, VG_EINVAL, where,
                              "'%.63s' is not an indicator or an earlier stage", c);
            goto out;
        }
        r->conds[i].sym = sym;
        v = eq + 1;
        if (strcmp(v, "*") == 0) {
            r->conds[i].mask = ~(uint64_t)0;
            continue;
        }
        while (v) {
            char *bar = strchr(v, '|');
            int k;
            if (bar)
                *bar = '\0';
            k = find_val(&t->syms[sym], v);
            if (k < 0) {
                rc = vg_err_field(err, VG_EINVAL, where, "'%.63s' is not a value of %s", v, c);
                goto out;
            }
            r->conds[i].mask |= (uint64_t)1 << k;
            v = bar ? bar + 1 : NULL;
        }
    }
    t->nrules++;
out:
    return rc;
}

static int set_result(struct vg_gbt *t, char **tok, int n, const char *where, struct vg_err *err)
{
    int rc = VG_OK, s;
    if (n != 2 || t->result >= 0) {
        rc = vg_err_field(err, VG_EINVAL, where, "expected one 'result STAGE' line");
        goto out;
    }
    s = find_sym(t, tok[1]);
    if (s < 0 || !t->syms[s].is_stage) {
        rc = vg_err_field(err, VG_EINVAL, where, "'%.63s' is not a declared stage", tok[1]);
        goto out;
    }
    for (int i = 0; i < t->syms[s].nvals; i++) {
        rc = vg_grade_parse(t->syms[s].vals[i], &t->grade_of[i], NULL);
        if (rc) {
            rc = vg_err_field(err, VG_EINVAL, where,
                              "output '%.63s' of the result stage is not a grade "
                              "(critical, high, medium, low, none or 超危, 高危, 中危, 低危)",
                              t->syms[s].vals[i]);
            goto out;
        }
    }
    t->result = s;
out:
    return rc;
}

int vg_gbt_load(const char *text, size_t n, struct vg_arena *a, struct vg_gbt **out,
                struct vg_err *err)
{
    int rc = VG_OK, lineno = 0, seen_header = 0;
    struct vg_gbt *t = NULL;
    char *copy, *line, *next;
    char where[32];

    *out = NULL;
    if (n > VG_GBT_MAX_TEXT) {
        rc = vg_err_field(err, VG_ETOOBIG, "table", "larger than %d bytes", VG_GBT_MAX_TEXT);
        goto out;
    }
    if (memchr(text, '\0', n)) {
        rc = vg_err_field(err, VG_EINVAL, "table", "NUL byte in the table");
        goto out;
    }
    copy = vg_arena_strndup(a, text, n);
    t = vg_arena_calloc(a, 1, sizeof(*t));
    t->rules = vg_arena_calloc(a, MAX_RULES, sizeof(*t->rules));
    t->result = -1;
    for (line = copy; line; line = next) {
        char *tok[MAX_TOKENS];
        int ntok = 0;
        char *p;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        snprintf(where, sizeof(where), "line %d", lineno);
        if ((p = strchr(line, '#')) != NULL)
            *p = '\0';
        for (p = line; *p;) {
            while (*p == ' ' || *p == '\t' || *p == '\r')
                *p++ = '\0';
            if (*p == '\0')
                break;
            if (ntok == MAX_TOKENS) {
                rc = vg_err_field(err, VG_ETOOBIG, where, "more than %d words", MAX_TOKENS);
                goto out;
            }
            tok[ntok++] = p;
            while (*p && *p != ' ' && *p != '\t' && *p != '\r')
                p++;
        }
        if (ntok == 0)
            continue;
        if (!seen_header) {
            if (ntok != 2 || strcmp(tok[0], "vigil-gbt30279") != 0 || strcmp(tok[1], "1") != 0) {
                rc = vg_err_field(err, VG_EINVAL, where,
                                  "the first line must be 'vigil-gbt30279 1'");
                goto out;
            }
            seen_header = 1;
        } else if (strcmp(tok[0], "version") == 0) {
            if (ntok != 2 || t->version) {
                rc = vg_err_field(err, VG_EINVAL, where, "expected one 'version NAME' line");
                goto out;
            }
            t->version = tok[1];
        } else if (strcmp(tok[0], "indicator") == 0) {
            if (t->nsym && t->syms[t->nsym - 1].is_stage) {
                rc = vg_err_field(err, VG_EINVAL, where, "indicators come before stages");
                goto out;
            }
            rc = declare(t, tok, ntok, 0, where, err);
        } else if (strcmp(tok[0], "stage") == 0) {
            rc = declare(t, tok, ntok, 1, where, err);
        } else if (strcmp(tok[0], "rule") == 0) {
            rc = add_rule(t, a, tok, ntok, where, err);
        } else if (strcmp(tok[0], "result") == 0) {
            rc = set_result(t, tok, ntok, where, err);
        } else {
            rc = vg_err_field(err, VG_EINVAL, where, "unknown keyword '%.63s'", tok[0]);
        }
        if (rc)
            goto out;
    }
    if (!seen_header || t->version == NULL || t->result < 0) {
        rc = vg_err_field(err, VG_EINVAL, "table",
                          "a table needs the header, a version and a result line");
        goto out;
    }
    for (int s = 0; s < t->nsym; s++) {
        int has_rule = 0;
        if (!t->syms[s].is_stage)
            continue;
        for (int r = 0; r < t->nrules && !has_rule; r++)
            has_rule = t->rules[r].stage == s;
        if (!has_rule) {
            rc = vg_err_field(err, VG_EINVAL, t->syms[s].name, "stage %s has no rule",
                              t->syms[s].name);
            goto out;
        }
    }
    *out = t;
out:
    return rc;
}

int vg_gbt_grade(const struct vg_gbt *t, const struct vg_gbt_input *in, size_t n,
                 struct vg_gbt_result *out, struct vg_err *err)
{
    int rc = VG_OK;
    int value[MAX_SYMS];
    memset(out, 0, sizeof(*out));
    for (int s = 0; s < MAX_SYMS; s++)
        value[s] = -1;
    for (size_t i = 0; i < n; i++) {
        int s = find_sym(t, in[i].name);
        if (s < 0 || t->syms[s].is_stage) {
            rc = vg_err_field(err, VG_EUNKNOWN, in[i].name, "unknown indicator '%.63s'",
                              in[i].name);
            goto out;
        }
        if (value[s] >= 0) {
            rc = vg_err_field(err, VG_EINVAL, in[i].name, "indicator %s given twice",
                              t->syms[s].name);
            goto out;
        }
        value[s] = find_val(&t->syms[s], in[i].value);
        if (value[s] < 0) {
            rc = vg_err_field(err, VG_EINVAL, in[i].name, "%s: bad value '%.63s'",
                              t->syms[s].name, in[i].value);
            goto out;
        }
    }
    for (int s = 0; s < t->nsym; s++) {
        if (!t->syms[s].is_stage) {
            if (value[s] < 0) {
                rc = vg_err_field(err, VG_EMISSING, t->syms[s].name, "missing indicator %s",
                                  t->syms[s].name);
                goto out;
            }
            continue;
        }
        for (int r = 0; r < t->nrules && value[s] < 0; r++) {
            const struct gbt_rule *rule = &t->rules[r];
            int ok = rule->stage == s;
            for (int c = 0; ok && c < rule->ncond; c++)
                ok = (rule->conds[c].mask >> value[rule->conds[c].sym]) & 1;
            if (ok)
                value[s] = rule->out;
        }
        if (value[s] < 0) {
            rc = vg_err_field(err, VG_EINVAL, t->syms[s].name,
                              "no rule of stage %s matches these indicators (table %s)",
                              t->syms[s].name, t->version);
            goto out;
        }
    }
    out->grade = t->grade_of[value[t->result]];
    out->version = t->version;
out:
    return rc;
}

int vg_gbt_parse_inputs(const char *s, struct vg_arena *a, struct vg_gbt_input *in, size_t max,
                        size_t *n, struct vg_err *err)
{
    int rc = VG_OK;
    char *copy = vg_arena_strdup(a, s), *item = copy;
    *n = 0;
    while (item) {
        char *comma = strchr(item, ','), *eq, *end;
        if (comma)
            *comma = '\0';
        while (*item == ' ')
            item++;
        end = item + strlen(item);
        while (end > item && end[-1] == ' ')
            *--end = '\0';
        eq = strchr(item, '=');
        if (eq == NULL || eq == item) {
            rc = vg_err_field(err, VG_EINVAL, "indicators", "'%.63s' is not NAME=VALUE", item);
            goto out;
        }
        if (*n == max) {
            rc = vg_err_field(err, VG_ETOOBIG, "indicators", "more than %zu indicators", max);
            goto out;
        }
        *eq = '\0';
        in[*n].name = item;
        in[*n].value = eq + 1;
        (*n)++;
        item = comma ? comma + 1 : NULL;
    }
out:
    return rc;
}
