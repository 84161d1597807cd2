// The attendee's pages: published events, an event's sessions by day and room (seats left and
// waitlist refreshed while the page is visible), register / cancel, my registrations, a QR
// ticket per confirmed registration, my agenda with clashes, its .ics and calendar feed.
// @ts-check
import { t, addMessages } from '../i18n.js';
import { h, append, heading, fmtDateTime, fmtDate, fmtTime, fmtNumber, dayKey, errorBox, errorMessage, toast, badge, replace } from '../ui.js';

const POLL_MS = 4000;

addMessages({
    zh: {
        'att.events.title': '活动',
        'att.events.empty': '暂无已发布的活动。',
        'att.events.more': '加载更多',
        'att.event.title': '活动详情',
        'att.event.where': '{city} · {venue}',
        'att.event.tz': '时间均为活动当地时间（{tz}）',
        'att.event.sessions': '日程',
        'att.event.noSessions': '还没有场次。',
        'att.session.seats': '余 {n} 席 / 共 {cap} 席',
        'att.session.full': '已满',
        'att.session.waitlist': '候补 {n} 人',
        'att.session.register': '报名',
        'att.session.registerFor': '报名：{title}',
        'att.session.joinWaitlist': '加入候补',
        'att.session.cancel': '取消报名',
        'att.session.cancelFor': '取消报名：{title}',
        'att.session.loginToRegister': '登录后报名',
        'att.status.confirmed': '已确认',
        'att.status.waitlisted': '候补第 {n} 位',
        'att.status.cancelled': '已取消',
        'att.registered.confirmed': '报名成功：{title}',
        'att.registered.waitlisted': '已满，您在候补第 {n} 位：{title}',
        'att.cancelled': '已取消报名：{title}',
        'att.promoted': '您已从候补转为确认：{title}',
        'att.live': '实时更新',
        'att.regs.title': '我的报名',
        'att.regs.empty': '还没有报名。',
        'att.regs.ticket': '电子票',
        'att.regs.ticketFor': '电子票：{title}',
        'att.ticket.title': '电子票',
        'att.ticket.qr': '签到二维码',
        'att.ticket.code': '签到码',
        'att.ticket.help': '在签到台出示此二维码，或报出签到码。',
        'att.ticket.notConfirmed': '只有已确认的报名才有电子票。',
        'att.ticket.checkedIn': '已于 {at} 签到',
        'att.agenda.title': '我的日程',
        'att.agenda.empty': '日程为空。报名场次、参加路演或会谈后会出现在这里。',
        'att.agenda.conflicts': '{n} 项时间冲突',
        'att.agenda.noConflicts': '没有时间冲突',
        'att.agenda.clash': '时间冲突',
        'att.agenda.kind.registration': '场次',
        'att.agenda.kind.pitch': '路演',
        'att.agenda.kind.meeting': '会谈',
        'att.agenda.ics': '下载日历文件（.ics）',
        'att.agenda.feed': '订阅日历',
        'att.agenda.feedHelp': '在手机或电脑的日历应用中订阅此地址，日程变化会自动同步。请勿分享此地址。',
        'att.agenda.feedGet': '获取订阅地址',
        'att.agenda.feedUrl': '订阅地址',
        'att.agenda.copy': '复制',
        'att.agenda.copied': '已复制',
    },
    en: {
        'att.events.title': 'Events',
        'att.events.empty': 'No published events yet.',
        'att.events.more': 'Load more',
        'att.event.title': 'Event',
        'att.event.where': '{city} · {venue}',
        'att.event.tz': 'All times in the event\'s local time ({tz})',
        'att.event.sessions': 'Programme',
        'att.event.noSessions': 'No sessions yet.',
        'att.session.seats': '{n} of {cap} seats left',
        'att.session.full': 'Full',
        'att.session.waitlist': '{n} on the waitlist',
        'att.session.register': 'Register',
        'att.session.registerFor': 'Register: {title}',
        'att.session.joinWaitlist': 'Join the waitlist',
        'att.session.cancel': 'Cancel registration',
        'att.session.cancelFor': 'Cancel registration: {title}',
        'att.session.loginToRegister': 'Log in to register',
        'att.status.confirmed': 'Confirmed',
        'att.status.waitlisted': 'Waitlisted, position {n}',
        'att.status.cancelled': 'Cancelled',
        'att.registered.confirmed': 'Registered: {title}',
        'att.registered.waitlisted': 'Full: you are number {n} on the waitlist for {title}',
        'att.cancelled': 'Registration cancelled: {title}',
        'att.promoted': 'You moved from the waitlist to confirmed: {title}',
        'att.live': 'Live',
        'att.regs.title': 'My registrations',
        'att.regs.empty': 'No registrations yet.',
        'att.regs.ticket': 'Ticket',
        'att.regs.ticketFor': 'Ticket: {title}',
        'att.ticket.title': 'Ticket',
        'att.ticket.qr': 'Check-in QR code',
        'att.ticket.code': 'Check-in code',
        'att.ticket.help': 'Show this QR code at the check-in desk, or tell them the code.',
        'att.ticket.notConfirmed': 'Only a confirmed registration has a ticket.',
        'att.ticket.checkedIn': 'Checked in at {at}',
        'att.agenda.title': 'My agenda',
        'att.agenda.empty': 'Your agenda is empty. Sessions, pitches and meetings appear here.',
        'att.agenda.conflicts': '{n} clashes',
        'att.agenda.noConflicts': 'No clashes',
        'att.agenda.clash': 'Clash',
        'att.agenda.kind.registration': 'Session',
        'att.agenda.kind.pitch': 'Pitch',
        'att.agenda.kind.meeting': 'Meeting',
        'att.agenda.ics': 'Download calendar file (.ics)',
        'att.agenda.feed': 'Subscribe',
        'att.agenda.feedHelp': 'Subscribe to this address in your calendar app; changes follow by themselves. Keep it private.',
        'att.agenda.feedGet': 'Get the subscription address',
        'att.agenda.feedUrl': 'Subscription address',
        'att.agenda.copy': 'Copy',
        'att.agenda.copied': 'Copied',
    },
});

