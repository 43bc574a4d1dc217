#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "lmpviz.h"

static const char *const profile_names[] = {
    [LMPVIZ_DIST_EXPONENTIAL] = "exponential",
    [LMPVIZ_DIST_LOGNORMAL] = "lognormal",
    [LMPVIZ_DIST_GAMMA] = "gamma",
    [LMPVIZ_DIST_UNIFORM] = "uniform",
    [LMPVIZ_DIST_HALFNORMAL] = "halfnormal",
};

#define PROFILE_NDIST (sizeof profile_names / sizeof profile_names[0])

lmpviz_status
lmpviz_dist_parse(const char *name, lmpviz_dist *dist)
{
    size_t i;

    if (name == NULL || dist == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    for (i = 0; i < PROFILE_NDIST; i++) {
        if (strcmp(name, profile_names[i]) == 0) {
            *dist = (lmpviz_dist)i;
            return LMPVIZ_OK;
        }
    }
    return LMPVIZ_ERR_INVALID_ARG;
}

const char *
lmpviz_dist_name(lmpviz_dist dist)
{
    if ((unsigned)dist >= PROFILE_NDIST)
        return "unknown";
    return profile_names[dist];
}

lmpviz_status
lmpviz_profile_generate(lmpviz_dist dist, size_t n, unsigned long seed, float *out)
{
    gsl_rng *r;
    size_t i;

    if ((unsigned)dist >= PROFILE_NDIST || (out == NULL && n > 0))
        return LMPVIZ_ERR_INVALID_ARG;
    r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r == NULL)
        return LMPVIZ_ERR_NOMEM;
    gsl_rng_set(r, seed);
    for (i = 0; i < n; i++) {
        double x;
        switch (dist) {
        case LMPVIZ_DIST_EXPONENTIAL:
            x = gsl_ran_exponential(r, 1.0);
            break;
        case LMPVIZ_DIST_LOGNORMAL:
            x = gsl_ran_lognormal(r, -1.0, 1.0);
            break;
        case LMPVIZ_DIST_GAMMA:
            x = gsl_ran_gamma(r, 0.5, 2.0);
            break;
        case LMPVIZ_DIST_UNIFORM:
            x = gsl_rng_uniform(r);
            break;
        case LMPVIZ_DIST_HALFNORMAL:
        default:
            x = fabs(gsl_ran_gaussian(r, 1.0));
            break;
        }
        out[i] = (float)x;
    }
    gsl_rng_free(r);
    return LMPVIZ_OK;
}
