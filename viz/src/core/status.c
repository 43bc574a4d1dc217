#include <stdarg.h>
#include <stdio.h>

#include "lmpviz.h"

const char *
lmpviz_status_string(lmpviz_status status)
{
    switch (status) {
    case LMPVIZ_OK:
        return "success";
    case LMPVIZ_ERR_INVALID_ARG:
        return "invalid argument";
    case LMPVIZ_ERR_IO:
        return "input/output error";
    case LMPVIZ_ERR_FORMAT:
        return "unexpected file format";
    case LMPVIZ_ERR_NOMEM:
        return "out of memory";
    case LMPVIZ_ERR_SOLVER:
        return "solver error";
    case LMPVIZ_ERR_CAIRO:
        return "cairo error";
    }
    return "unknown status";
}

void
lmpviz_err_set(lmpviz_err *err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}