/** @param {'confirmed' | 'waitlisted' | 'cancelled'} status @param {number | null | undefined} pos */
function statusBadge(status, pos) {
    if (status === 'confirmed') return badge(t('att.status.confirmed'), 'ok', 'reg-status');
    if (status === 'waitlisted') return badge(t('att.status.waitlisted', { n: pos ?? '?' }), 'warn', 'reg-status');
    return badge(t('att.status.cancelled'), 'bad', 'reg-status');
}

/** Runs fn every POLL_MS while the page is visible; returns the stop function. @param {() => Promise<void>} fn */
function poll(fn) {
    let stopped = false, busy = false;
    const tick = async () => {
        if (stopped || busy || document.visibilityState !== 'visible') return;
        busy = true;
        try { await fn(); } catch { /* next tick */ } finally { busy = false; }
    };
    const id = setInterval(tick, POLL_MS);
    const vis = () => { if (document.visibilityState === 'visible') tick(); };
    document.addEventListener('visibilitychange', vis);
    return () => { stopped = true; clearInterval(id); document.removeEventListener('visibilitychange', vis); };
}

// ---- events
/** @param {HTMLElement} root @param {any} ctx */
async function renderEvents(root, ctx) {
    append(root, heading(t('att.events.title')));
    const list = h('ul', { class: 'list cols', 'data-testid': 'events' });
    append(root, list);
    /** @param {string | undefined} cursor */
    const load = async (cursor) => {
        const page = await ctx.api.events({ limit: 20, cursor });
        for (const ev of page.items) {
            append(list, h('li', { 'data-testid': 'event-row' },
                h('h2', null, h('a', { href: `#/events/${ev.id}`, 'data-testid': 'event-link' }, ev.title)),
                h('p', { class: 'meta' }, fmtDateTime(ev.starts_at, ev.time_zone), ' – ', fmtDateTime(ev.ends_at, ev.time_zone)),
                h('p', { class: 'meta' }, t('att.event.where', { city: ev.city, venue: ev.venue }))));
        }
        if (!list.children.length) list.replaceWith(h('p', null, t('att.events.empty')));
        if (page.next_cursor) {
            const more = h('button', { type: 'button', onclick: async () => { more.remove(); await load(page.next_cursor || undefined); } }, t('att.events.more'));
            append(root, more);
        }
    };
    await load(undefined);
}

