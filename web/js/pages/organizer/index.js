// The organizer's pages: events and sessions, attendee lists, the check-in desk, the pitch
// timetable, competitions (and a judge's scoring page), the meeting plan and the stats.
// @ts-check
import { renderMyEvents, renderNewEvent, renderEvent } from './events.js';
import { renderRegistrations } from './registrations.js';
import { renderCheckin } from './checkin.js';
import { renderTimetable } from './timetable.js';
import { renderCompetitions, renderCompetition, renderJudge } from './competitions.js';
import { renderMeetings } from './meetings.js';
import { renderStats } from './stats.js';

/** @type {import('../../app.js').Route[]} */
export const routes = [
    { path: '#/org', title: 'org.events.title', render: renderMyEvents, role: 'organizer' },
    { path: '#/org/new-event', title: 'org.event.newTitle', render: renderNewEvent, role: 'organizer' },
    { path: '#/org/events/:id', title: 'org.nav.overview', render: renderEvent, role: 'organizer' },
    { path: '#/org/events/:id/timetable', title: 'org.nav.timetable', render: renderTimetable, role: 'organizer' },
    { path: '#/org/events/:id/checkin', title: 'org.nav.checkin', render: renderCheckin, role: 'organizer' },
    { path: '#/org/events/:id/competitions', title: 'org.nav.competitions', render: renderCompetitions, role: 'organizer' },
    { path: '#/org/events/:id/meetings', title: 'org.nav.meetings', render: renderMeetings, role: 'organizer' },
    { path: '#/org/events/:id/stats', title: 'org.nav.stats', render: renderStats, role: 'organizer' },
    { path: '#/org/sessions/:id/registrations', title: 'org.sessions.attendees', render: renderRegistrations, role: 'organizer' },
    { path: '#/org/sessions/:id/competition', title: 'org.nav.competitions', render: renderCompetition, role: 'organizer' },
    // A judge is any signed-in user the organizer assigned: no role needed.
    { path: '#/judge/sessions/:id', title: 'org.judge.title0', render: renderJudge, auth: true },
];
