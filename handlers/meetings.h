#ifndef SUMMITD_HANDLERS_MEETINGS_H
#define SUMMITD_HANDLERS_MEETINGS_H

/* 1:1 meetings at an event (SPEC "1:1 meetings", issue 6). Organizations attend an event when a
 * member holds a confirmed registration for one of its sessions or the organizer added them as
 * exhibitors. The organizer creates meeting slots (consecutive, inside the event, all with the
 * same number of tables) and runs the scheduler (matching/meeting_sched.h) over every mutual
 * match whose two organizations attend, merged per pair of organizations. The stored plan obeys
 * unique keys (sql/0007_meetings.sql): one meeting per table and slot, one per organization and
 * slot, one per pair and event.
 *
 * Re-runs keep the meetings already scheduled (fed to the scheduler as fixed) unless
 * ?reset=true; pairs no longer eligible lose their meeting; a cancelled meeting (DELETE) is never
 * scheduled again for that pair and event (matching/meeting_plan.h decides what a run changes).
 * Organizations are blocked in the slots that overlap a placed pitch presented by one of their
 * members. Both lists page by key: (slot time, table) and (slot time, meeting id). */

struct req;

void meetings_create_slots(struct req *r); /* POST /api/v1/events/{id}/meeting-slots */
void meetings_list_slots(struct req *r);   /* GET /api/v1/events/{id}/meeting-slots */
void meetings_schedule(struct req *r);     /* POST /api/v1/events/{id}/meetings/schedule */
void meetings_list_event(struct req *r);   /* GET /api/v1/events/{id}/meetings */
void meetings_list_mine(struct req *r);    /* GET /api/v1/me/meetings */
void meetings_delete(struct req *r);       /* DELETE /api/v1/meetings/{id} */

#endif
