/* Helpers shared by the solver tests (header-only): the property tests'
 * seed and the parameters of one (p, m).
 *
 * Include after <cmocka.h> and test_util.h.  Every function is static
 * inline, so a test file that uses only some of them still builds under
 * -Wall -Werror. */
#ifndef LMP_LIB_TEST_UTIL_H
#define LMP_LIB_TEST_UTIL_H

#include <stdint.h>

#include "lmp.h"
#include "test_util.h"

/* The seed of this file's property tests, set by setup_seed. */
static uint64_t seed_state;

/* Group setup: draws (and prints) the seed, see test_seed. */
static inline int
setup_seed(void **state)
{
    (void)state;
    seed_state = test_seed();
    return 0;
}

/* LMP_PARAMS_INIT with p and m (a fraction) set. */
static inline lmp_params
params_pm(double p, double m)
{
    lmp_params prm = LMP_PARAMS_INIT;
    prm.p = p;
    prm.m = m;
    return prm;
}

#endif /* LMP_LIB_TEST_UTIL_H */
