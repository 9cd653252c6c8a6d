/* STIX 2.1 patterning: a hand-written lexer and recursive-descent parser
 * following the grammar of the specification (part 9), and the extraction
 * of equality observables for the indicator index.
 * Not for: matching patterns against observed data. */
#include "engine/stix/pattern.h"

#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "engine/stix/stix.h"
#include "core/util.h"

enum tok {
    K_EOF = 0, K_LBRACK, K_RBRACK, K_LPAREN, K_RPAREN, K_COLON, K_DOT, K_COMMA, K_STAR,
    K_EQ, K_NE, K_LT, K_LE, K_GT, K_GE,
    K_AND, K_OR, K_NOT, K_FOLLOWEDBY, K_LIKE, K_MATCHES, K_ISSUPERSET, K_ISSUBSET, K_EXISTS,
    K_IN, K_WITHIN, K_SECONDS, K_START, K_STOP, K_REPEATS, K_TIMES,
    K_IDENT, K_STR, K_INT, K_FLOAT, K_BOOL, K_HEX, K_BIN, K_TIME,
};

static const struct {
    const char *w;
    enum tok t;
} keywords[] = {
    {"AND", K_AND}, {"OR", K_OR}, {"NOT", K_NOT}, {"FOLLOWEDBY", K_FOLLOWEDBY},
    {"LIKE", K_LIKE}, {"MATCHES", K_MATCHES}, {"ISSUPERSET", K_ISSUPERSET},
    {"ISSUBSET", K_ISSUBSET}, {"EXISTS", K_EXISTS}, {"IN", K_IN}, {"WITHIN", K_WITHIN},
    {"SECONDS", K_SECONDS}, {"START", K_START}, {"STOP", K_STOP}, {"REPEATS", K_REPEATS},
    {"TIMES", K_TIMES},
};

int vg__stix_pattern_reserved(const char *w, size_t len)
{
    for (size_t k = 0; len && w[0] >= 'A' && w[0] <= 'Z' && k < sizeof(keywords) / sizeof(keywords[0]);
         k++)
        if (strlen(keywords[k].w) == len && memcmp(keywords[k].w, w, len) == 0)
            return 1;
    return (len == 4 && strncasecmp(w, "true", 4) == 0) ||
           (len == 5 && strncasecmp(w, "false", 5) == 0);
}

struct parser {
    const char *s;
    size_t n, pos;
    struct vg_arena *a;
    const char *field;
    struct vg_err *err;
    int depth;
    size_t nodes;
    /* current token */
    enum tok t;
    size_t tstart;
    struct vg_pat_literal lit; /* for literal tokens */
    const char *ident;         /* K_IDENT text (arena) */
    int ident_hyphen;
    int rc;
};

static int perr(struct parser *p, size_t off, const char *what)
{
    if (p->rc == VG_OK)
        p->rc = vg_err_field(p->err, VG_EINVAL, p->field, "%s: offset %zu: %s", p->field, off,
                             what);
    return p->rc;
}

