// The typed API module of the web client: one function per core flow of the three roles, typed
// by web/js/api-types.d.ts, which openapi-typescript generates from docs/openapi.yaml
// (`make contract` regenerates it and type-checks this file with tsc --checkJs, so a change of
// the document that breaks a flow here fails the build).
// @ts-check

/** @typedef {import('./api-types').operations} Ops */
/** @typedef {import('./api-types').components['schemas']} Schemas */
/**
 * The JSON body of an operation's answer with a given status.
 * @template {keyof Ops} K
 * @template {number} S
 * @typedef {Ops[K]['responses'] extends Record<S, {content: {'application/json': infer B}}> ? B : never} Reply
 */
/**
 * The JSON request body of an operation.
 * @template {keyof Ops} K
 * @typedef {NonNullable<Ops[K]['requestBody']> extends {content: {'application/json': infer B}} ? B : never} Body
 */

/** An error answer: the status and the envelope's code, message and field. */
export class ApiError extends Error {
    /** @param {number} status @param {Schemas['Error']} envelope */
    constructor(status, envelope) {
        super(envelope.error.message);
        this.status = status;
        this.code = envelope.error.code;
        this.field = envelope.error.field;
        /** the whole envelope: clash ids, check-in window times, the registration concerned */
        this.envelope = envelope;
    }
}

/**
 * @typedef {object} CallOptions
 * @property {string} [token] the Bearer token of POST /auth/login
 * @property {unknown} [body]
 * @property {Record<string, string | number | undefined>} [query]
 * @property {string} [idempotencyKey]
 */

export class Api {
    /** @param {string} base e.g. "" (same origin) or "http://127.0.0.1:8080" */
    constructor(base = '') {
        this.base = base;
        /** @type {string | undefined} */
        this.token = undefined;
        /** @type {'zh' | 'en'} the language of the server's messages (Accept-Language) */
        this.lang = 'zh';
    }

