#include "server/err.h"

static const struct {
    int err;
    int status;
    const char *code;
} table[] = {
    {SD_OK, 200, "ok"},
    {SD_ERR_INVALID, 400, "invalid_request"},
    {SD_ERR_UNAUTHENTICATED, 401, "unauthenticated"},
    {SD_ERR_FORBIDDEN, 403, "forbidden"},
    {SD_ERR_NOT_FOUND, 404, "not_found"},
    {SD_ERR_METHOD, 405, "method_not_allowed"},
    {SD_ERR_CONFLICT, 409, "conflict"},
    {SD_ERR_DUPLICATE, 409, "duplicate"},
    {SD_ERR_TOO_LARGE, 413, "body_too_large"},
    {SD_ERR_UNPROCESSABLE, 422, "unprocessable"},
    {SD_ERR_RATE_LIMITED, 429, "rate_limited"},
    {SD_ERR_INTERNAL, 500, "internal"},
    {SD_ERR_UNAVAILABLE, 503, "unavailable"},
    {SD_ERR_RETRY, 503, "unavailable"},
};

int sd_err_status(int err)
{
    for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].err == err)
            return table[i].status;
    return 500;
}

const char *sd_err_code(int err)
{
    for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].err == err)
            return table[i].code;
    return "internal";
}
