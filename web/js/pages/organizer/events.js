// The organizer's events: the list (drafts included), the event form (create and edit), the
// event's overview with its sessions (add, edit), publish and cancel.
import { h, fmtDateTime, fmtNumber, toast, errorMessage } from '../../ui.js';
import { t, addMessages } from '../../i18n.js';
import {
    field, input, select, heading, statusBadge, eventNav, loading, errorBox, replace, setDisabled,
    toLocalInput, fromLocalInput, ZONES, uid,
} from './common.js';

addMessages({
    zh: {
        'org.events.title': '我的活动',
        'org.events.new': '创建活动',
        'org.events.empty': '您还没有创建活动。',
        'org.events.more': '加载更多',
        'org.events.col.title': '活动',
        'org.events.col.when': '时间',
        'org.events.col.city': '城市',
        'org.events.col.status': '状态',
        'org.event.newTitle': '创建活动',
        'org.event.edit': '编辑活动信息',
        'org.event.f.title': '活动名称',
        'org.event.f.kind': '类型',
        'org.event.f.city': '城市',
        'org.event.f.venue': '场馆',
        'org.event.f.description': '简介',
        'org.event.f.tz': '时区（IANA 名称）',
        'org.event.f.starts': '开始时间',
        'org.event.f.ends': '结束时间',
        'org.event.f.opens': '签到开放（场次开始前，分钟）',
        'org.event.f.closes': '签到截止（场次结束后，分钟）',
        'org.event.save': '保存',
        'org.event.create': '创建为草稿',
        'org.event.saved': '活动已保存',
        'org.event.created': '活动已创建（草稿）',
        'org.event.publish': '发布活动',
        'org.event.published': '活动已发布',
        'org.event.cancel': '取消活动',
        'org.event.cancelConfirm': '确认取消活动（报名将被拒绝，无法撤销）',
        'org.event.cancelled': '活动已取消',
        'org.event.badTime': '请填写有效的开始与结束时间',
        'org.event.nothing': '没有修改',
        'org.sessions.title': '场次',
        'org.sessions.add': '添加场次',
        'org.sessions.empty': '还没有场次。',
        'org.sessions.col.title': '场次',
        'org.sessions.col.kind': '类型',
        'org.sessions.col.room': '会场',
        'org.sessions.col.when': '时间',
        'org.sessions.col.fill': '确认 / 容量',
        'org.sessions.col.wait': '候补',
        'org.sessions.col.actions': '操作',
        'org.sessions.edit': '编辑',
        'org.sessions.editOf': '编辑场次：{title}',
        'org.sessions.attendees': '报名名单',
        'org.sessions.competition': '大赛管理',
        'org.session.f.title': '场次名称',
        'org.session.f.kind': '类型',
        'org.session.f.room': '会场 / 房间',
        'org.session.f.starts': '开始时间',
        'org.session.f.ends': '结束时间',
        'org.session.f.capacity': '容量',
        'org.session.f.waitlist': '满员后允许候补',
        'org.session.f.regOpens': '报名开始（可空：立即开放）',
        'org.session.f.regCloses': '报名截止（可空：场次结束时）',
        'org.session.save': '保存场次',
        'org.session.created': '场次已添加',
        'org.session.saved': '场次已保存',
        'org.session.promoted': '{n} 人已从候补转为确认',
        'org.form.close': '关闭',
    },
    en: {
        'org.events.title': 'My events',
        'org.events.new': 'Create an event',
        'org.events.empty': 'You have not created any event yet.',
        'org.events.more': 'Load more',
        'org.events.col.title': 'Event',
        'org.events.col.when': 'When',
        'org.events.col.city': 'City',
        'org.events.col.status': 'Status',
        'org.event.newTitle': 'Create an event',
        'org.event.edit': 'Edit the event',
        'org.event.f.title': 'Title',
        'org.event.f.kind': 'Kind',
        'org.event.f.city': 'City',
        'org.event.f.venue': 'Venue',
        'org.event.f.description': 'Description',
        'org.event.f.tz': 'Time zone (IANA name)',
        'org.event.f.starts': 'Starts',
        'org.event.f.ends': 'Ends',
        'org.event.f.opens': 'Check-in opens (minutes before a session)',
        'org.event.f.closes': 'Check-in closes (minutes after a session)',
        'org.event.save': 'Save',
        'org.event.create': 'Create as draft',
        'org.event.saved': 'Event saved',
        'org.event.created': 'Event created (draft)',
        'org.event.publish': 'Publish the event',
        'org.event.published': 'Event published',
        'org.event.cancel': 'Cancel the event',
        'org.event.cancelConfirm': 'Confirm: cancel the event (registration is refused; cannot be undone)',
        'org.event.cancelled': 'Event cancelled',
        'org.event.badTime': 'Enter a valid start and end time',
        'org.event.nothing': 'Nothing changed',
        'org.sessions.title': 'Sessions',
        'org.sessions.add': 'Add a session',
        'org.sessions.empty': 'No sessions yet.',
        'org.sessions.col.title': 'Session',
        'org.sessions.col.kind': 'Kind',
        'org.sessions.col.room': 'Room',
        'org.sessions.col.when': 'When',
        'org.sessions.col.fill': 'Confirmed / capacity',
        'org.sessions.col.wait': 'Waitlist',
        'org.sessions.col.actions': 'Actions',
        'org.sessions.edit': 'Edit',
        'org.sessions.editOf': 'Edit session: {title}',
        'org.sessions.attendees': 'Attendees',
        'org.sessions.competition': 'Competition',
        'org.session.f.title': 'Title',
        'org.session.f.kind': 'Kind',
        'org.session.f.room': 'Room',
        'org.session.f.starts': 'Starts',
        'org.session.f.ends': 'Ends',
        'org.session.f.capacity': 'Capacity',
        'org.session.f.waitlist': 'Waitlist when full',
        'org.session.f.regOpens': 'Registration opens (empty: now)',
        'org.session.f.regCloses': 'Registration closes (empty: when the session ends)',
        'org.session.save': 'Save the session',
        'org.session.created': 'Session added',
        'org.session.saved': 'Session saved',
        'org.session.promoted': '{n} moved from the waitlist to confirmed',
        'org.form.close': 'Close',
    },
});

