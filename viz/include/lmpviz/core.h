/*
 * lmpviz/core.h - status codes, error detail and formatting shared by every part of liblmpviz.
 *
 * Functions return lmpviz_status.  Those that read or write files take an
 * optional lmpviz_err (NULL accepted) that receives one line saying what was
 * expected and what was found; the caller adds the file name and prints it.
 * Nothing in liblmpviz prints or exits.
 */
#ifndef LMPVIZ_CORE_H
#define LMPVIZ_CORE_H

#include "lmp.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lmpviz_status {
    LMPVIZ_OK = 0,
    LMPVIZ_ERR_INVALID_ARG, /* a bad parameter or option value */
    LMPVIZ_ERR_IO,          /* open, read, write or rename failed */
    LMPVIZ_ERR_FORMAT,      /* the file is not what was expected */
    LMPVIZ_ERR_NOMEM,       /* allocation failed or size overflow */
    LMPVIZ_ERR_SOLVER,      /* liblmp returned an error */
    LMPVIZ_ERR_CAIRO        /* cairo reported an error */
} lmpviz_status;

#define LMPVIZ_ERR_LEN 320

/* Receives the detail of the last failure. */
typedef struct lmpviz_err {
    char msg[LMPVIZ_ERR_LEN];
} lmpviz_err;

const char *lmpviz_status_string(lmpviz_status status);

/* p for labels and titles: "1.5", or "∞" for p = inf. */
void lmpviz_format_p(char *buf, size_t size, double p);

/* Formats a message into err->msg (truncated to fit); nothing when err is
 * NULL. */
void lmpviz_err_set(lmpviz_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif /* LMPVIZ_CORE_H */