static int b64v(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Quoted text starting at p->pos (just after the quote); only \' and \\ are
 * escapes. Leaves pos after the closing quote. */
static int lex_quoted(struct parser *p, char **out, size_t *outn)
{
    size_t start = p->pos;
    char *buf = vg_arena_alloc(p->a, p->n - start + 1);
    size_t k = 0;
    while (p->pos < p->n) {
        char c = p->s[p->pos];
        if (c == '\'') {
            p->pos++;
            buf[k] = '\0';
            *out = buf;
            *outn = k;
            return VG_OK;
        }
        if (c == '\\') {
            if (p->pos + 1 >= p->n || (p->s[p->pos + 1] != '\'' && p->s[p->pos + 1] != '\\'))
                return perr(p, p->pos, "only \\' and \\\\ are escapes in a string");
            buf[k++] = p->s[p->pos + 1];
            p->pos += 2;
            continue;
        }
        buf[k++] = c;
        p->pos++;
    }
    return perr(p, start - 1, "unterminated string");
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int lex_number(struct parser *p)
{
    size_t i = p->pos;
    if (p->s[i] == '+' || p->s[i] == '-')
        i++;
    size_t ds = i;
    while (i < p->n && is_digit(p->s[i]))
        i++;
    size_t nd = i - ds;
    int is_float = 0;
    if (i < p->n && p->s[i] == '.') {
        size_t fs = ++i;
        while (i < p->n && is_digit(p->s[i]))
            i++;
        if (i == fs)
            return perr(p, p->pos, "digits expected after '.'");
        is_float = 1;
    } else if (nd == 0) {
        return perr(p, p->pos, "number expected");
    } else if (nd > 1 && p->s[ds] == '0') {
        return perr(p, p->pos, "leading zero in an integer");
    }
    char tmp[64];
    size_t len = i - p->pos;
    if (len >= sizeof(tmp))
        return perr(p, p->pos, "number too long");
    memcpy(tmp, p->s + p->pos, len);
    tmp[len] = '\0';
    memset(&p->lit, 0, sizeof(p->lit));
    p->lit.s = vg_arena_strndup(p->a, tmp, len);
    p->lit.n = len;
    if (is_float) {
        p->t = K_FLOAT;
        p->lit.kind = VG_PAT_FLOAT;
        p->lit.f = strtod(tmp, NULL);
    } else {
        char *e;
        p->t = K_INT;
        p->lit.kind = VG_PAT_INT;
        long long v = strtoll(tmp, &e, 10);
        if (*e != '\0' || v == LLONG_MAX || v == LLONG_MIN)
            return perr(p, p->pos, "integer out of range");
        p->lit.i = v;
    }
    p->pos = i;
    return VG_OK;
}

static int next(struct parser *p)
{
    while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                             p->s[p->pos] == '\r' || p->s[p->pos] == '\n'))
        p->pos++;
    p->tstart = p->pos;
    if (p->pos >= p->n) {
        p->t = K_EOF;
        return VG_OK;
    }
    char c = p->s[p->pos];
    char d = p->pos + 1 < p->n ? p->s[p->pos + 1] : '\0';
    switch (c) {
    case '[': p->t = K_LBRACK; p->pos++; return VG_OK;
    case ']': p->t = K_RBRACK; p->pos++; return VG_OK;
    case '(': p->t = K_LPAREN; p->pos++; return VG_OK;
    case ')': p->t = K_RPAREN; p->pos++; return VG_OK;
    case ':': p->t = K_COLON; p->pos++; return VG_OK;
    case ',': p->t = K_COMMA; p->pos++; return VG_OK;
    case '*': p->t = K_STAR; p->pos++; return VG_OK;
    case '=':
        p->t = K_EQ;
        p->pos += d == '=' ? 2 : 1;
        return VG_OK;
    case '!':
        if (d != '=')
            return perr(p, p->pos, "'!' must be followed by '='");
        p->t = K_NE;
        p->pos += 2;
        return VG_OK;
    case '<':
        if (d == '>') {
            p->t = K_NE;
            p->pos += 2;
        } else if (d == '=') {
            p->t = K_LE;
            p->pos += 2;
        } else {
            p->t = K_LT;
            p->pos++;
        }
        return VG_OK;
    case '>':
        p->t = d == '=' ? K_GE : K_GT;
        p->pos += d == '=' ? 2 : 1;
        return VG_OK;
    case '\'': {
        char *s;
        size_t n;
        p->pos++;
        if (lex_quoted(p, &s, &n))
            return p->rc;
        memset(&p->lit, 0, sizeof(p->lit));
        p->t = K_STR;
        p->lit.kind = VG_PAT_STR;
        p->lit.s = s;
        p->lit.n = n;
        return VG_OK;
    }
    default:
        break;
    }
    if (c == '.' && !is_digit(d)) {
        p->t = K_DOT;
        p->pos++;
        return VG_OK;
    }
    if (is_digit(c) || c == '.' || ((c == '-' || c == '+') && (is_digit(d) || d == '.')))
        return lex_number(p);
    if ((c == 'h' || c == 'b' || c == 't') && d == '\'') {
        char *s;
        size_t n, at = p->pos;
        p->pos += 2;
        if (lex_quoted(p, &s, &n))
            return p->rc;
        memset(&p->lit, 0, sizeof(p->lit));
        if (c == 'h') {
            if (n % 2)
                return perr(p, at, "hex literal needs an even number of digits");
            unsigned char *b = vg_arena_alloc(p->a, n / 2 + 1);
            for (size_t i = 0; i < n; i += 2) {
                int hi = vg_hexval(s[i]), lo = vg_hexval(s[i + 1]);
                if (hi < 0 || lo < 0)
                    return perr(p, at, "bad hex digit");
                b[i / 2] = (unsigned char)(hi * 16 + lo);
            }
            b[n / 2] = 0;
            p->t = K_HEX;
            p->lit.kind = VG_PAT_HEX;
            p->lit.s = (const char *)b;
            p->lit.n = n / 2;
        } else if (c == 'b') {
            if (n % 4)
                return perr(p, at, "base64 literal length must be a multiple of 4");
            unsigned char *b = vg_arena_alloc(p->a, n / 4 * 3 + 1);
            size_t k = 0;
            for (size_t i = 0; i < n; i += 4) {
                int v[4], pad = 0;
                for (int j = 0; j < 4; j++) {
                    char ch = s[i + j];
                    if (ch == '=' && i + 4 == n && j >= 2) {
                        v[j] = 0;
                        pad++;
                    } else {
                        if (pad)
                            return perr(p, at, "bad base64 padding");
                        v[j] = b64v(ch);
                        if (v[j] < 0)
                            return perr(p, at, "bad base64 character");
                    }
                }
                unsigned x = (unsigned)(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
                b[k++] = (unsigned char)(x >> 16);
                if (pad < 2)
                    b[k++] = (unsigned char)(x >> 8);
                if (pad < 1)
                    b[k++] = (unsigned char)x;
            }
            b[k] = 0;
            p->t = K_BIN;
            p->lit.kind = VG_PAT_BIN;
            p->lit.s = (const char *)b;
            p->lit.n = k;
        } else {
            int64_t ms;
            if (vg_stix_time_parse(s, 0, &ms) != 0)
                return perr(p, at, "timestamp literal must be t'YYYY-MM-DDTHH:MM:SS[.s]Z'");
            p->t = K_TIME;
            p->lit.kind = VG_PAT_TIME;
            p->lit.s = s;
            p->lit.n = n;
            p->lit.i = ms;
        }
        return VG_OK;
    }
    if (is_alpha(c)) {
        size_t i = p->pos;
        int hy = 0;
        while (i < p->n && (is_alpha(p->s[i]) || is_digit(p->s[i]) || p->s[i] == '-')) {
            hy |= p->s[i] == '-';
            i++;
        }
        size_t len = i - p->pos;
        const char *w = p->s + p->pos;
        p->pos = i;
        /* keywords are upper-case: an identifier starting otherwise is none */
        for (size_t k = 0; c >= 'A' && c <= 'Z' && k < sizeof(keywords) / sizeof(keywords[0]); k++)
            if (strlen(keywords[k].w) == len && memcmp(keywords[k].w, w, len) == 0) {
                p->t = keywords[k].t;
                return VG_OK;
            }
        if ((len == 4 && (c | 0x20) == 't' && strncasecmp(w, "true", 4) == 0) ||
            (len == 5 && (c | 0x20) == 'f' && strncasecmp(w, "false", 5) == 0)) {
            memset(&p->lit, 0, sizeof(p->lit));
            p->t = K_BOOL;
            p->lit.kind = VG_PAT_BOOL;
            p->lit.i = len == 4;
            return VG_OK;
        }
        p->t = K_IDENT;
        p->ident = vg_arena_strndup(p->a, w, len);
        p->ident_hyphen = hy;
        return VG_OK;
    }
    return perr(p, p->pos, "unexpected character");
}

static struct vg_pat_node *node(struct parser *p, enum vg_pat_kind k)
{
    if (++p->nodes > VG_PAT_MAX_NODES) {
        if (p->rc == VG_OK)
            p->rc = vg_err_field(p->err, VG_ETOOBIG, p->field, "%s: pattern too complex",
                                 p->field);
        return NULL;
    }
    struct vg_pat_node *n = vg_arena_calloc(p->a, 1, sizeof(*n));
    n->kind = k;
    return n;
}

static int expect(struct parser *p, enum tok t, const char *what)
{
    if (p->t != t)
        return perr(p, p->tstart, what);
    return next(p);
}

static struct vg_pat_node *obs_exprs(struct parser *p);
static struct vg_pat_node *cmp_or(struct parser *p);

static int push(struct parser *p)
{
    if (++p->depth > VG_PAT_MAX_DEPTH) {
        if (p->rc == VG_OK)
            p->rc = vg_err_field(p->err, VG_ETOOBIG, p->field, "%s: offset %zu: nesting too deep",
                                 p->field, p->tstart);
        return p->rc;
    }
    return VG_OK;
}

static int is_orderable(enum tok t)
{
    return t == K_INT || t == K_FLOAT || t == K_STR || t == K_BIN || t == K_HEX || t == K_TIME;
}

static int parse_path(struct parser *p, struct vg_pat_path *path)
{
    if (p->t != K_IDENT)
        return perr(p, p->tstart, "object type expected");
    path->object_type = p->ident;
    {
        const char *t = p->ident;
        size_t n = strlen(t);
        if (n < 3 || n > 250)
            return perr(p, p->tstart, "object type must be 3-250 characters");
    }
    if (next(p) || expect(p, K_COLON, "':' expected after the object type"))
        return p->rc;
    size_t cap = 4, k = 0;
    struct vg_pat_step *steps = vg_arena_alloc(p->a, cap * sizeof(*steps));
    int first = 1;
    for (;;) {
        if (k == cap) {
            struct vg_pat_step *ns = vg_arena_alloc(p->a, 2 * cap * sizeof(*ns));
            memcpy(ns, steps, cap * sizeof(*ns));
            steps = ns;
            cap *= 2;
        }
        if (first || p->t == K_DOT) {
            if (!first && next(p))
                return p->rc;
            if (p->t == K_IDENT && !p->ident_hyphen) {
                steps[k].kind = VG_PAT_KEY;
                steps[k].key = p->ident;
            } else if (p->t == K_STR) {
                steps[k].kind = VG_PAT_KEY;
                steps[k].key = p->lit.s;
            } else {
                return perr(p, p->tstart, "property name expected");
            }
            k++;
            first = 0;
            if (next(p))
                return p->rc;
        } else if (p->t == K_LBRACK) {
            if (next(p))
                return p->rc;
            if (p->t == K_STAR) {
                steps[k].kind = VG_PAT_ANY_INDEX;
            } else if (p->t == K_INT) {
                steps[k].kind = VG_PAT_INDEX;
                steps[k].index = p->lit.i;
            } else {
                return perr(p, p->tstart, "list index or '*' expected");
            }
            k++;
            if (next(p) || expect(p, K_RBRACK, "']' expected after the list index"))
                return p->rc;
        } else {
            break;
        }
    }
    path->steps = steps;
    path->n_steps = k;
    return VG_OK;
}

static struct vg_pat_node *prop_test(struct parser *p)
{
    struct vg_pat_node *n = NULL;
    if (p->t == K_LPAREN) {
        if (push(p) || next(p))
            return NULL;
        n = cmp_or(p);
        if (n == NULL || expect(p, K_RPAREN, "')' expected"))
            return NULL;
        p->depth--;
        return n;
    }
    if (p->t == K_EXISTS) {
        if (next(p) || (n = node(p, VG_PAT_EXISTS)) == NULL || parse_path(p, &n->path))
            return NULL;
        return n;
    }
    if ((n = node(p, VG_PAT_CMP)) == NULL || parse_path(p, &n->path))
        return NULL;
    if (p->t == K_NOT) {
        n->negated = 1;
        if (next(p))
            return NULL;
    }
    size_t at = p->tstart;
    switch (p->t) {
    case K_EQ: n->op = VG_PAT_EQ; break;
    case K_NE: n->op = VG_PAT_NE; break;
    case K_LT: n->op = VG_PAT_LT; break;
    case K_LE: n->op = VG_PAT_LE; break;
    case K_GT: n->op = VG_PAT_GT; break;
    case K_GE: n->op = VG_PAT_GE; break;
    case K_IN: n->op = VG_PAT_IN; break;
    case K_LIKE: n->op = VG_PAT_LIKE; break;
    case K_MATCHES: n->op = VG_PAT_MATCHES; break;
    case K_ISSUBSET: n->op = VG_PAT_ISSUBSET; break;
    case K_ISSUPERSET: n->op = VG_PAT_ISSUPERSET; break;
    default:
        perr(p, at, "comparison operator expected");
        return NULL;
    }
    if (next(p))
        return NULL;
    if (n->op == VG_PAT_IN) {
        if (expect(p, K_LPAREN, "'(' expected after IN"))
            return NULL;
        size_t cap = 4, k = 0;
        struct vg_pat_literal *l = vg_arena_alloc(p->a, cap * sizeof(*l));
        while (p->t != K_RPAREN) {
            if (k > 0 && expect(p, K_COMMA, "',' or ')' expected in the set"))
                return NULL;
            if (!is_orderable(p->t) && p->t != K_BOOL) {
                perr(p, p->tstart, "literal expected in the set");
                return NULL;
            }
            if (k == cap) {
                struct vg_pat_literal *nl = vg_arena_alloc(p->a, 2 * cap * sizeof(*nl));
                memcpy(nl, l, cap * sizeof(*nl));
                l = nl;
                cap *= 2;
            }
            if (++p->nodes > VG_PAT_MAX_NODES) {
                node(p, VG_PAT_CMP);
                return NULL;
            }
            l[k++] = p->lit;
            if (next(p))
                return NULL;
        }
        n->lits = l;
        n->n_lits = k;
        if (next(p))
            return NULL;
        return n;
    }
    int ok;
    switch (n->op) {
    case VG_PAT_EQ:
    case VG_PAT_NE: ok = is_orderable(p->t) || p->t == K_BOOL; break;
    case VG_PAT_LT:
    case VG_PAT_LE:
    case VG_PAT_GT:
    case VG_PAT_GE: ok = is_orderable(p->t); break;
    default: ok = p->t == K_STR; break;
    }
    if (!ok) {
        perr(p, p->tstart,
             n->op >= VG_PAT_LIKE ? "string literal expected" : "literal of a fitting type expected");
        return NULL;
    }
    n->lits = vg_arena_alloc(p->a, sizeof(*n->lits));
    n->lits[0] = p->lit;
    n->n_lits = 1;
    if (next(p))
        return NULL;
    return n;
}

static struct vg_pat_node *binary(struct parser *p, enum vg_pat_kind k, struct vg_pat_node *l,
                                  struct vg_pat_node *r)
{
    struct vg_pat_node *n = node(p, k);
    if (n) {
        n->left = l;
        n->right = r;
    }
    return n;
}

static struct vg_pat_node *cmp_and(struct parser *p)
{
    struct vg_pat_node *l = prop_test(p);
    while (l && p->t == K_AND) {
        if (next(p))
            return NULL;
        struct vg_pat_node *r = prop_test(p);
        if (r == NULL)
            return NULL;
        l = binary(p, VG_PAT_CMP_AND, l, r);
    }
    return l;
}

static struct vg_pat_node *cmp_or(struct parser *p)
{
    struct vg_pat_node *l = cmp_and(p);
    while (l && p->t == K_OR) {
        if (next(p))
            return NULL;
        struct vg_pat_node *r = cmp_and(p);
        if (r == NULL)
            return NULL;
        l = binary(p, VG_PAT_CMP_OR, l, r);
    }
    return l;
}

static int positive_int(struct parser *p, int64_t *v)
{
    if (p->t != K_INT || p->lit.i <= 0 || p->s[p->tstart] == '-')
        return perr(p, p->tstart, "positive integer expected");
    *v = p->lit.i;
    return next(p);
}

static struct vg_pat_node *obs_expr(struct parser *p)
{
    struct vg_pat_node *n = NULL;
    if (push(p))
        return NULL;
    if (p->t == K_LBRACK) {
        if (next(p))
            return NULL;
        struct vg_pat_node *c = cmp_or(p);
        if (c == NULL || expect(p, K_RBRACK, "']' expected to close the observation"))
            return NULL;
        if ((n = node(p, VG_PAT_OBSERVATION)) == NULL)
            return NULL;
        n->left = c;
    } else if (p->t == K_LPAREN) {
        if (next(p))
            return NULL;
        n = obs_exprs(p);
        if (n == NULL || expect(p, K_RPAREN, "')' expected"))
            return NULL;
    } else {
        perr(p, p->tstart, "'[' or '(' expected");
        return NULL;
    }
    p->depth--;
    for (;;) {
        struct vg_pat_node *q;
        if (p->t == K_WITHIN) {
            if (next(p) || (q = node(p, VG_PAT_QUALIFIED)) == NULL)
                return NULL;
            q->qual = VG_PAT_WITHIN;
            q->within_text = p->lit.s;
            if (p->t == K_INT && p->lit.i > 0 && p->s[p->tstart] != '-')
                q->within_seconds = (double)p->lit.i;
            else if (p->t == K_FLOAT && p->lit.f > 0 && p->s[p->tstart] != '-')
                q->within_seconds = p->lit.f;
            else {
                perr(p, p->tstart, "positive number of seconds expected after WITHIN");
                return NULL;
            }
            if (next(p) || expect(p, K_SECONDS, "SECONDS expected"))
                return NULL;
        } else if (p->t == K_START) {
            if (next(p) || (q = node(p, VG_PAT_QUALIFIED)) == NULL)
                return NULL;
            q->qual = VG_PAT_START_STOP;
            if (p->t != K_TIME) {
                perr(p, p->tstart, "timestamp literal expected after START");
                return NULL;
            }
            q->start = p->lit.i;
            q->start_text = p->lit.s;
            if (next(p) || expect(p, K_STOP, "STOP expected"))
                return NULL;
            if (p->t != K_TIME) {
                perr(p, p->tstart, "timestamp literal expected after STOP");
                return NULL;
            }
            q->stop = p->lit.i;
            q->stop_text = p->lit.s;
            if (q->stop <= q->start) {
                perr(p, p->tstart, "STOP must be later than START");
                return NULL;
            }
            if (next(p))
                return NULL;
        } else if (p->t == K_REPEATS) {
            if (next(p) || (q = node(p, VG_PAT_QUALIFIED)) == NULL)
                return NULL;
            q->qual = VG_PAT_REPEATS;
            if (positive_int(p, &q->repeats) || expect(p, K_TIMES, "TIMES expected"))
                return NULL;
        } else {
            break;
        }
        q->left = n;
        n = q;
    }
    return n;
}

static struct vg_pat_node *obs_and(struct parser *p)
{
    struct vg_pat_node *l = obs_expr(p);
    while (l && p->t == K_AND) {
        if (next(p))
            return NULL;
        struct vg_pat_node *r = obs_expr(p);
        if (r == NULL)
            return NULL;
        l = binary(p, VG_PAT_OBS_AND, l, r);
    }
    return l;
}

static struct vg_pat_node *obs_or(struct parser *p)
{
    struct vg_pat_node *l = obs_and(p);
    while (l && p->t == K_OR) {
        if (next(p))
            return NULL;
        struct vg_pat_node *r = obs_and(p);
        if (r == NULL)
            return NULL;
        l = binary(p, VG_PAT_OBS_OR, l, r);
    }
    return l;
}

static struct vg_pat_node *obs_exprs(struct parser *p)
{
    struct vg_pat_node *l = obs_or(p);
    while (l && p->t == K_FOLLOWEDBY) {
        if (next(p))
            return NULL;
        struct vg_pat_node *r = obs_or(p);
        if (r == NULL)
            return NULL;
        l = binary(p, VG_PAT_FOLLOWEDBY, l, r);
    }
    return l;
}

int vg_stix_pattern_parse(const char *s, size_t n, struct vg_arena *a, const char *field,
                          struct vg_pat_node **out, struct vg_err *err)
{
    struct parser p = {.s = s, .n = n, .a = a, .field = field ? field : "pattern", .err = err};
    struct vg_pat_node *root = NULL;
    *out = NULL;
    if (n > VG_PAT_MAX_LEN) {
        p.rc = vg_err_field(err, VG_ETOOBIG, p.field, "%s: longer than %u bytes", p.field,
                            (unsigned)VG_PAT_MAX_LEN);
        goto out;
    }
    if (memchr(s, '\0', n)) {
        perr(&p, (size_t)((const char *)memchr(s, '\0', n) - s), "NUL byte");
        goto out;
    }
    if (next(&p))
        goto out;
    root = obs_exprs(&p);
    if (root == NULL || p.rc)
        goto out;
    if (p.t != K_EOF) {
        perr(&p, p.tstart, "unexpected text after the pattern");
        goto out;
    }
    *out = root;
out:
    if (p.rc == VG_OK && *out == NULL)
        p.rc = perr(&p, p.tstart, "syntax error");
    return p.rc;
}

/* ---- observables ---- */

struct obs_acc {
    struct vg_arena *a;
    struct vg_pat_observable *v;
    size_t n, cap, skipped;
};

static int key_is(const struct vg_pat_step *st, const char *k)
{
    return st->kind == VG_PAT_KEY && strcmp(st->key, k) == 0;
}

/* The indicator type a path designates, or NONE. */
static enum vg_ioc_type path_type(const struct vg_pat_path *path)
{
    const char *t = path->object_type;
    const struct vg_pat_step *s = path->steps;
    size_t n = path->n_steps;
    if (n == 1 && key_is(&s[0], "value")) {
        if (!strcmp(t, "ipv4-addr") || !strcmp(t, "ipv6-addr"))
            return VG_IOC_IP;
        if (!strcmp(t, "domain-name"))
            return VG_IOC_DOMAIN;
        if (!strcmp(t, "url"))
            return VG_IOC_URL;
        if (!strcmp(t, "email-addr"))
            return VG_IOC_EMAIL;
        /* no STIX SCO carries phone numbers: the platform's plain JSON
         * submissions use this custom object type */
        if (!strcmp(t, "x-vigil-phone-number"))
            return VG_IOC_PHONE;
    }
    if (n >= 2 && key_is(&s[0], "hashes") && s[1].kind == VG_PAT_KEY && n == 2 &&
        (!strcmp(t, "file") || !strcmp(t, "artifact"))) {
        enum vg_ioc_type h = vg_ioc_type_parse(s[1].key);
        if (h >= VG_IOC_MD5 && h <= VG_IOC_SHA512)
            return h;
    }
    if (!strcmp(t, "network-traffic") && n == 2 &&
        (key_is(&s[0], "src_ref") || key_is(&s[0], "dst_ref")) && key_is(&s[1], "value"))
        return VG_IOC_IP;
    if (!strcmp(t, "email-message") && key_is(&s[n - 1], "value") &&
        (key_is(&s[0], "from_ref") || key_is(&s[0], "sender_ref") || key_is(&s[0], "to_refs") ||
         key_is(&s[0], "cc_refs") || key_is(&s[0], "bcc_refs")))
        return VG_IOC_EMAIL;
    return VG_IOC_NONE;
}

static void take(struct obs_acc *acc, enum vg_ioc_type t, const struct vg_pat_literal *l)
{
    char buf[VG_IOC_MAX + 1];
    size_t n;
    if (l->kind != VG_PAT_STR ||
        vg_ioc_normalize(t, l->s, l->n, buf, sizeof(buf), &n, NULL) != VG_OK) {
        acc->skipped++;
        return;
    }
    for (size_t i = 0; i < acc->n; i++)
        if (acc->v[i].type == t && strcmp(acc->v[i].value, buf) == 0)
            return;
    if (acc->n == acc->cap) {
        size_t nc = acc->cap ? acc->cap * 2 : 8;
        struct vg_pat_observable *nv = vg_arena_alloc(acc->a, nc * sizeof(*nv));
        if (acc->n)
            memcpy(nv, acc->v, acc->n * sizeof(*nv));
        acc->v = nv;
        acc->cap = nc;
    }
    acc->v[acc->n].type = t;
    acc->v[acc->n].value = vg_arena_strndup(acc->a, buf, n);
    acc->n++;
}

static void walk(const struct vg_pat_node *nd, struct obs_acc *acc, int depth)
{
    if (nd == NULL || depth > 2 * VG_PAT_MAX_DEPTH + 8)
        return;
    if (nd->kind == VG_PAT_CMP) {
        enum vg_ioc_type t = path_type(&nd->path);
        if (t == VG_IOC_NONE || nd->negated)
            return;
        if (nd->op == VG_PAT_EQ || nd->op == VG_PAT_IN)
            for (size_t i = 0; i < nd->n_lits; i++)
                take(acc, t, &nd->lits[i]);
        return;
    }
    walk(nd->left, acc, depth + 1);
    walk(nd->right, acc, depth + 1);
}

int vg_stix_pattern_observables(const struct vg_pat_node *root, struct vg_arena *a,
                                struct vg_pat_observable **out, size_t *n, size_t *skipped,
                                struct vg_err *err)
{
    struct obs_acc acc = {.a = a};
    (void)err;
    walk(root, &acc, 0);
    *out = acc.v;
    *n = acc.n;
    if (skipped)
        *skipped = acc.skipped;
    return VG_OK;
}