/** @typedef {import('../../api.js').Api} Api */
/** @typedef {{api: Api, user: any, params: Record<string, string>, query: URLSearchParams, navigate: (hash: string) => void, refresh: () => void}} Ctx */

/** #/org — the caller's events, drafts included, newest first. @param {HTMLElement} root @param {Ctx} ctx */
export async function renderMyEvents(root, ctx) {
    const tbody = h('tbody', {});
    const more = h('button', { type: 'button', class: 'secondary', hidden: '' }, t('org.events.more'));
    const body = h('div', {}, loading());
    replace(root,
        heading(t('org.events.title')),
        h('p', {}, h('a', { href: '#/org/new-event', class: 'button', 'data-testid': 'new-event' }, t('org.events.new'))),
        body);
    /** @type {string | undefined} */
    let cursor;
    const load = async () => {
        const page = await ctx.api.myEvents({ limit: 20, cursor });
        for (const ev of page.items) {
            tbody.append(h('tr', { 'data-testid': 'event-row' },
                h('th', { scope: 'row' }, h('a', { href: `#/org/events/${ev.id}` }, ev.title)),
                h('td', {}, `${fmtDateTime(ev.starts_at, ev.time_zone)} – ${fmtDateTime(ev.ends_at, ev.time_zone)}`),
                h('td', {}, ev.city),
                h('td', {}, statusBadge(ev.status))));
        }
        cursor = page.next_cursor || undefined;
        more.hidden = !cursor;
        return page.items.length;
    };
    try {
        const n = await load();
        if (n === 0) { replace(body, h('p', {}, t('org.events.empty'))); return; }
        more.addEventListener('click', async () => {
            setDisabled(more, true);
            try { await load(); } catch (e) { toast(errorMessage(e), 'error'); }
            setDisabled(more, false);
        });
        replace(body, h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('org.table.scroll') }, h('table', { 'data-testid': 'my-events' },
            h('thead', {}, h('tr', {},
                h('th', { scope: 'col' }, t('org.events.col.title')),
                h('th', { scope: 'col' }, t('org.events.col.when')),
                h('th', { scope: 'col' }, t('org.events.col.city')),
                h('th', { scope: 'col' }, t('org.events.col.status')))),
            tbody)), more);
    } catch (e) {
        replace(body, errorBox(e));
    }
}

