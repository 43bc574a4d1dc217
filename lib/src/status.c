#include "lmp.h"

const char *
lmp_status_string(lmp_status status)
{
    switch (status) {
    case LMP_OK:
        return "success";
    case LMP_ERR_INVALID_ARG:
        return "invalid argument";
    case LMP_ERR_INVALID_LOSS:
        return "invalid loss (negative, NaN or infinite)";
    case LMP_ERR_EMPTY:
        return "no valid pixel";
    case LMP_ERR_NOMEM:
        return "out of memory";
    case LMP_ERR_NO_CONVERGENCE:
        return "solver did not converge";
    case LMP_ERR_CUDA:
        return "CUDA error";
    case LMP_ERR_UNSUPPORTED:
        return "not supported by this build";
    }
    return "unknown status";
}

const char *
lmp_version(void)
{
    return LMP_VERSION_STRING;
}
