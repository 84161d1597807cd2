#include "server/debug.h"

#include <stdbool.h>
#include <unistd.h>

#include "server/app.h"
#include "server/config.h"
#include "server/http.h"
#include "server/rds.h"

#define POLL_US 2000
#define POLLS 5000 /* 10 s */

void debug_hold(struct req *r, const char *point, int64_t id)
{
    if (!r->w->cfg->debug_routes)
        return;
    char hold[160], held[160];
    rds_key(r->w->rds, hold, sizeof(hold), "debug:hold:%s:%lld", point, (long long)id);
    rds_key(r->w->rds, held, sizeof(held), "debug:held:%s:%lld", point, (long long)id);
    bool holding = true;
    for (int i = 0; i < POLLS && holding; i++) {
        struct rds_reply rep;
        if (rds_cmd(r->w->rds, &rep, "EXISTS %s", hold) != 0)
            return;
        holding = rep.type == RDS_INTEGER && rep.integer == 1;
        rds_reply_clear(&rep);
        if (holding && i == 0 && rds_cmd(r->w->rds, NULL, "SET %s 1 EX 60", held) != 0)
            return;
        if (holding)
            usleep(POLL_US);
    }
}