/**
 * Sends a form's changes: the button is disabled meanwhile; a refusal is shown and the field it
 * names (the API's `field`) is marked invalid and focused.
 * @param {HTMLFormElement} form @param {HTMLButtonElement} btn @param {() => Promise<unknown>} call
 */
async function send(form, btn, call) {
    setDisabled(btn, true);
    try { await call(); } catch (err) {
        toast(errorMessage(err), 'error');
        const name = /** @type {any} */ (err).field;
        const bad = name && form.querySelector(`[name="${name}"]`);
        if (bad) { bad.setAttribute('aria-invalid', 'true'); /** @type {HTMLElement} */ (bad).focus(); }
    } finally { setDisabled(btn, false); }
}

/**
 * The event form; with ev, only the changed fields are sent (PATCH).
 * @param {any} ev the event being edited, or null for a new one
 * @param {(b: Record<string, unknown>) => Promise<void>} submit
 */
function eventForm(ev, submit) {
    const tz0 = ev ? ev.time_zone : 'Asia/Shanghai';
    const listId = uid('zones');
    const f = {
        title: input('title', 'text', ev?.title, { required: '', maxlength: '200' }),
        kind: select('kind', ['summit', 'roadshow', 'fair'].map((k) => [k, t(`org.kind.${k}`)]), ev?.kind ?? 'summit'),
        city: input('city', 'text', ev?.city, { required: '', maxlength: '64' }),
        venue: input('venue', 'text', ev?.venue, { maxlength: '200' }),
        description: /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'description', rows: '3', maxlength: '10000' })),
        time_zone: input('time_zone', 'text', tz0, { required: '', list: listId, pattern: '[A-Za-z0-9_+/\\-]{1,64}' }),
        starts_at: input('starts_at', 'datetime-local', toLocalInput(ev?.starts_at, tz0), { required: '' }),
        ends_at: input('ends_at', 'datetime-local', toLocalInput(ev?.ends_at, tz0), { required: '' }),
        checkin_opens_min: input('checkin_opens_min', 'number', ev?.checkin_opens_min ?? 120, { min: '0', max: '10080', step: '1' }),
        checkin_closes_min: input('checkin_closes_min', 'number', ev?.checkin_closes_min ?? 60, { min: '0', max: '10080', step: '1' }),
    };
    f.description.value = ev?.description ?? '';
    /** @type {Record<string, string>} */
    const initial = {};
    for (const [k, el] of Object.entries(f)) initial[k] = el.value;
    const btn = h('button', { type: 'submit' }, ev ? t('org.event.save') : t('org.event.create'));
    const form = h('form', { class: 'form', 'data-testid': 'event-form', novalidate: '' },
        field(t('org.event.f.title'), f.title),
        field(t('org.event.f.kind'), f.kind),
        field(t('org.event.f.city'), f.city),
        field(t('org.event.f.venue'), f.venue),
        field(t('org.event.f.description'), f.description),
        field(t('org.event.f.tz'), f.time_zone),
        h('datalist', { id: listId }, ZONES.map((z) => h('option', { value: z }))),
        h('div', { class: 'field-row' },
            field(t('org.event.f.starts'), f.starts_at, t('org.tz.note', { tz: tz0 })),
            field(t('org.event.f.ends'), f.ends_at)),
        h('div', { class: 'field-row' },
            field(t('org.event.f.opens'), f.checkin_opens_min),
            field(t('org.event.f.closes'), f.checkin_closes_min)),
        btn);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const tz = f.time_zone.value.trim();
        /** @type {Record<string, unknown>} */
        const b = {};
        for (const k of ['title', 'kind', 'city', 'venue', 'description', 'time_zone']) {
            const v = /** @type {any} */ (f)[k].value.trim();
            if (!ev || v !== initial[k]) b[k] = v;
        }
        if (!ev && !b.venue) delete b.venue;
        if (!ev && !b.description) delete b.description;
        for (const k of ['starts_at', 'ends_at']) {
            const el = /** @type {any} */ (f)[k];
            if (ev && el.value === initial[k]) continue;
            const iso = fromLocalInput(el.value, tz || tz0);
            if (!iso) { toast(t('org.event.badTime'), 'error'); el.focus(); return; }
            b[k] = iso;
        }
        for (const k of ['checkin_opens_min', 'checkin_closes_min']) {
            const el = /** @type {any} */ (f)[k];
            if (ev && el.value === initial[k]) continue;
            if (el.value !== '') b[k] = Number(el.value);
        }
        if (ev && Object.keys(b).length === 0) { toast(t('org.event.nothing')); return; }
        await send(form, btn, () => submit(b));
    });
    return form;
}

