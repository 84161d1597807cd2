#ifndef SUMMITD_SERVER_ERR_H
#define SUMMITD_SERVER_ERR_H

/* The HTTP side of the error values of base/err.h: one table (err.c) maps each to its status
 * and the API's default error code. */
#include "base/err.h"

int sd_err_status(int err);
const char *sd_err_code(int err);

#endif
