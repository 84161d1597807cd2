#ifndef SUMMITD_HANDLERS_HEALTH_H
#define SUMMITD_HANDLERS_HEALTH_H

struct req;

void health_live(struct req *r);        /* GET /healthz (on the loop; touches nothing) */
void health_ready(struct req *r);       /* GET /readyz (MySQL and Redis answer) */
void health_metrics(struct req *r);     /* GET /metrics (on the loop) */
void health_debug_sleep(struct req *r); /* GET /api/v1/debug/sleep?ms= (debug_routes only) */

#endif
