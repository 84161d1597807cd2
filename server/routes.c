/* Every route of summitd: method, path, handler, flags (PRIVATE: personal data or secrets in
 * the response, which then carries Cache-Control: no-store). The handler of a route is
 * handlers/<file>.c:<file>_<action>. Keep docs/openapi.yaml in step (tests/unit/test_openapi.c
 * fails otherwise). */
#include "server/routes.h"

#include "handlers/agenda.h"
#include "handlers/calendar.h"
#include "handlers/competitions.h"
#include "handlers/events.h"
#include "handlers/health.h"
#include "handlers/interests.h"
#include "handlers/invitations.h"
#include "handlers/login.h"
#include "handlers/meetings.h"
#include "handlers/notifications.h"
#include "handlers/organizations.h"
#include "handlers/outbox.h"
#include "handlers/pitches.h"
#include "handlers/projects.h"
#include "handlers/registrations.h"
#include "handlers/sessions.h"
#include "handlers/tickets.h"
#include "handlers/users.h"
#include "handlers/vocabularies.h"
#include "handlers/webhooks.h"
#include "server/router.h"
#include "server/static.h"
#include "base/xalloc.h"

#define GET HTTP_M_GET
#define POST HTTP_M_POST
#define PUT HTTP_M_PUT
#define PATCH HTTP_M_PATCH
#define DELETE HTTP_M_DELETE
#define AUTH ROUTE_AUTH
#define IDEM ROUTE_IDEMPOTENT
#define PRIVATE ROUTE_NO_STORE

