#ifndef SUMMITD_BASE_ERR_H
#define SUMMITD_BASE_ERR_H

/* Error values of every fallible function in every folder: 0 on success, one of these
 * (negative) otherwise. The server maps each to an HTTP status and the API's default error code
 * (server/err.h); matching/ uses them without knowing about HTTP. */
enum sd_err {
    SD_OK = 0,
    SD_ERR_INVALID = -1,         /* 400 invalid_request */
    SD_ERR_UNAUTHENTICATED = -2, /* 401 unauthenticated */
    SD_ERR_FORBIDDEN = -3,       /* 403 forbidden */
    SD_ERR_NOT_FOUND = -4,       /* 404 not_found */
    SD_ERR_METHOD = -5,          /* 405 method_not_allowed */
    SD_ERR_CONFLICT = -6,        /* 409 conflict */
    SD_ERR_DUPLICATE = -7,       /* 409 duplicate (a unique key said no) */
    SD_ERR_TOO_LARGE = -8,       /* 413 body_too_large */
    SD_ERR_UNPROCESSABLE = -9,   /* 422 unprocessable */
    SD_ERR_RATE_LIMITED = -10,   /* 429 rate_limited */
    SD_ERR_INTERNAL = -11,       /* 500 internal */
    SD_ERR_UNAVAILABLE = -12,    /* 503 unavailable (a dependency is down or overloaded) */
    SD_ERR_RETRY = -13,          /* deadlock or lock wait timeout: run the transaction again */
};

#endif
