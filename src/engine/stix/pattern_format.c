/* STIX patterns back to text: the canonical form (one spacing, literals as
 * written, parentheses only where precedence needs them) that parses back
 * to itself. Not for: parsing (pattern.c). */
#include <string.h>

#include "core/buf.h"
#include "engine/stix/pattern.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* ---- formatting ---- */

static const char *op_text(enum vg_pat_op op)
{
    static const char *const t[] = {"", "=", "!=", "<", "<=", ">", ">=", "IN", "LIKE",
                                    "MATCHES", "ISSUBSET", "ISSUPERSET"};
    return t[op];
}

static void fmt_lit(struct vg_buf *b, const struct vg_pat_literal *l)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *u = (const unsigned char *)l->s;
    switch (l->kind) {
    case VG_PAT_STR:
        vg_buf_putc(b, '\'');
        for (size_t i = 0; i < l->n; i++) {
            if (l->s[i] == '\'' || l->s[i] == '\\')
                vg_buf_putc(b, '\\');
            vg_buf_putc(b, l->s[i]);
        }
        vg_buf_putc(b, '\'');
        break;
    case VG_PAT_INT: vg_buf_printf(b, "%lld", (long long)l->i); break;
    case VG_PAT_FLOAT: vg_buf_puts(b, l->s); break; /* as written: %g may use exponents */
    case VG_PAT_BOOL: vg_buf_puts(b, l->i ? "true" : "false"); break;
    case VG_PAT_HEX:
        vg_buf_puts(b, "h'");
        for (size_t i = 0; i < l->n; i++)
            vg_buf_printf(b, "%02x", u[i]);
        vg_buf_putc(b, '\'');
        break;
    case VG_PAT_BIN:
        vg_buf_puts(b, "b'");
        for (size_t i = 0; i < l->n; i += 3) {
            unsigned x = (unsigned)u[i] << 16;
            if (i + 1 < l->n)
                x |= (unsigned)u[i + 1] << 8;
            if (i + 2 < l->n)
                x |= u[i + 2];
            vg_buf_putc(b, b64[(x >> 18) & 63]);
            vg_buf_putc(b, b64[(x >> 12) & 63]);
            vg_buf_putc(b, i + 1 < l->n ? b64[(x >> 6) & 63] : '=');
            vg_buf_putc(b, i + 2 < l->n ? b64[x & 63] : '=');
        }
        vg_buf_putc(b, '\'');
        break;
    case VG_PAT_TIME: vg_buf_printf(b, "t'%s'", l->s); break;
    }
}

static void fmt_path(struct vg_buf *b, const struct vg_pat_path *p)
{
    vg_buf_printf(b, "%s:", p->object_type);
    for (size_t i = 0; i < p->n_steps; i++) {
        const struct vg_pat_step *s = &p->steps[i];
        if (s->kind == VG_PAT_KEY) {
            int plain = is_alpha(s->key[0]);
            for (const char *c = s->key; *c && plain; c++)
                plain = is_alpha(*c) || is_digit(*c);
            /* hashes.'SECONDS' is a key; hashes.SECONDS does not parse */
            plain = plain && !vg__stix_pattern_reserved(s->key, strlen(s->key));
            if (i)
                vg_buf_putc(b, '.');
            if (plain) {
                vg_buf_puts(b, s->key);
            } else {
                struct vg_pat_literal l = {.kind = VG_PAT_STR, .s = s->key, .n = strlen(s->key)};
                fmt_lit(b, &l);
            }
        } else if (s->kind == VG_PAT_INDEX) {
            vg_buf_printf(b, "[%lld]", (long long)s->index);
        } else {
            vg_buf_puts(b, "[*]");
        }
    }
}

/* Binding strength of a binary node (0: not binary). Observation level:
 * FOLLOWEDBY < OR < AND; comparison level: OR < AND. */
static int prec(const struct vg_pat_node *n)
{
    switch (n->kind) {
    case VG_PAT_FOLLOWEDBY: return 1;
    case VG_PAT_OBS_OR: return 2;
    case VG_PAT_OBS_AND: return 3;
    case VG_PAT_CMP_OR: return 1;
    case VG_PAT_CMP_AND: return 2;
    default: return 0;
    }
}

static void fmt(struct vg_buf *b, const struct vg_pat_node *n, int depth);

/* Parentheses only where the grammar needs them (a weaker operator below a
 * stronger one, or the same operator on the right of a left-associative
 * chain), so the output nests no deeper than the input did. */
static void fmt_child(struct vg_buf *b, const struct vg_pat_node *parent,
                      const struct vg_pat_node *c, int right, int depth)
{
    int pc = prec(c), pp = prec(parent);
    int paren = pc && (parent->kind == VG_PAT_QUALIFIED || pc < pp || (pc == pp && right));
    if (paren)
        vg_buf_putc(b, '(');
    fmt(b, c, depth + 1);
    if (paren)
        vg_buf_putc(b, ')');
}

static void fmt(struct vg_buf *b, const struct vg_pat_node *n, int depth)
{
    if (depth > 4 * VG_PAT_MAX_DEPTH + VG_PAT_MAX_NODES)
        return;
    switch (n->kind) {
    case VG_PAT_FOLLOWEDBY:
    case VG_PAT_OBS_OR:
    case VG_PAT_OBS_AND:
    case VG_PAT_CMP_OR:
    case VG_PAT_CMP_AND: {
        const char *w = n->kind == VG_PAT_FOLLOWEDBY ? "FOLLOWEDBY"
                        : (n->kind == VG_PAT_OBS_OR || n->kind == VG_PAT_CMP_OR) ? "OR" : "AND";
        fmt_child(b, n, n->left, 0, depth);
        vg_buf_printf(b, " %s ", w);
        fmt_child(b, n, n->right, 1, depth);
        break;
    }
    case VG_PAT_OBSERVATION:
        vg_buf_putc(b, '[');
        fmt(b, n->left, depth + 1);
        vg_buf_putc(b, ']');
        break;
    case VG_PAT_QUALIFIED:
        fmt_child(b, n, n->left, 0, depth);
        if (n->qual == VG_PAT_WITHIN)
            vg_buf_printf(b, " WITHIN %s SECONDS", n->within_text);
        else if (n->qual == VG_PAT_REPEATS)
            vg_buf_printf(b, " REPEATS %lld TIMES", (long long)n->repeats);
        else
            vg_buf_printf(b, " START t'%s' STOP t'%s'", n->start_text, n->stop_text);
        break;
    case VG_PAT_EXISTS:
        vg_buf_puts(b, "EXISTS ");
        fmt_path(b, &n->path);
        break;
    case VG_PAT_CMP:
        fmt_path(b, &n->path);
        vg_buf_printf(b, "%s %s ", n->negated ? " NOT" : "", op_text(n->op));
        if (n->op == VG_PAT_IN) {
            vg_buf_putc(b, '(');
            for (size_t i = 0; i < n->n_lits; i++) {
                if (i)
                    vg_buf_puts(b, ", ");
                fmt_lit(b, &n->lits[i]);
            }
            vg_buf_putc(b, ')');
        } else {
            fmt_lit(b, &n->lits[0]);
        }
        break;
    }
}

char *vg_stix_pattern_format(const struct vg_pat_node *root, struct vg_arena *a)
{
    struct vg_buf b = {0};
    fmt(&b, root, 0);
    vg_buf_putc(&b, '\0');
    char *r = vg_arena_strdup(a, b.p);
    vg_buf_free(&b);
    return r;
}
