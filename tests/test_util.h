/* Shared helpers for the cmocka tests (header-only). */
#ifndef LMP_TEST_UTIL_H
#define LMP_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

/* Seed of the property tests: LMP_TEST_SEED when set, else the clock.  It is
 * printed so that a failure can be replayed. */
static inline uint64_t
test_seed(void)
{
    const char *env = getenv("LMP_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
    printf("# LMP_TEST_SEED=%llu\n", (unsigned long long)seed);
    return seed;
}

/* splitmix64: small, fast, good enough for test inputs. */
static inline uint64_t
test_rand_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double
test_rand_unit(uint64_t *state)
{
    return (double)(test_rand_u64(state) >> 11) * 0x1.0p-53;
}

/* Path of ../shared, or NULL when the folder is absent. */
static inline const char *
test_shared_dir(void)
{
    const char *dir = getenv("LMP_SHARED_DIR");
    struct stat st;
    if (dir == NULL || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return dir;
}

#endif /* LMP_TEST_UTIL_H */
