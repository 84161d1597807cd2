#include "server/secrets.h"

#include <string.h>

#include "server/crypto.h"
#include "server/db.h"
#include "server/err.h"
#include "server/log.h"

int secrets_get(struct db *db, const char *name, unsigned char out[SECRET_LEN])
{
    unsigned char fresh[SECRET_LEN];
    crypto_random(fresh, sizeof(fresh));
    int rc = db_exec(db, NULL, "INSERT IGNORE INTO app_secrets (name, value) VALUES (?, ?)", "sb",
                     name, (const void *)fresh, sizeof(fresh));
    if (rc)
        return rc;
    struct db_res res;
    rc = db_exec(db, &res, "SELECT value FROM app_secrets WHERE name = ?", "s", name);
    if (rc)
        return rc;
    if (res.nrows != 1 || res.lens[0] != SECRET_LEN) {
        log_error("app_secrets: key %s is missing or not %d bytes", name, SECRET_LEN);
        db_res_clear(&res);
        return SD_ERR_INTERNAL;
    }
    memcpy(out, res.cells[0], SECRET_LEN);
    db_res_clear(&res);
    return 0;
}
