/*
 * compare_schemes.c - the weighting schemes as users write them
 * ("lmp:p=1.5,m=0.1;ohem:thresh=0.7"), parsed into lmp_scheme values with
 * their labels, for `lmpviz compare` and every command that takes schemes.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lmpviz.h"

static const char *const scheme_keys[LMP_SCHEME_COUNT] = {
    "p, m, m_px", "(no parameters)", "thresh, min_kept", "k, k_px",
    "gamma",      "source, classes", "source, classes",
};

static int
parse_num(const char *v, double *out)
{
    char *end = NULL;
    double x;
    if (*v == '\0')
        return -1;
    if (strcasecmp(v, "inf") == 0 || strcasecmp(v, "infinity") == 0) {
        *out = INFINITY;
        return 0;
    }
    errno = 0;
    x = strtod(v, &end);
    if (end == v || *end != '\0' || isnan(x) || (errno == ERANGE && isinf(x)))
        return -1;
    *out = x;
    return 0;
}

static char *
trim(char *s)
{
    char *e;
    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static void
make_label(lmpviz_scheme_spec *sp)
{
    const lmp_scheme *s = &sp->scheme;
    char ps[16];
    switch (s->kind) {
    case LMP_SCHEME_LMP:
        lmpviz_format_p(ps, sizeof ps, s->lmp.p);
        if (s->lmp.m_pixels > 0.0)
            snprintf(sp->label, sizeof sp->label, "LMP p = %s, m = %g px", ps, s->lmp.m_pixels);
        else
            snprintf(sp->label, sizeof sp->label, "LMP p = %s, m = %g", ps, s->lmp.m);
        break;
    case LMP_SCHEME_UNIFORM:
        snprintf(sp->label, sizeof sp->label, "uniform (mean)");
        break;
    case LMP_SCHEME_OHEM:
        snprintf(sp->label, sizeof sp->label, "OHEM p_t < %g, min_kept %zu", s->thresh,
                 s->min_kept);
        break;
    case LMP_SCHEME_TOPK:
        if (s->k_pixels > 0.0)
            snprintf(sp->label, sizeof sp->label, "top-k k = %g px", s->k_pixels);
        else
            snprintf(sp->label, sizeof sp->label, "top-k k = %g", s->k);
        break;
    case LMP_SCHEME_FOCAL:
        snprintf(sp->label, sizeof sp->label, "focal γ = %g", s->gamma);
        break;
    case LMP_SCHEME_INVFREQ:
    case LMP_SCHEME_MEDFREQ:
        snprintf(sp->label, sizeof sp->label, "%s (%s)",
                 s->kind == LMP_SCHEME_INVFREQ ? "inverse class freq." : "median freq.",
                 sp->from_split ? "split" : "per image");
        break;
    }
}

/* Defaults of every scheme's parameters (lmp_schemes.h). */
static void
scheme_defaults(lmp_scheme *s, lmp_scheme_kind kind)
{
    const lmp_params def = LMP_PARAMS_INIT;
    s->kind = kind;
    s->lmp = def;
    s->thresh = 0.7;
    s->min_kept = 100000;
    s->k = 0.1;
    s->gamma = 2.0;
    s->n_classes = LMPVIZ_CS_CLASSES;
}

/* Sets key of sp's scheme from val.  Returns the key's bit among the
 * scheme's keys, or -1 for a key the scheme does not take; *ok says whether
 * the value is valid, *want what is expected. */
static int
scheme_set_key(lmpviz_scheme_spec *sp, const char *key, const char *val, int *ok, const char **want)
{
    lmp_scheme *s = &sp->scheme;
    double v = 0.0;
    const int num = parse_num(val, &v) == 0;

#define KEY(name, bit, set, what, valid)                                                           \
    if (strcmp(key, name) == 0) {                                                                  \
        set;                                                                                       \
        *want = what;                                                                              \
        *ok = (valid);                                                                             \
        return bit;                                                                                \
    }
    switch (s->kind) {
    case LMP_SCHEME_LMP:
        KEY("p", 0, s->lmp.p = v, "p >= 1 (a number or inf)", num && v >= 1.0)
        KEY("m", 1, s->lmp.m = v, "a fraction in (0, 1]", num && v > 0.0 && v <= 1.0)
        KEY("m_px", 2, s->lmp.m_pixels = v, "a pixel count >= 1", num && v >= 1.0 && isfinite(v))
        break;
    case LMP_SCHEME_OHEM:
        KEY("thresh", 0, s->thresh = v, "a probability in [0, 1]", num && v >= 0.0 && v <= 1.0)
        KEY("min_kept", 1, s->min_kept = v >= 0.0 && v < 1e15 ? (size_t)v : 0,
            "a whole number >= 0", num && v >= 0.0 && v == floor(v) && v < 1e15)
        break;
    case LMP_SCHEME_TOPK:
        KEY("k", 0, s->k = v, "a fraction in (0, 1]", num && v > 0.0 && v <= 1.0)
        KEY("k_px", 1, s->k_pixels = v, "a pixel count >= 1", num && v >= 1.0 && isfinite(v))
        break;
    case LMP_SCHEME_FOCAL:
        KEY("gamma", 0, s->gamma = v, "a number >= 0", num && v >= 0.0 && isfinite(v))
        break;
    case LMP_SCHEME_INVFREQ:
    case LMP_SCHEME_MEDFREQ:
        KEY("source", 0, sp->from_split = strcmp(val, "split") == 0, "image or split",
            sp->from_split || strcmp(val, "image") == 0)
        KEY("classes", 1, s->n_classes = v >= 1.0 && v <= 256.0 ? (size_t)v : 0,
            "a class count in 1..256", num && v >= 1.0 && v <= 256.0 && v == floor(v))
        break;
    default:
        break;
    }
#undef KEY
    return -1;
}

