#ifndef SUMMITD_SERVER_SECRETS_H
#define SUMMITD_SERVER_SECRETS_H

#include "base/xalloc.h"

/* Keys shared by every instance, kept in MySQL (table app_secrets). */

struct db;

#define SECRET_LEN 32

/* The key called `name`: made with 32 random bytes by the first caller anywhere (INSERT IGNORE),
 * read by everybody. 0 or SD_ERR_*. */
int secrets_get(struct db *db, const char *name, unsigned char out[SECRET_LEN]) SD_MUST_CHECK;

#endif