const struct route_def routes[] = {
    /* the web client (server/static.h): embedded files, answered on the loop */
    {GET, "/", static_index, ROUTE_INLINE},
    {GET, "/index.html", static_index_html, ROUTE_INLINE},
    {GET, "/assets/{path}", static_asset, ROUTE_INLINE | ROUTE_TAIL},

    /* operations */
    {GET, "/healthz", health_live, ROUTE_INLINE},
    {GET, "/readyz", health_ready, 0},
    {GET, "/metrics", health_metrics, ROUTE_INLINE},
    {GET, "/api/v1/debug/sleep", health_debug_sleep, ROUTE_DEBUG},

    {GET, "/api/v1/vocabularies", vocabularies_get, ROUTE_INLINE},

    /* accounts */
    {POST, "/api/v1/users", users_create, IDEM | PRIVATE},
    {POST, "/api/v1/auth/login", login_create, PRIVATE},
    {POST, "/api/v1/auth/logout", login_delete, AUTH | PRIVATE},
    {POST, "/api/v1/auth/logout-all", login_delete_all, AUTH | PRIVATE},
    {GET, "/api/v1/me", users_me, AUTH | PRIVATE},
    {PATCH, "/api/v1/me", users_update_me, AUTH | PRIVATE},
    {POST, "/api/v1/users/{id}/roles", users_grant_role, AUTH | PRIVATE},

    /* notifications: the outbox for admins (dead letters) */
    {GET, "/api/v1/admin/outbox", outbox_list, AUTH | PRIVATE},
    {POST, "/api/v1/admin/outbox/{id}/retry", outbox_retry, AUTH | PRIVATE},

    /* organizations */
    {POST, "/api/v1/organizations", organizations_create, AUTH | IDEM},
    {GET, "/api/v1/organizations/{id}", organizations_get, 0},
    {POST, "/api/v1/organizations/{id}/invitations", invitations_create, AUTH | IDEM},
    {GET, "/api/v1/organizations/{id}/invitations", invitations_list_org, AUTH},
    {GET, "/api/v1/me/invitations", invitations_mine, AUTH},
    {POST, "/api/v1/invitations/{id}/accept", invitations_accept, AUTH},
    {POST, "/api/v1/invitations/{id}/decline", invitations_decline, AUTH},
    {DELETE, "/api/v1/invitations/{id}", invitations_revoke, AUTH},

    /* projects and matching */
    {POST, "/api/v1/projects", projects_create, AUTH | IDEM},
    {GET, "/api/v1/projects", projects_list, 0},
    {GET, "/api/v1/projects/{id}", projects_get, 0},
    {PATCH, "/api/v1/projects/{id}", projects_update, AUTH},
    {DELETE, "/api/v1/projects/{id}", projects_close, AUTH},
    {GET, "/api/v1/projects/{id}/recommendations", projects_recommendations, AUTH | ROUTE_LOOP_TRY},
    {POST, "/api/v1/projects/{id}/interests", interests_create, AUTH | IDEM},
    {GET, "/api/v1/me/matches", interests_my_matches, AUTH | PRIVATE},

    /* pitches and competitions */
    {POST, "/api/v1/sessions/{id}/pitches", pitches_create, AUTH | IDEM},
    {GET, "/api/v1/sessions/{id}/pitches", pitches_list, AUTH},
    {PUT, "/api/v1/pitches/{id}/slot", pitches_place, AUTH},
    {DELETE, "/api/v1/pitches/{id}/slot", pitches_unplace, AUTH},
    {POST, "/api/v1/sessions/{id}/pitches/schedule", pitches_schedule, AUTH | IDEM},
    {GET, "/api/v1/events/{id}/timetable", pitches_timetable, 0},
    {POST, "/api/v1/sessions/{id}/criteria", competitions_criteria_create, AUTH | IDEM},
    {POST, "/api/v1/sessions/{id}/entries", competitions_entries_create, AUTH | IDEM},
    {POST, "/api/v1/sessions/{id}/judges", competitions_judges_create, AUTH | IDEM},
    {PUT, "/api/v1/entries/{id}/scores", competitions_scores_put, AUTH},
    {GET, "/api/v1/sessions/{id}/leaderboard", competitions_leaderboard, 0},
    {POST, "/api/v1/sessions/{id}/results/publish", competitions_publish, AUTH | IDEM},
    {GET, "/api/v1/sessions/{id}/competition", competitions_get, 0},
    {GET, "/api/v1/sessions/{id}/my-scores", competitions_my_scores, AUTH | PRIVATE},

    /* events and registration */
    {POST, "/api/v1/events", events_create, AUTH | IDEM},
    {GET, "/api/v1/events", events_list, 0},
    {GET, "/api/v1/me/events", events_list_mine, AUTH | PRIVATE},
    {GET, "/api/v1/events/{id}", events_get, ROUTE_LOOP_CACHE},
    {PATCH, "/api/v1/events/{id}", events_update, AUTH},
    {POST, "/api/v1/events/{id}/publish", events_publish, AUTH},
    {POST, "/api/v1/events/{id}/cancel", events_cancel, AUTH},
    {POST, "/api/v1/events/{id}/sessions", sessions_create, AUTH | IDEM},
    {POST, "/api/v1/events/{id}/exhibitors", events_add_exhibitor, AUTH | IDEM},
    {GET, "/api/v1/events/{id}/audit", events_audit, AUTH | PRIVATE},
    {GET, "/api/v1/events/{id}/stats", events_stats, AUTH},
    {GET, "/api/v1/sessions/{id}", sessions_get, 0},
    {PATCH, "/api/v1/sessions/{id}", sessions_update, AUTH},
    {POST, "/api/v1/sessions/{id}/registrations", registrations_create, AUTH | IDEM | PRIVATE},
    {GET, "/api/v1/sessions/{id}/registrations", registrations_of_session, AUTH | PRIVATE},
    {GET, "/api/v1/registrations/{id}", registrations_get, AUTH | PRIVATE},
    {DELETE, "/api/v1/registrations/{id}", registrations_cancel, AUTH | PRIVATE},
    {GET, "/api/v1/registrations/{id}/ticket.svg", tickets_svg, AUTH | PRIVATE},
    {GET, "/api/v1/me/registrations", registrations_mine, AUTH | PRIVATE},
    {POST, "/api/v1/checkins", registrations_checkin, AUTH | PRIVATE},

    /* 1:1 meetings and agenda */
    {POST, "/api/v1/events/{id}/meeting-slots", meetings_create_slots, AUTH | IDEM},
    {GET, "/api/v1/events/{id}/meeting-slots", meetings_list_slots, AUTH},
    {POST, "/api/v1/events/{id}/meetings/schedule", meetings_schedule, AUTH | IDEM},
    {GET, "/api/v1/events/{id}/meetings", meetings_list_event, AUTH | PRIVATE},
    {GET, "/api/v1/me/meetings", meetings_list_mine, AUTH | PRIVATE},
    {DELETE, "/api/v1/meetings/{id}", meetings_delete, AUTH},
    {GET, "/api/v1/me/agenda", agenda_get, AUTH | PRIVATE},
    {GET, "/api/v1/me/agenda.ics", agenda_ics, AUTH | PRIVATE},
    {POST, "/api/v1/me/calendar", calendar_issue, AUTH | PRIVATE},
    {DELETE, "/api/v1/me/calendar", calendar_revoke, AUTH | PRIVATE},
    {GET, "/api/v1/me/notifications", notifications_list, AUTH | PRIVATE},
    {POST, "/api/v1/me/notifications/read", notifications_read, AUTH | PRIVATE},
    {GET, "/api/v1/me/notification-preferences", notifications_prefs_get, AUTH | PRIVATE},
    {PATCH, "/api/v1/me/notification-preferences", notifications_prefs_update, AUTH | PRIVATE},
    {GET, "/api/v1/calendar/{secret}.ics", calendar_feed, PRIVATE},

    /* webhooks (notify/webhook.h) */
    {POST, "/api/v1/events/{id}/webhooks", webhooks_create_event, AUTH | IDEM | PRIVATE},
    {GET, "/api/v1/events/{id}/webhooks", webhooks_list_event, AUTH | PRIVATE},
    {POST, "/api/v1/organizations/{id}/webhooks", webhooks_create_org, AUTH | IDEM | PRIVATE},
    {GET, "/api/v1/organizations/{id}/webhooks", webhooks_list_org, AUTH | PRIVATE},
    {GET, "/api/v1/webhooks/{id}", webhooks_get, AUTH | PRIVATE},
    {PATCH, "/api/v1/webhooks/{id}", webhooks_update, AUTH | PRIVATE},
    {DELETE, "/api/v1/webhooks/{id}", webhooks_delete, AUTH},
    {POST, "/api/v1/webhooks/{id}/rotate-secret", webhooks_rotate_secret, AUTH | IDEM | PRIVATE},
    {GET, "/api/v1/webhooks/{id}/deliveries", webhooks_deliveries, AUTH | PRIVATE},
    {POST, "/api/v1/debug/webhook-deliver", webhooks_debug_deliver, ROUTE_DEBUG},
};

const size_t routes_len = SD_ARRAY_LEN(routes);

loop_fn routes_loop_fn(handler_fn fn)
{
    static const struct {
        handler_fn fn;
        loop_fn loop;
    } loops[] = {{projects_recommendations, projects_recommendations_loop}};
    for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++)
        if (loops[i].fn == fn)
            return loops[i].loop;
    SD_ASSERT(!"a ROUTE_LOOP_TRY route without a loop_fn");
    return NULL;
}