/** @param {HTMLElement} root @param {any} ctx */
async function renderEvent(root, ctx) {
    const id = Number(ctx.params.id);
    let ev = await ctx.api.event(id);
    const tz = ev.time_zone;
    /** @type {Map<number, any>} */
    let mine = new Map((ev.my_registrations || []).map((/** @type {any} */ r) => [r.session_id, r]));
    append(root, heading(ev.title, { 'data-testid': 'event-title' }),
        h('p', { class: 'meta' }, fmtDateTime(ev.starts_at, tz), ' – ', fmtDateTime(ev.ends_at, tz)),
        h('p', { class: 'meta' }, t('att.event.where', { city: ev.city, venue: ev.venue })),
        ev.description ? h('p', null, ev.description) : null,
        h('p', { class: 'meta' }, t('att.event.tz', { tz })));
    const sec = h('section', { 'aria-labelledby': 'sessions-h' }, h('h2', { id: 'sessions-h' }, t('att.event.sessions'), ' ', h('small', { class: 'muted' }, `· ${t('att.live')}`)));
    append(root, sec);
    if (!ev.sessions.length) { append(sec, h('p', null, t('att.event.noSessions'))); return; }

    /** @type {Map<number, {seats: HTMLElement, wait: HTMLElement, status: HTMLElement, action: HTMLElement, key: string}>} */
    const cells = new Map();
    /** @param {any} s */
    const actionFor = (s) => {
        const r = mine.get(s.id);
        if (!ctx.user) return h('a', { class: 'button', href: `#/login?next=${encodeURIComponent(`#/events/${id}`)}` }, t('att.session.loginToRegister'));
        if (r) {
            return h('button', { type: 'button', class: 'danger', 'data-testid': 'cancel', 'aria-label': t('att.session.cancelFor', { title: s.title }),
                onclick: async (/** @type {Event} */ e) => {
                    /** @type {HTMLButtonElement} */ (e.currentTarget).disabled = true;
                    try {
                        await ctx.api.cancelRegistration(r.id);
                        toast(t('att.cancelled', { title: s.title }), 'ok');
                        await update(true);
                    } catch (err) { toast(errorMessage(err), 'error'); await update(true); }
                } }, t('att.session.cancel'));
        }
        const full = s.seats_left <= 0;
        if (full && !s.waitlist) return h('span', { class: 'muted' }, t('att.session.full'));
        return h('button', { type: 'button', class: 'primary', 'data-testid': 'register', 'aria-label': t('att.session.registerFor', { title: s.title }),
            onclick: async (/** @type {Event} */ e) => {
                /** @type {HTMLButtonElement} */ (e.currentTarget).disabled = true;
                try {
                    const reg = await ctx.api.register(s.id);
                    toast(reg.status === 'confirmed' ? t('att.registered.confirmed', { title: s.title })
                        : t('att.registered.waitlisted', { title: s.title, n: reg.waitlist_position ?? '?' }), 'ok');
                    await update(true);
                } catch (err) { toast(errorMessage(err), 'error'); await update(true); }
            } }, full ? t('att.session.joinWaitlist') : t('att.session.register'));
    };
    /** @param {any} s */
    const keyOf = (s) => { const r = mine.get(s.id); return `${!!ctx.user}|${r ? `${r.id}:${r.status}:${r.waitlist_position}` : '-'}|${s.seats_left <= 0}`; };
    /** @param {any} s */
    const fillCells = (s, force = false) => {
        const c = cells.get(s.id);
        if (!c) return;
        replace(c.seats, s.seats_left > 0 ? t('att.session.seats', { n: fmtNumber(s.seats_left), cap: fmtNumber(s.capacity) }) : t('att.session.full'));
        replace(c.wait, s.waitlist_count > 0 ? t('att.session.waitlist', { n: fmtNumber(s.waitlist_count) }) : '');
        const key = keyOf(s);
        if (!force && key === c.key) return;
        const prev = mine.get(s.id);
        replace(c.status, prev ? statusBadge(prev.status, prev.waitlist_position) : null);
        // Never pull the button from under the keyboard: replace it only when focus is elsewhere,
        // or when the change came from this button itself.
        if (force || !c.action.contains(document.activeElement)) { replace(c.action, actionFor(s)); c.key = key; }
    };

    const byDay = new Map();
    for (const s of ev.sessions) {
        const k = dayKey(s.starts_at, tz);
        if (!byDay.has(k)) byDay.set(k, []);
        byDay.get(k).push(s);
    }
    for (const [, list] of [...byDay.entries()].sort()) {
        const day = h('section', { class: 'day' }, h('h3', null, fmtDate(list[0].starts_at, tz)));
        const rooms = new Map();
        for (const s of list) { if (!rooms.has(s.room)) rooms.set(s.room, []); rooms.get(s.room).push(s); }
        for (const [room, ss] of [...rooms.entries()].sort((a, b) => String(a[0]).localeCompare(String(b[0])))) {
            append(day, h('h4', { class: 'room' }, room || '—'));
            for (const s of ss.sort((/** @type {any} */ a, /** @type {any} */ b) => a.starts_at.localeCompare(b.starts_at))) {
                const c = { seats: h('span', { class: 'seats', 'data-testid': 'seats' }), wait: h('span', { class: 'seats', 'data-testid': 'waitlist' }),
                    status: h('span', { 'aria-live': 'polite' }), action: h('span'), key: '' };
                cells.set(s.id, c);
                append(day, h('article', { class: 'session', 'data-testid': 'session', 'data-session-id': String(s.id), 'aria-label': s.title },
                    h('div', { class: 'time' }, `${fmtTime(s.starts_at, tz)}–${fmtTime(s.ends_at, tz)}`),
                    h('strong', { 'data-testid': 'session-title' }, s.title),
                    h('div', { class: 'row' }, c.seats, c.wait, c.status),
                    h('div', { class: 'row' }, c.action)));
                fillCells(s, true);
            }
        }
        append(sec, day);
    }

    /** @param {boolean} force */
    const update = async (force) => {
        const before = mine;
        ev = await ctx.api.event(id);
        mine = new Map((ev.my_registrations || []).map((/** @type {any} */ r) => [r.session_id, r]));
        for (const s of ev.sessions) {
            const was = before.get(s.id), now = mine.get(s.id);
            if (!force && was && now && was.status === 'waitlisted' && now.status === 'confirmed') toast(t('att.promoted', { title: s.title }), 'ok');
            fillCells(s, force);
        }
    };
    return poll(() => update(false));
}

// ---- my registrations and tickets
/** @param {HTMLElement} root @param {any} ctx */
async function renderMyRegistrations(root, ctx) {
    append(root, heading(t('att.regs.title')));
    const page = await ctx.api.myRegistrationsPage({ limit: 100 });
    const items = page.items.filter((/** @type {any} */ r) => r.status !== 'cancelled');
    if (!items.length) { append(root, h('p', null, t('att.regs.empty'))); return; }
    append(root, h('ul', { class: 'list', 'data-testid': 'my-registrations' }, items.map((/** @type {any} */ r) => h('li', { 'data-testid': 'registration-row', 'data-session-id': String(r.session_id) },
        h('div', { class: 'row spread' }, h('strong', null, r.session.title), statusBadge(r.status, r.waitlist_position)),
        h('p', { class: 'meta' }, h('a', { href: `#/events/${r.event.id}` }, r.event.title), ' · ', r.session.room, ' · ', fmtDateTime(r.session.starts_at)),
        r.status === 'confirmed' ? h('a', { class: 'button', href: `#/tickets/${r.id}`, 'data-testid': 'ticket-link', 'aria-label': t('att.regs.ticketFor', { title: r.session.title }) }, t('att.regs.ticket')) : null))));
}

/** @param {HTMLElement} root @param {any} ctx */
async function renderTicket(root, ctx) {
    const id = Number(ctx.params.id);
    const reg = await ctx.api.registration(id);
    append(root, heading(t('att.ticket.title')));
    const card = h('section', { class: 'card ticket', 'data-testid': 'ticket' },
        h('h2', null, reg.session ? reg.session.title : ''),
        h('p', { class: 'meta' }, reg.event ? reg.event.title : '', reg.session ? ` · ${reg.session.room} · ${fmtDateTime(reg.session.starts_at)}` : ''),
        statusBadge(reg.status, reg.waitlist_position));
    append(root, card);
    if (reg.status !== 'confirmed' || !reg.checkin_code) { append(card, h('p', null, t('att.ticket.notConfirmed'))); return; }
    const qr = h('div', { class: 'qr' });
    append(card, ...[qr,
        h('p', null, t('att.ticket.code')),
        h('p', { class: 'code', 'data-testid': 'ticket-code' }, reg.checkin_code),
        reg.checked_in_at ? h('p', null, badge(t('att.ticket.checkedIn', { at: fmtDateTime(reg.checked_in_at) }), 'info')) : null,
        h('p', { class: 'meta' }, t('att.ticket.help'))].filter((x) => x !== null));
    /** @type {string | null} */
    let url = null;
    try {
        url = URL.createObjectURL(await ctx.api.ticketSvg(id));
        append(qr, h('img', { src: url, alt: `${t('att.ticket.qr')}: ${reg.checkin_code}`, 'data-testid': 'ticket-qr', width: '320', height: '320' }));
    } catch (e) { append(qr, errorBox(e)); }
    return () => { if (url) URL.revokeObjectURL(url); };
}

// ---- my agenda
/** @param {HTMLElement} root @param {any} ctx */
async function renderAgenda(root, ctx) {
    append(root, heading(t('att.agenda.title')));
    const ag = await ctx.api.agendaIn();
    const tools = h('div', { class: 'row' });
    append(root, tools);
    append(tools, h('button', { type: 'button', 'data-testid': 'agenda-ics', onclick: async () => {
        try {
            const blob = await ctx.api.agendaIcs();
            const url = URL.createObjectURL(blob);
            const a = h('a', { href: url, download: 'agenda.ics' });
            document.body.append(a); a.click(); a.remove();
            setTimeout(() => URL.revokeObjectURL(url), 10000);
        } catch (e) { toast(errorMessage(e), 'error'); }
    } }, t('att.agenda.ics')));
    const feedBox = h('div');
    append(tools, h('button', { type: 'button', 'data-testid': 'agenda-feed', onclick: async () => {
        try {
            const f = await ctx.api.calendarFeed();
            const input = h('input', { type: 'text', readonly: true, value: f.url, id: 'feed-url', 'data-testid': 'feed-url' });
            replace(feedBox, h('section', { class: 'card' },
                h('h2', null, t('att.agenda.feed')),
                h('label', { for: 'feed-url' }, t('att.agenda.feedUrl')),
                h('div', { class: 'copy' }, input, h('button', { type: 'button', onclick: async () => {
                    /** @type {HTMLInputElement} */ (input).select();
                    try { await navigator.clipboard.writeText(f.url); toast(t('att.agenda.copied'), 'ok'); } catch { /* selected for manual copy */ }
                } }, t('att.agenda.copy'))),
                h('p', { class: 'meta' }, t('att.agenda.feedHelp'))));
            input.focus();
        } catch (e) { replace(feedBox, errorBox(e)); }
    } }, t('att.agenda.feedGet')));
    append(root, feedBox);
    append(root, h('p', { 'data-testid': 'agenda-conflicts', class: ag.conflicts ? 'error' : 'muted' },
        ag.conflicts ? t('att.agenda.conflicts', { n: ag.conflicts }) : t('att.agenda.noConflicts')));
    if (!ag.items.length) { append(root, h('p', null, t('att.agenda.empty'))); return; }
    const byDay = new Map();
    for (const it of ag.items) {
        const k = dayKey(it.starts_at, it.time_zone);
        if (!byDay.has(k)) byDay.set(k, []);
        byDay.get(k).push(it);
    }
    for (const [, items] of [...byDay.entries()].sort()) {
        append(root, h('h2', null, fmtDate(items[0].starts_at, items[0].time_zone)));
        append(root, h('ul', { class: 'list' }, items.map((/** @type {any} */ it) => h('li', { class: it.conflict ? 'conflict' : '', 'data-testid': 'agenda-item', 'data-kind': it.kind },
            h('div', { class: 'row spread' }, h('strong', null, it.title), h('span', { class: 'badge badge-info' }, t(`att.agenda.kind.${it.kind}`))),
            h('p', { class: 'meta' }, `${fmtTime(it.starts_at, it.time_zone)}–${fmtTime(it.ends_at, it.time_zone)} (${it.time_zone})`, it.location ? ` · ${it.location}` : '', ' · ',
                h('a', { href: `#/events/${it.event.id}` }, it.event.title)),
            it.conflict ? badge(t('att.agenda.clash'), 'bad', 'agenda-clash') : null))));
    }
}

export const routes = [
    { path: '#/', title: 'att.events.title', render: renderEvents },
    { path: '#/events', title: 'att.events.title', render: renderEvents },
    { path: '#/events/:id', title: 'att.event.title', render: renderEvent },
    { path: '#/me/registrations', title: 'att.regs.title', render: renderMyRegistrations, auth: true },
    { path: '#/tickets/:id', title: 'att.ticket.title', render: renderTicket, auth: true },
    { path: '#/me/agenda', title: 'att.agenda.title', render: renderAgenda, auth: true },
];
