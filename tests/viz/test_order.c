/* Tests of viz/src/core/order.c: lmpviz_order_desc against a comparison
 * sort by (decreasing value, increasing index) on random arrays with ties,
 * zeros of both signs and negative values, on subsets of the indices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lmpviz_private.h"

static const float *g_key;

static int
cmp_ref(const void *a, const void *b)
{
    const size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const float x = g_key[i], y = g_key[j];
    if (x != y)
        return x > y ? -1 : 1;
    return (i > j) - (i < j);
}

static float
draw(unsigned kind)
{
    const double u = rand() / (double)RAND_MAX;
    switch (kind % 5) {
    case 0: /* few distinct values: long ties */
        return (float)(rand() % 4) * 0.25f;
    case 1: /* zeros of both signs among positives */
        return rand() % 3 == 0 ? (rand() % 2 ? -0.0f : 0.0f) : (float)u;
    case 2: /* negative and positive */
        return (float)(2.0 * u - 1.0) * 1e3f;
    case 3: /* tiny, denormal and huge */
        return rand() % 2 ? (float)u * 1e-40f : (float)u * 1e30f;
    default:
        return (float)u;
    }
}

static void
test_random_against_comparison_sort(void **state)
{
    unsigned trial;
    (void)state;
    srand(11);
    for (trial = 0; trial < 400; trial++) {
        const size_t n = trial < 10 ? trial : (size_t)(rand() % (trial < 390 ? 3000 : 200000));
        float *key = malloc((n ? n : 1) * sizeof *key);
        size_t *idx = malloc((n ? n : 1) * sizeof *idx);
        size_t *ref = malloc((n ? n : 1) * sizeof *ref);
        size_t i, k = 0;
        assert_non_null(key);
        assert_non_null(idx);
        assert_non_null(ref);
        for (i = 0; i < n; i++) {
            key[i] = draw(trial);
            if (trial % 2 == 0 || rand() % 3 != 0) /* a subset, like the valid pixels */
                idx[k++] = i;
        }
        memcpy(ref, idx, k * sizeof *idx);
        g_key = key;
        qsort(ref, k, sizeof *ref, cmp_ref);
        assert_int_equal(lmpviz_order_desc(key, idx, k), 0);
        for (i = 0; i < k; i++) {
            if (idx[i] != ref[i])
                fail_msg("trial %u (n %zu, k %zu): position %zu has %zu (%g), expected %zu (%g)",
                         trial, n, k, i, idx[i], (double)key[idx[i]], ref[i], (double)key[ref[i]]);
        }
        free(key);
        free(idx);
        free(ref);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_against_comparison_sort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