/* The "KEY=VALUE,..." list of sp's scheme. */
static lmpviz_status
parse_params(char *params, size_t pos, lmpviz_scheme_spec *sp, lmpviz_err *err)
{
    const lmp_scheme *s = &sp->scheme;
    char *kv, *save = NULL;
    unsigned seen = 0;

    if (*trim(params) == '\0') {
        lmpviz_err_set(err, "scheme %zu \"%s\": expected KEY=VALUE after \":\"", pos, sp->text);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    for (kv = strtok_r(params, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '='), *key, *val;
        const char *want = "";
        int bit, ok = 0;

        if (eq == NULL) {
            lmpviz_err_set(err, "scheme %zu \"%s\": expected KEY=VALUE, got \"%s\"", pos, sp->text,
                           trim(kv));
            return LMPVIZ_ERR_INVALID_ARG;
        }
        *eq = '\0';
        key = trim(kv);
        val = trim(eq + 1);
        bit = scheme_set_key(sp, key, val, &ok, &want);
        if (bit < 0) {
            lmpviz_err_set(err, "scheme %zu \"%s\": unknown key \"%s\" (%s takes %s)", pos,
                           sp->text, key, lmp_scheme_name(s->kind), scheme_keys[s->kind]);
            return LMPVIZ_ERR_INVALID_ARG;
        }
        if (seen & (1u << bit)) {
            lmpviz_err_set(err, "scheme %zu \"%s\": \"%s\" is given twice", pos, sp->text, key);
            return LMPVIZ_ERR_INVALID_ARG;
        }
        seen |= 1u << bit;
        if (!ok) {
            lmpviz_err_set(err, "scheme %zu \"%s\": %s: expected %s, got \"%s\"", pos, sp->text,
                           key, want, val);
            return LMPVIZ_ERR_INVALID_ARG;
        }
    }
    if (s->kind == LMP_SCHEME_LMP && (seen & 2u) && (seen & 4u)) {
        lmpviz_err_set(err, "scheme %zu \"%s\": give m or m_px, not both", pos, sp->text);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (s->kind == LMP_SCHEME_TOPK && (seen & 1u) && (seen & 2u)) {
        lmpviz_err_set(err, "scheme %zu \"%s\": give k or k_px, not both", pos, sp->text);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    return LMPVIZ_OK;
}

/* One "name:k=v,..." item; pos is its 1-based position for messages. */
static lmpviz_status
parse_one(char *item, size_t pos, lmpviz_scheme_spec *sp, lmpviz_err *err)
{
    char *colon, *name;
    lmpviz_status st;
    int k, found = -1;

    memset(sp, 0, sizeof *sp);
    snprintf(sp->text, sizeof sp->text, "%s", item);
    colon = strchr(item, ':');
    if (colon != NULL)
        *colon = '\0';
    name = trim(item);
    for (k = 0; k < LMP_SCHEME_COUNT; k++) {
        if (strcasecmp(name, lmp_scheme_name((lmp_scheme_kind)k)) == 0)
            found = k;
    }
    if (found < 0) {
        lmpviz_err_set(
            err,
            "scheme %zu \"%s\": unknown scheme \"%s\" (expected lmp, uniform, ohem, topk, "
            "focal, invfreq or medfreq)",
            pos, sp->text, name);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    scheme_defaults(&sp->scheme, (lmp_scheme_kind)found);
    if (colon != NULL) {
        st = parse_params(colon + 1, pos, sp, err);
        if (st != LMPVIZ_OK)
            return st;
    }
    make_label(sp);
    return LMPVIZ_OK;
}

lmpviz_status
lmpviz_schemes_parse(
    const char *text, lmpviz_scheme_spec *out, size_t max, size_t *count, lmpviz_err *err)
{
    char *copy, *p;
    size_t n = 0, pos = 0;
    lmpviz_status st = LMPVIZ_OK;

    if (count != NULL)
        *count = 0;
    if (text == NULL || out == NULL || count == NULL) {
        lmpviz_err_set(err, "no scheme given");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    copy = strdup(text);
    if (copy == NULL) {
        lmpviz_err_set(err, "out of memory");
        return LMPVIZ_ERR_NOMEM;
    }
    p = copy;
    for (;;) {
        char *semi = strchr(p, ';');
        char *item;
        if (semi != NULL)
            *semi = '\0';
        item = trim(p);
        pos++;
        if (*item == '\0') {
            lmpviz_err_set(err, "scheme %zu is empty (schemes are separated by \";\")", pos);
            st = LMPVIZ_ERR_INVALID_ARG;
            break;
        }
        if (n == max) {
            lmpviz_err_set(err, "at most %zu schemes, got more", max);
            st = LMPVIZ_ERR_INVALID_ARG;
            break;
        }
        st = parse_one(item, pos, &out[n], err);
        if (st != LMPVIZ_OK)
            break;
        n++;
        if (semi == NULL)
            break;
        p = semi + 1;
    }
    free(copy);
    *count = st == LMPVIZ_OK ? n : 0;
    return st;
}