/** #/org/new-event @param {HTMLElement} root @param {Ctx} ctx */
export async function renderNewEvent(root, ctx) {
    replace(root,
        h('p', {}, h('a', { href: '#/org' }, `← ${t('org.nav.back')}`)),
        heading(t('org.event.newTitle')),
        eventForm(null, async (b) => {
            const ev = await ctx.api.createEvent(/** @type {any} */ (b));
            toast(t('org.event.created'), 'ok');
            ctx.navigate(`#/org/events/${ev.id}`);
        }));
}

/**
 * The session form: add (session null) or edit (only changed fields sent).
 * @param {any} session @param {string} tz
 * @param {(b: Record<string, unknown>) => Promise<void>} submit @param {() => void} close
 */
function sessionForm(session, tz, submit, close) {
    const f = {
        title: input('title', 'text', session?.title, { required: '', maxlength: '200' }),
        kind: select('kind', ['forum', 'pitch', 'competition', 'exhibition'].map((k) => [k, t(`org.skind.${k}`)]), session?.kind ?? 'forum'),
        room: input('room', 'text', session?.room, { maxlength: '100' }),
        starts_at: input('starts_at', 'datetime-local', toLocalInput(session?.starts_at, tz), { required: '' }),
        ends_at: input('ends_at', 'datetime-local', toLocalInput(session?.ends_at, tz), { required: '' }),
        capacity: input('capacity', 'number', session?.capacity ?? 100, { min: '1', max: '100000', step: '1', required: '' }),
        registration_opens_at: input('registration_opens_at', 'datetime-local', toLocalInput(session?.registration_opens_at, tz)),
        registration_closes_at: input('registration_closes_at', 'datetime-local', toLocalInput(session?.registration_closes_at, tz)),
    };
    const waitlist = input('waitlist', 'checkbox', null);
    waitlist.checked = !!session?.waitlist;
    /** @type {Record<string, string>} */
    const initial = {};
    for (const [k, el] of Object.entries(f)) initial[k] = el.value;
    const btn = h('button', { type: 'submit' }, t('org.session.save'));
    const form = h('form', { class: 'form panel', 'data-testid': 'session-form', novalidate: '' },
        h('h3', {}, session ? t('org.sessions.editOf', { title: session.title }) : t('org.sessions.add')),
        h('p', { class: 'hint' }, t('org.tz.note', { tz })),
        field(t('org.session.f.title'), f.title),
        h('div', { class: 'field-row' }, field(t('org.session.f.kind'), f.kind), field(t('org.session.f.room'), f.room)),
        h('div', { class: 'field-row' }, field(t('org.session.f.starts'), f.starts_at), field(t('org.session.f.ends'), f.ends_at)),
        h('div', { class: 'field-row' }, field(t('org.session.f.capacity'), f.capacity),
            h('div', { class: 'field check' }, waitlist, h('label', { for: waitlist.id = uid('wl') }, t('org.session.f.waitlist')))),
        h('div', { class: 'field-row' }, field(t('org.session.f.regOpens'), f.registration_opens_at),
            field(t('org.session.f.regCloses'), f.registration_closes_at)),
        h('div', { class: 'actions' }, btn,
            h('button', { type: 'button', class: 'secondary', onclick: close }, t('org.form.close'))));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        /** @type {Record<string, unknown>} */
        const b = {};
        for (const k of ['title', 'kind', 'room']) {
            const v = /** @type {any} */ (f)[k].value.trim();
            if (!session || v !== initial[k]) b[k] = v;
        }
        if (!session && !b.room) delete b.room;
        for (const k of ['starts_at', 'ends_at', 'registration_opens_at', 'registration_closes_at']) {
            const el = /** @type {any} */ (f)[k];
            if (session && el.value === initial[k]) continue;
            if (el.value === '') {
                if (k === 'starts_at' || k === 'ends_at') { toast(t('org.event.badTime'), 'error'); el.focus(); return; }
                continue;
            }
            b[k] = fromLocalInput(el.value, tz);
        }
        if (!session || f.capacity.value !== initial.capacity) b.capacity = Number(f.capacity.value);
        if (!session || waitlist.checked !== !!session.waitlist) b.waitlist = waitlist.checked;
        if (session && Object.keys(b).length === 0) { toast(t('org.event.nothing')); return; }
        await send(form, btn, () => submit(b));
    });
    return form;
}

