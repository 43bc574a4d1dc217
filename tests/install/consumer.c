/* A tiny program built against an installed liblmp (tests/install/run.sh):
 * solves one hand-worked case.  l = (4, 1), p = 2, m_px = 1: theta =
 * sqrt(17), L = sqrt(17/2). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lmp.h>

int
main(void)
{
    const float loss[2] = { 4.0f, 1.0f };
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result r;
    float w[2];

    prm.p = 2.0;
    prm.m = 0.5;
    if (lmp_solve(loss, NULL, 2, &prm, w, &r, NULL) != LMP_OK)
        return 1;
    if (fabs(r.value - sqrt(8.5)) > 1e-12 || strcmp(lmp_version(), LMP_VERSION_STRING) != 0)
        return 1;
    printf("lmp %s: L = %.12f\n", lmp_version(), r.value);
    return 0;
}