    /**
     * @param {string} method @param {string} path @param {CallOptions} [o]
     * @returns {Promise<any>}
     */
    async call(method, path, o = {}) {
        /** @type {Record<string, string>} */
        const headers = { Accept: 'application/json', 'Accept-Language': this.lang };
        const token = o.token ?? this.token;
        if (token) headers.Authorization = `Bearer ${token}`;
        if (o.body !== undefined) headers['Content-Type'] = 'application/json';
        if (o.idempotencyKey) headers['Idempotency-Key'] = o.idempotencyKey;
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(o.query || {})) if (v !== undefined) q.set(k, String(v));
        const qs = q.toString();
        const res = await fetch(`${this.base}${path}${qs ? `?${qs}` : ''}`, {
            method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body),
        });
        const data = res.status === 204 ? null : await res.json().catch(() => ({ error: { code: 'bad_reply', message: `HTTP ${res.status}` } }));
        if (!res.ok) throw new ApiError(res.status, data);
        return data;
    }

    // ---- everyone
    /** @param {Body<'users_create'>} b @returns {Promise<Reply<'users_create', 201>>} */
    signUp(b) { return this.call('POST', '/api/v1/users', { body: b, idempotencyKey: crypto.randomUUID() }); }
    /** @param {Body<'login_create'>} b @returns {Promise<Reply<'login_create', 200>>} */
    async logIn(b) {
        /** @type {Reply<'login_create', 200>} */
        const s = await this.call('POST', '/api/v1/auth/login', { body: b });
        this.token = s.token;
        return s;
    }
    /** @returns {Promise<Reply<'users_me', 200>>} */
    me() { return this.call('GET', '/api/v1/me'); }
    /** @param {{q?: string, limit?: number, cursor?: string}} [query] @returns {Promise<Reply<'events_list', 200>>} */
    events(query) { return this.call('GET', '/api/v1/events', { query }); }
    /** @param {number} id @returns {Promise<Reply<'events_get', 200>>} */
    event(id) { return this.call('GET', `/api/v1/events/${id}`); }

    // ---- attendee
    /** @param {number} sessionId @returns {Promise<Reply<'registrations_create', 201>>} */
    register(sessionId) {
        return this.call('POST', `/api/v1/sessions/${sessionId}/registrations`, { idempotencyKey: crypto.randomUUID() });
    }
    /** @returns {Promise<Reply<'registrations_mine', 200>>} */
    myRegistrations() { return this.call('GET', '/api/v1/me/registrations'); }
    /** @returns {Promise<Reply<'agenda_get', 200>>} */
    agenda() { return this.call('GET', '/api/v1/me/agenda'); }

    // ---- enterprise
    /** @param {Body<'organizations_create'>} b @returns {Promise<Reply<'organizations_create', 201>>} */
    createOrganization(b) { return this.call('POST', '/api/v1/organizations', { body: b, idempotencyKey: crypto.randomUUID() }); }
    /** @param {Body<'projects_create'>} b @returns {Promise<Reply<'projects_create', 201>>} */
    createProject(b) { return this.call('POST', '/api/v1/projects', { body: b, idempotencyKey: crypto.randomUUID() }); }
    /** @param {number} projectId @returns {Promise<Reply<'projects_recommendations', 200>>} */
    recommendations(projectId) { return this.call('GET', `/api/v1/projects/${projectId}/recommendations`); }
    /** @param {number} projectId @param {Body<'interests_create'>} b @returns {Promise<Reply<'interests_create', 201>>} */
    express(projectId, b) { return this.call('POST', `/api/v1/projects/${projectId}/interests`, { body: b }); }
    /** @returns {Promise<Reply<'interests_my_matches', 200>>} */
    matches() { return this.call('GET', '/api/v1/me/matches'); }
    /** @returns {Promise<Reply<'meetings_list_mine', 200>>} */
    myMeetings() { return this.call('GET', '/api/v1/me/meetings'); }

    // ---- web: the shell, attendee and enterprise pages
    /**
     * A GET whose answer is not JSON (ticket SVG, .ics), with the Bearer token; the body as a Blob.
     * @param {string} path @returns {Promise<Blob>}
     */
    async blob(path) {
        /** @type {Record<string, string>} */
        const headers = { 'Accept-Language': this.lang };
        if (this.token) headers.Authorization = `Bearer ${this.token}`;
        const res = await fetch(`${this.base}${path}`, { headers });
        if (!res.ok) {
            const env = await res.json().catch(() => ({ error: { code: 'bad_reply', message: `HTTP ${res.status}` } }));
            throw new ApiError(res.status, env);
        }
        return res.blob();
    }
    /** @returns {Promise<void>} */
    logOut() { return this.call('POST', '/api/v1/auth/logout'); }
    /** @param {number} registrationId @returns {Promise<Reply<'registrations_cancel', 200>>} */
    cancelRegistration(registrationId) { return this.call('DELETE', `/api/v1/registrations/${registrationId}`); }
    /** @param {number} registrationId @returns {Promise<Reply<'registrations_get', 200>>} */
    registration(registrationId) { return this.call('GET', `/api/v1/registrations/${registrationId}`); }
    /** @param {{limit?: number, cursor?: string, status?: string}} [query] @returns {Promise<Reply<'registrations_mine', 200>>} */
    myRegistrationsPage(query) { return this.call('GET', '/api/v1/me/registrations', { query }); }
    /** The path of a registration's QR ticket (SVG; fetch it with blob()). @param {number} registrationId */
    ticketPath(registrationId) { return `/api/v1/registrations/${registrationId}/ticket.svg`; }
    /** @param {number} registrationId @returns {Promise<Blob>} */
    ticketSvg(registrationId) { return this.blob(this.ticketPath(registrationId)); }
    /** @returns {Promise<Blob>} the agenda as text/calendar */
    agendaIcs() { return this.blob(`/api/v1/me/agenda.ics?lang=${this.lang}`); }
    /** @returns {Promise<Reply<'agenda_get', 200>>} */
    agendaIn() { return this.call('GET', '/api/v1/me/agenda', { query: { lang: this.lang } }); }
    /** @returns {Promise<Reply<'calendar_issue', 201>>} */
    calendarFeed() { return this.call('POST', '/api/v1/me/calendar'); }
    /** @returns {Promise<Reply<'vocabularies_get', 200>>} */
    vocabularies() { return this.call('GET', '/api/v1/vocabularies'); }
    /** @param {number} id @returns {Promise<Reply<'organizations_get', 200>>} */
    organization(id) { return this.call('GET', `/api/v1/organizations/${id}`); }
    /** @param {{organization_id?: number, side?: 'supply' | 'demand', status?: 'open' | 'closed', limit?: number, cursor?: string}} query @returns {Promise<Reply<'projects_list', 200>>} */
    projects(query) { return this.call('GET', '/api/v1/projects', { query }); }
    /** @param {number} id @returns {Promise<Reply<'projects_get', 200>>} */
    project(id) { return this.call('GET', `/api/v1/projects/${id}`); }
    /** @param {number} id @param {Body<'projects_update'>} b @returns {Promise<Reply<'projects_update', 200>>} */
    updateProject(id, b) { return this.call('PATCH', `/api/v1/projects/${id}`, { body: b }); }
    /** @param {number} id @returns {Promise<unknown>} */
    closeProject(id) { return this.call('DELETE', `/api/v1/projects/${id}`); }
    /** @param {number} projectId @returns {Promise<Reply<'projects_recommendations', 200>>} */
    recommendationsIn(projectId) { return this.call('GET', `/api/v1/projects/${projectId}/recommendations`, { query: { lang: this.lang } }); }

    // ---- notifications (every signed-in user)
    /** @param {{limit?: number, cursor?: string}} [query] @returns {Promise<Reply<'notifications_list', 200>>} */
    notifications(query) { return this.call('GET', '/api/v1/me/notifications', { query }); }
    /** Marks read up to an id (all without one). @param {number} [upTo] @returns {Promise<Reply<'notifications_read', 200>>} */
    markNotificationsRead(upTo) {
        /** @type {Body<'notifications_read'> | undefined} */
        const b = upTo === undefined ? undefined : { up_to: upTo };
        return this.call('POST', '/api/v1/me/notifications/read', { body: b });
    }
    /** @returns {Promise<Reply<'notifications_prefs_get', 200>>} */
    notificationPrefs() { return this.call('GET', '/api/v1/me/notification-preferences'); }
    /** @param {Body<'notifications_prefs_update'>} b @returns {Promise<Reply<'notifications_prefs_update', 200>>} */
    updateNotificationPrefs(b) { return this.call('PATCH', '/api/v1/me/notification-preferences', { body: b }); }

    // ---- organizer
    /** @param {Body<'events_create'>} b @returns {Promise<Reply<'events_create', 201>>} */
    createEvent(b) { return this.call('POST', '/api/v1/events', { body: b, idempotencyKey: crypto.randomUUID() }); }
    /** @param {number} eventId @param {Body<'sessions_create'>} b @returns {Promise<Reply<'sessions_create', 201>>} */
    createSession(eventId, b) { return this.call('POST', `/api/v1/events/${eventId}/sessions`, { body: b }); }
    /** @param {number} eventId @returns {Promise<Reply<'events_publish', 200>>} */
    publish(eventId) { return this.call('POST', `/api/v1/events/${eventId}/publish`); }
    /** @param {number} eventId @returns {Promise<Reply<'events_stats', 200>>} */
    stats(eventId) { return this.call('GET', `/api/v1/events/${eventId}/stats`); }
    /** @param {Body<'registrations_checkin'>} b @returns {Promise<Reply<'registrations_checkin', 200>>} */
    checkIn(b) { return this.call('POST', '/api/v1/checkins', { body: b }); }

    // ---- org: the organizer pages and the venue's big screen
    /** @param {{status?: 'draft' | 'published' | 'cancelled', limit?: number, cursor?: string}} [query] @returns {Promise<Reply<'events_list_mine', 200>>} */
    myEvents(query) { return this.call('GET', '/api/v1/me/events', { query }); }
    /** @param {number} id @param {Body<'events_update'>} b @returns {Promise<Reply<'events_update', 200>>} */
    updateEvent(id, b) { return this.call('PATCH', `/api/v1/events/${id}`, { body: b }); }
    /** @param {number} id @returns {Promise<Reply<'events_cancel', 200>>} */
    cancelEvent(id) { return this.call('POST', `/api/v1/events/${id}/cancel`); }
    /** @param {number} id @returns {Promise<Reply<'sessions_get', 200>>} */
    session(id) { return this.call('GET', `/api/v1/sessions/${id}`); }
    /** @param {number} id @param {Body<'sessions_update'>} b @returns {Promise<Reply<'sessions_update', 200>>} */
    updateSession(id, b) { return this.call('PATCH', `/api/v1/sessions/${id}`, { body: b }); }
    /**
     * @param {number} sessionId
     * @param {{status?: 'confirmed' | 'waitlisted' | 'cancelled', limit?: number, cursor?: string}} [query]
     * @returns {Promise<Reply<'registrations_of_session', 200>>}
     */
    sessionRegistrations(sessionId, query) {
        return this.call('GET', `/api/v1/sessions/${sessionId}/registrations`, { query });
    }
    /**
     * The session's registrations as CSV (RFC 4180, UTF-8 with BOM), fetched with the token so the
     * page can save it through a blob URL.
     * @param {number} sessionId @returns {Promise<Blob>}
     */
    async sessionRegistrationsCsv(sessionId) {
        /** @type {Record<string, string>} */
        const headers = { Accept: 'text/csv' };
        if (this.token) headers.Authorization = `Bearer ${this.token}`;
        const res = await fetch(`${this.base}/api/v1/sessions/${sessionId}/registrations?format=csv`, { headers });
        if (!res.ok) throw new ApiError(res.status, await res.json());
        return res.blob();
    }
    /** @param {number} eventId @returns {Promise<Reply<'pitches_timetable', 200>>} */
    timetable(eventId) { return this.call('GET', `/api/v1/events/${eventId}/timetable`); }
    /** @param {number} sessionId @param {Body<'pitches_create'>} b @returns {Promise<Reply<'pitches_create', 201>>} */
    createPitch(sessionId, b) {
        return this.call('POST', `/api/v1/sessions/${sessionId}/pitches`, { body: b, idempotencyKey: crypto.randomUUID() });
    }
    /**
     * Every pitch of a pitch session, placed or not (placed: 'true' or 'false' keeps one kind).
     * @param {number} sessionId
     * @param {{placed?: 'true' | 'false', limit?: number, cursor?: string}} [query]
     * @returns {Promise<Reply<'pitches_list', 200>>}
     */
    sessionPitches(sessionId, query) {
        return this.call('GET', `/api/v1/sessions/${sessionId}/pitches`, { query });
    }
    /** @param {number} pitchId @param {string} startsAt @returns {Promise<Reply<'pitches_place', 200>>} */
    placePitch(pitchId, startsAt) {
        /** @type {Body<'pitches_place'>} */
        const b = { starts_at: startsAt };
        return this.call('PUT', `/api/v1/pitches/${pitchId}/slot`, { body: b });
    }
    /** @param {number} pitchId @returns {Promise<null>} */
    unplacePitch(pitchId) { return this.call('DELETE', `/api/v1/pitches/${pitchId}/slot`); }
    /** @param {number} sessionId @returns {Promise<Reply<'pitches_schedule', 200>>} */
    schedulePitches(sessionId) {
        return this.call('POST', `/api/v1/sessions/${sessionId}/pitches/schedule`, { idempotencyKey: crypto.randomUUID() });
    }
    /** The signed-in judge's own scores of a competition. @param {number} sessionId @returns {Promise<Reply<'competitions_my_scores', 200>>} */
    myScores(sessionId) { return this.call('GET', `/api/v1/sessions/${sessionId}/my-scores`); }
    /** @param {number} sessionId @returns {Promise<Reply<'competitions_get', 200>>} */
    competition(sessionId) { return this.call('GET', `/api/v1/sessions/${sessionId}/competition`); }
    /** @param {number} sessionId @param {Body<'competitions_criteria_create'>} b @returns {Promise<Reply<'competitions_criteria_create', 201>>} */
    createCriterion(sessionId, b) {
        return this.call('POST', `/api/v1/sessions/${sessionId}/criteria`, { body: b, idempotencyKey: crypto.randomUUID() });
    }
    /** @param {number} sessionId @param {Body<'competitions_entries_create'>} b @returns {Promise<Reply<'competitions_entries_create', 201>>} */
    createEntry(sessionId, b) {
        return this.call('POST', `/api/v1/sessions/${sessionId}/entries`, { body: b, idempotencyKey: crypto.randomUUID() });
    }
    /** @param {number} sessionId @param {Body<'competitions_judges_create'>} b @returns {Promise<Reply<'competitions_judges_create', 201>>} */
    addJudge(sessionId, b) {
        return this.call('POST', `/api/v1/sessions/${sessionId}/judges`, { body: b, idempotencyKey: crypto.randomUUID() });
    }
    /** @param {number} entryId @param {Body<'competitions_scores_put'>} b @returns {Promise<Reply<'competitions_scores_put', 200>>} */
    putScores(entryId, b) { return this.call('PUT', `/api/v1/entries/${entryId}/scores`, { body: b }); }
    /** @param {number} sessionId @returns {Promise<Reply<'competitions_leaderboard', 200>>} */
    leaderboard(sessionId) { return this.call('GET', `/api/v1/sessions/${sessionId}/leaderboard`); }
    /** @param {number} sessionId @returns {Promise<Reply<'competitions_publish', 200>>} */
    publishResults(sessionId) {
        return this.call('POST', `/api/v1/sessions/${sessionId}/results/publish`, { idempotencyKey: crypto.randomUUID() });
    }
    /** @param {number} eventId @param {Body<'meetings_create_slots'>} b @returns {Promise<Reply<'meetings_create_slots', 201>>} */
    createMeetingSlots(eventId, b) {
        return this.call('POST', `/api/v1/events/${eventId}/meeting-slots`, { body: b, idempotencyKey: crypto.randomUUID() });
    }
    /** @param {number} eventId @returns {Promise<Reply<'meetings_list_slots', 200>>} */
    meetingSlots(eventId) { return this.call('GET', `/api/v1/events/${eventId}/meeting-slots`); }
    /** @param {number} eventId @param {boolean} [reset] @returns {Promise<Reply<'meetings_schedule', 200>>} */
    scheduleMeetings(eventId, reset = false) {
        return this.call('POST', `/api/v1/events/${eventId}/meetings/schedule`,
            { query: { reset: reset ? 'true' : undefined }, idempotencyKey: crypto.randomUUID() });
    }
    /** @param {number} eventId @param {{limit?: number, cursor?: string}} [query] @returns {Promise<Reply<'meetings_list_event', 200>>} */
    eventMeetings(eventId, query) { return this.call('GET', `/api/v1/events/${eventId}/meetings`, { query }); }
}

/**
 * A use of the types (checked by tsc, never run): the fields an app screen reads exist with
 * these types.
 * @param {Api} api
 */
export async function exampleFlow(api) {
    await api.logIn({ email: 'a@example.com', password: 'correct-horse-9' });
    const me = await api.me();
    /** @type {string[]} */
    const orgNames = me.organizations.map((o) => `${o.name} (${o.member_role})`);
    const page = await api.events({ limit: 20 });
    /** @type {string | null | undefined} */
    const next = page.next_cursor;
    const ev = await api.event(page.items[0].id);
    /** @type {string} */
    const starts = ev.starts_at;
    const reg = await api.register(ev.sessions[0].id);
    /** @type {'confirmed' | 'waitlisted' | 'cancelled'} */
    const status = reg.status;
    return { orgNames, next, starts, status };
}