/** #/org/events/:id — overview: event details and form, sessions, publish, cancel. @param {HTMLElement} root @param {Ctx} ctx */
export async function renderEvent(root, ctx) {
    const id = Number(ctx.params.id);
    replace(root, loading());
    /** @type {any} */
    let ev;
    try { ev = await ctx.api.event(id); } catch (e) { replace(root, errorBox(e)); return; }
    const tz = ev.time_zone;
    const formSlot = h('div', {});
    const sessionSlot = h('div', {});

    const actions = h('div', { class: 'actions' });
    if (ev.status === 'draft') {
        const pub = h('button', { type: 'button', 'data-testid': 'publish-event' }, t('org.event.publish'));
        pub.addEventListener('click', async () => {
            setDisabled(pub, true);
            try { await ctx.api.publish(id); toast(t('org.event.published'), 'ok'); ctx.refresh(); } catch (e) { toast(errorMessage(e), 'error'); setDisabled(pub, false); }
        });
        actions.append(pub);
    }
    if (ev.status !== 'cancelled') {
        const cancel = h('button', { type: 'button', class: 'danger', 'data-testid': 'cancel-event' }, t('org.event.cancel'));
        cancel.addEventListener('click', () => {
            const confirmBtn = h('button', { type: 'button', class: 'danger', 'data-testid': 'cancel-event-confirm' }, t('org.event.cancelConfirm'));
            confirmBtn.addEventListener('click', async () => {
                setDisabled(confirmBtn, true);
                try { await ctx.api.cancelEvent(id); toast(t('org.event.cancelled'), 'ok'); ctx.refresh(); } catch (e) { toast(errorMessage(e), 'error'); setDisabled(confirmBtn, false); }
            });
            cancel.replaceWith(confirmBtn);
            confirmBtn.focus();
        });
        actions.append(cancel);
    }
    const editBtn = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'data-testid': 'edit-event' }, t('org.event.edit'));
    editBtn.addEventListener('click', () => {
        if (formSlot.firstChild) { replace(formSlot); editBtn.setAttribute('aria-expanded', 'false'); return; }
        editBtn.setAttribute('aria-expanded', 'true');
        replace(formSlot, eventForm(ev, async (b) => {
            await ctx.api.updateEvent(id, /** @type {any} */ (b));
            toast(t('org.event.saved'), 'ok');
            ctx.refresh();
        }));
        /** @type {HTMLElement | null} */ (formSlot.querySelector('input'))?.focus();
    });
    actions.append(editBtn);

    const openSessionForm = (/** @type {any} */ s) => {
        replace(sessionSlot, sessionForm(s, tz, async (b) => {
            if (s) {
                const r = await ctx.api.updateSession(s.id, /** @type {any} */ (b));
                toast(r.promoted ? t('org.session.promoted', { n: r.promoted }) : t('org.session.saved'), 'ok');
            } else {
                await ctx.api.createSession(id, /** @type {any} */ (b));
                toast(t('org.session.created'), 'ok');
            }
            ctx.refresh();
        }, () => replace(sessionSlot)));
        /** @type {HTMLElement | null} */ (sessionSlot.querySelector('input'))?.focus();
    };

    const sessions = [...ev.sessions].sort((a, b) => a.starts_at.localeCompare(b.starts_at) || a.id - b.id);
    const table = sessions.length === 0 ? h('p', {}, t('org.sessions.empty')) : h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('org.table.scroll') }, h('table', { 'data-testid': 'sessions' },
        h('thead', {}, h('tr', {},
            ['title', 'kind', 'room', 'when', 'fill', 'wait', 'actions'].map((c) => h('th', { scope: 'col' }, t(`org.sessions.col.${c}`))))),
        h('tbody', {}, sessions.map((s) => h('tr', { 'data-testid': 'session-row' },
            h('th', { scope: 'row' }, s.title),
            h('td', {}, t(`org.skind.${s.kind}`)),
            h('td', {}, s.room || '—'),
            h('td', {}, `${fmtDateTime(s.starts_at, tz)} – ${fmtDateTime(s.ends_at, tz)}`),
            h('td', { class: 'num' }, `${fmtNumber(s.confirmed_count)} / ${fmtNumber(s.capacity)}`),
            h('td', { class: 'num' }, fmtNumber(s.waitlist_count)),
            h('td', { class: 'row-actions' },
                h('button', { type: 'button', class: 'link', 'aria-label': `${t('org.sessions.edit')}: ${s.title}`, onclick: () => openSessionForm(s) }, t('org.sessions.edit')),
                h('a', { href: `#/org/sessions/${s.id}/registrations` }, t('org.sessions.attendees')),
                s.kind === 'competition' ? h('a', { href: `#/org/sessions/${s.id}/competition` }, t('org.sessions.competition')) : null))))));

    replace(root,
        eventNav(ev, 'overview'),
        heading(ev.title),
        h('p', { class: 'meta' }, statusBadge(ev.status), ' ',
            `${t(`org.kind.${ev.kind}`)} · ${ev.city}${ev.venue ? ` · ${ev.venue}` : ''} · ${fmtDateTime(ev.starts_at, tz)} – ${fmtDateTime(ev.ends_at, tz)} (${tz})`),
        ev.description ? h('p', {}, ev.description) : null,
        actions,
        formSlot,
        h('h2', {}, t('org.sessions.title')),
        ev.status === 'cancelled' ? null : h('p', {}, h('button', { type: 'button', 'data-testid': 'add-session', onclick: () => openSessionForm(null) }, t('org.sessions.add'))),
        sessionSlot,
        table);
}
