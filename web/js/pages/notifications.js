// The signed-in user's notifications (#/me/notifications, the page e-mails link to): the feed,
// newest first and paged, each notice told as a sentence in the reader's language from its type
// and data (times in the event's zone); opening the page marks what it shows read, "mark all
// read" the rest; below, the preferences per kind and channel (a transactional kind keeps one
// channel: the server's 409 transactional_kind message is shown). Loaded on demand (app.js).
// @ts-check
import { t, addMessages } from '../i18n.js';
import { h, append, heading, fmtDateTime, errorBox, toast, badge, replace } from '../ui.js';

const PAGE = 20;

addMessages({
    zh: {
        'ntf.title': '通知',
        'ntf.empty': '还没有通知。',
        'ntf.more': '加载更多',
        'ntf.readAll': '全部标为已读',
        'ntf.readAllDone': '已全部标为已读',
        'ntf.unread': '未读',
        'ntf.unreadCount': '{n} 条未读',
        'ntf.sep': '，',
        'ntf.registration.confirmed': '报名成功：{session}',
        'ntf.registration.waitlisted': '名额已满，您在候补名单第 {n} 位：{session}',
        'ntf.registration.waitlisted0': '名额已满，您已进入候补名单：{session}',
        'ntf.registration.promoted': '您已从候补名单转为正式报名：{session}',
        'ntf.registration.cancelled': '您的报名已被取消：{session}',
        'ntf.event.cancelled': '活动已取消：{event}',
        'ntf.session.changed': '场次时间或地点有变化：{session}，新安排',
        'ntf.session.was': '原定 {when}',
        'ntf.pitch.placed': '路演已排定：{project}',
        'ntf.meeting.scheduled': '洽谈已安排：{orgs}',
        'ntf.meeting.changed': '洽谈有变化：{orgs}，新安排',
        'ntf.meeting.cancelled': '洽谈已取消：{orgs}',
        'ntf.meeting.table': '{n} 号桌',
        'ntf.match.mutual': '双向匹配：「{a}」与「{b}」互有合作意向，可以预约洽谈了',
        'ntf.recommendations.digest': '为「{project}」推荐了 {n} 个新的对接项目',
        'ntf.results.published': '比赛结果已公布：{session}',
        'ntf.organization.invitation': '{by} 邀请您加入机构「{org}」',
        'ntf.organization.invitation0': '您被邀请加入机构「{org}」',
        'ntf.reminder': '即将开始（{n} 分钟后）：{what}',
        'ntf.reminder0': '即将开始：{what}',
        'ntf.other': '新通知：{type}',
        'ntf.something': '（未命名）',
        'ntf.prefs.title': '通知设置',
        'ntf.prefs.intro': '选择每类通知的接收方式。标有“必要”的通知至少保留一种方式。',
        'ntf.prefs.kind': '通知类型',
        'ntf.prefs.inapp': '站内',
        'ntf.prefs.email': '邮件',
        'ntf.prefs.toggle': '{kind}：{channel}',
        'ntf.prefs.transactional': '必要',
        'ntf.prefs.saved': '已保存：{kind}',
        'ntf.kind.registration.confirmed': '报名成功',
        'ntf.kind.registration.waitlisted': '进入候补',
        'ntf.kind.registration.promoted': '候补转正',
        'ntf.kind.registration.cancelled': '报名被取消',
        'ntf.kind.event.cancelled': '活动取消',
        'ntf.kind.session.changed': '场次变更',
        'ntf.kind.pitch.placed': '路演排定',
        'ntf.kind.meeting.scheduled': '洽谈安排',
        'ntf.kind.meeting.changed': '洽谈变更',
        'ntf.kind.match.mutual': '双向匹配',
        'ntf.kind.recommendations.digest': '推荐摘要',
        'ntf.kind.results.published': '比赛结果',
        'ntf.kind.organization.invitation': '机构邀请',
        'ntf.kind.reminder': '开始提醒',
    },
    en: {
        'ntf.title': 'Notifications',
        'ntf.empty': 'No notifications yet.',
        'ntf.more': 'Load more',
        'ntf.readAll': 'Mark all as read',
        'ntf.readAllDone': 'All marked as read',
        'ntf.unread': 'Unread',
        'ntf.unreadCount': '{n} unread',
        'ntf.sep': ', ',
        'ntf.registration.confirmed': 'Registration confirmed: {session}',
        'ntf.registration.waitlisted': 'Full: you are number {n} on the waitlist for {session}',
        'ntf.registration.waitlisted0': 'Full: you are on the waitlist for {session}',
        'ntf.registration.promoted': 'You moved from the waitlist to confirmed: {session}',
        'ntf.registration.cancelled': 'Your registration was cancelled: {session}',
        'ntf.event.cancelled': 'Event cancelled: {event}',
        'ntf.session.changed': 'The time or place of {session} changed; now',
        'ntf.session.was': 'was {when}',
        'ntf.pitch.placed': 'Pitch scheduled: {project}',
        'ntf.meeting.scheduled': 'Meeting scheduled: {orgs}',
        'ntf.meeting.changed': 'Meeting moved: {orgs}; now',
        'ntf.meeting.cancelled': 'Meeting cancelled: {orgs}',
        'ntf.meeting.table': 'table {n}',
        'ntf.match.mutual': 'Mutual match: "{a}" and "{b}" are interested in each other; you can book a meeting',
        'ntf.recommendations.digest': '{n} new recommended projects for "{project}"',
        'ntf.results.published': 'Results published: {session}',
        'ntf.organization.invitation': '{by} invited you to join "{org}"',
        'ntf.organization.invitation0': 'You are invited to join "{org}"',
        'ntf.reminder': 'Starting in {n} minutes: {what}',
        'ntf.reminder0': 'Starting soon: {what}',
        'ntf.other': 'New notification: {type}',
        'ntf.something': '(untitled)',
        'ntf.prefs.title': 'Notification settings',
        'ntf.prefs.intro': 'Choose how each kind of notification reaches you. Those marked "required" keep at least one channel.',
        'ntf.prefs.kind': 'Kind',
        'ntf.prefs.inapp': 'In app',
        'ntf.prefs.email': 'E-mail',
        'ntf.prefs.toggle': '{kind}: {channel}',
        'ntf.prefs.transactional': 'required',
        'ntf.prefs.saved': 'Saved: {kind}',
        'ntf.kind.registration.confirmed': 'Registration confirmed',
        'ntf.kind.registration.waitlisted': 'Waitlisted',
        'ntf.kind.registration.promoted': 'Off the waitlist',
        'ntf.kind.registration.cancelled': 'Registration cancelled',
        'ntf.kind.event.cancelled': 'Event cancelled',
        'ntf.kind.session.changed': 'Session changed',
        'ntf.kind.pitch.placed': 'Pitch scheduled',
        'ntf.kind.meeting.scheduled': 'Meeting scheduled',
        'ntf.kind.meeting.changed': 'Meeting changed',
        'ntf.kind.match.mutual': 'Mutual match',
        'ntf.kind.recommendations.digest': 'Recommendations digest',
        'ntf.kind.results.published': 'Competition results',
        'ntf.kind.organization.invitation': 'Organization invitation',
        'ntf.kind.reminder': 'Reminder',
    },
});

/** @param {any} o @param {string} path @returns {any} */
function get(o, path) {
    let v = o;
    for (const k of path.split('.')) { if (v === null || typeof v !== 'object') return undefined; v = v[k]; }
    return v;
}
/** @param {any} v */
function str(v) { return typeof v === 'string' && v ? v : ''; }

/** "time, room" of a thing in the event's zone. @param {any} d @param {string} [starts] @param {string} [room] */
function whenWhere(d, starts, room) {
    const tz = str(get(d, 'event.time_zone')) || undefined;
    const parts = [];
    if (starts) parts.push(fmtDateTime(starts, tz));
    if (room) parts.push(room);
    return parts;
}

/**
 * A notice as a sentence in the reader's language and where it leads.
 * @param {{type: string, data: any}} n
 * @returns {{text: string, href: string | null}}
 */
export function describe(n) {
    const d = n.data || {};
    const none = t('ntf.something');
    const session = str(get(d, 'session.title')) || str(get(d, 'event.title')) || none;
    const event = str(get(d, 'event.title')) || none;
    const eventId = get(d, 'event.id');
    /** @type {string[]} */
    let tail = [];
    let text = '';
    /** @type {string | null} */
    let href = null;
    const orgs = () => {
        const list = get(d, 'meeting.organizations');
        return Array.isArray(list) ? list.map((o) => str(o && o.name)).filter(Boolean).join(' × ') || none : none;
    };
    switch (n.type) {
    case 'registration.confirmed':
    case 'registration.promoted':
    case 'registration.cancelled':
        text = t(`ntf.${n.type}`, { session });
        tail = whenWhere(d, get(d, 'session.starts_at'), str(get(d, 'session.room')));
        href = '#/me/registrations';
        break;
    case 'registration.waitlisted': {
        const pos = get(d, 'registration.waitlist_position');
        text = typeof pos === 'number' ? t('ntf.registration.waitlisted', { n: pos, session }) : t('ntf.registration.waitlisted0', { session });
        tail = whenWhere(d, get(d, 'session.starts_at'), str(get(d, 'session.room')));
        href = '#/me/registrations';
        break;
    }
    case 'event.cancelled':
        text = t('ntf.event.cancelled', { event });
        tail = whenWhere(d, get(d, 'event.starts_at'));
        if (typeof eventId === 'number') href = `#/events/${eventId}`;
        break;
    case 'session.changed': {
        text = t('ntf.session.changed', { session });
        tail = whenWhere(d, get(d, 'session.starts_at'), str(get(d, 'session.room')));
        const was = whenWhere(d, get(d, 'previous.starts_at'), str(get(d, 'previous.room')));
        if (was.length) tail.push(t('ntf.session.was', { when: was.join(t('ntf.sep')) }));
        href = '#/me/agenda';
        break;
    }
    case 'pitch.placed':
        text = t('ntf.pitch.placed', { project: str(get(d, 'pitch.project_title')) || none });
        tail = whenWhere(d, get(d, 'pitch.starts_at') || get(d, 'session.starts_at'), str(get(d, 'session.room')));
        href = '#/me/agenda';
        break;
    case 'meeting.scheduled':
    case 'meeting.changed': {
        const cancelled = get(d, 'meeting.status') === 'cancelled';
        text = t(cancelled ? 'ntf.meeting.cancelled' : `ntf.${n.type}`, { orgs: orgs() });
        if (!cancelled) {
            const table = get(d, 'meeting.table');
            tail = whenWhere(d, get(d, 'meeting.starts_at'), typeof table === 'number' ? t('ntf.meeting.table', { n: table }) : '');
        }
        href = '#/me/meetings';
        break;
    }
    case 'match.mutual': {
        const ps = Array.isArray(d.projects) ? d.projects : [];
        text = t('ntf.match.mutual', { a: str(ps[0] && ps[0].title) || none, b: str(ps[1] && ps[1].title) || none });
        href = '#/matches';
        break;
    }
    case 'recommendations.digest': {
        const items = Array.isArray(d.items) ? d.items : [];
        text = t('ntf.recommendations.digest', { project: str(get(d, 'project.title')) || none, n: items.length });
        const names = items.map((/** @type {any} */ it) => str(get(it, 'project.title'))).filter(Boolean);
        if (names.length) tail = [names.slice(0, 3).join('、') + (names.length > 3 ? '…' : '')];
        const pid = get(d, 'project.id');
        href = typeof pid === 'number' ? `#/projects/${pid}` : '#/matches';
        break;
    }
    case 'results.published':
        text = t('ntf.results.published', { session });
        if (typeof eventId === 'number') href = `#/events/${eventId}`;
        break;
    case 'organization.invitation': {
        const org = str(get(d, 'organization.name')) || none;
        const by = str(get(d, 'invited_by.display_name'));
        text = by ? t('ntf.organization.invitation', { by, org }) : t('ntf.organization.invitation0', { org });
        href = '#/orgs';
        break;
    }
    case 'reminder': {
        const what = str(get(d, 'pitch.project_title')) || (get(d, 'meeting') ? orgs() : '') || session;
        const mins = get(d, 'reminder.minutes_before');
        text = typeof mins === 'number' ? t('ntf.reminder', { n: mins, what }) : t('ntf.reminder0', { what });
        tail = whenWhere(d, get(d, 'pitch.starts_at') || get(d, 'meeting.starts_at') || get(d, 'session.starts_at'), str(get(d, 'session.room')));
        href = get(d, 'meeting') ? '#/me/meetings' : '#/me/agenda';
        break;
    }
    default:
        text = t('ntf.other', { type: n.type });
    }
    return { text: tail.length ? `${text}${t('ntf.sep')}${tail.join(t('ntf.sep'))}` : text, href };
}

/** @param {HTMLElement} root @param {import('../app.js').Ctx} ctx */
async function renderNotifications(root, ctx) {
    const list = h('ul', { class: 'list notif-list', 'data-testid': 'notif-list' });
    const foot = h('div', { class: 'notif-foot' });
    const status = h('div', { 'aria-live': 'polite' });
    const readAll = h('button', {
        type: 'button', 'data-testid': 'notif-read-all',
        onclick: async () => {
            replace(status);
            try {
                const r = await ctx.api.markNotificationsRead();
                ctx.setUnread(r.unread);
                for (const li of list.querySelectorAll('li[data-read="false"]')) markShownRead(/** @type {HTMLElement} */ (li));
                toast(t('ntf.readAllDone'), 'ok');
            } catch (e) { replace(status, errorBox(e)); }
        },
    }, t('ntf.readAll'));
    root.append(heading(t('ntf.title')), h('div', { class: 'notif-tools' }, readAll, h('a', { href: '#prefs', 'data-testid': 'notif-prefs-link', onclick: (/** @type {Event} */ ev) => { ev.preventDefault(); document.getElementById('ntf-prefs')?.focus(); document.getElementById('ntf-prefs')?.scrollIntoView(); } }, t('ntf.prefs.title'))), status, list, foot);

    const first = await ctx.api.notifications({ limit: PAGE });
    /** @param {typeof first} page */
    const show = (page) => {
        for (const n of page.items) {
            const { text, href } = describe(n);
            list.append(h('li', { class: n.read ? 'notif' : 'notif notif-unread', 'data-testid': 'notif', 'data-read': String(n.read), 'data-type': n.type },
                n.read ? null : badge(t('ntf.unread'), 'info', 'notif-unread'),
                h('p', { class: 'notif-text', 'data-testid': 'notif-text' }, href ? h('a', { href }, text) : text),
                h('p', { class: 'muted notif-time' }, h('time', { datetime: n.created_at }, fmtDateTime(n.created_at)))));
        }
        replace(foot);
        if (page.next_cursor) {
            const cursor = page.next_cursor;
            const more = h('button', {
                type: 'button', 'data-testid': 'notif-more',
                onclick: async () => {
                    more.setAttribute('disabled', '');
                    try { show(await ctx.api.notifications({ limit: PAGE, cursor })); }
                    catch (e) { more.removeAttribute('disabled'); replace(status, errorBox(e)); }
                },
            }, t('ntf.more'));
            append(foot, more);
        }
    };
    if (!first.items.length) list.replaceWith(h('p', { class: 'muted', 'data-testid': 'notif-empty' }, t('ntf.empty')));
    show(first);
    // Opening the page marks what it shows read: every notice up to the newest shown (the
    // marks stay on screen for this visit, so the reader still sees which were new).
    if (first.items.some((n) => !n.read)) {
        const upTo = Math.max(...first.items.map((n) => n.id));
        try { ctx.setUnread((await ctx.api.markNotificationsRead(upTo)).unread); }
        catch (e) { replace(status, errorBox(e)); }
    } else {
        ctx.setUnread(first.unread);
    }

    const prefs = h('section', { class: 'card notif-prefs', 'aria-labelledby': 'ntf-prefs' });
    root.append(prefs);
    await renderPrefs(prefs, ctx);
}

/** @param {HTMLElement} li */
function markShownRead(li) {
    li.setAttribute('data-read', 'true');
    li.classList.remove('notif-unread');
    li.querySelector('[data-testid="notif-unread"]')?.remove();
}

/** @param {HTMLElement} box @param {import('../app.js').Ctx} ctx */
async function renderPrefs(box, ctx) {
    const status = h('div', { 'aria-live': 'assertive', 'data-testid': 'prefs-status' });
    const body = h('tbody');
    /** @type {['inapp' | 'email', string][]} */
    const channels = [['inapp', 'ntf.prefs.inapp'], ['email', 'ntf.prefs.email']];
    replace(box,
        h('h2', { id: 'ntf-prefs', tabindex: '-1' }, t('ntf.prefs.title')),
        h('p', { class: 'muted' }, t('ntf.prefs.intro')),
        status,
        h('div', { class: 'table-wrap' }, h('table', { class: 'prefs-table', 'data-testid': 'prefs-table' },
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('ntf.prefs.kind')),
                channels.map(([, key]) => h('th', { scope: 'col' }, t(key))))),
            body)));
    /** @type {Map<string, HTMLInputElement>} */
    const boxes = new Map();
    /** The reply's state into the boxes, in place (keeps the keyboard focus). @param {any} p */
    const update = (p) => {
        for (const it of p.items) for (const [ch] of channels) {
            const b = boxes.get(`${it.kind}:${ch}`);
            if (b) b.checked = it.channels[ch];
        }
    };
    const p0 = await ctx.api.notificationPrefs();
    replace(body, p0.items.map((it) => {
        const kindName = t(`ntf.kind.${it.kind}`);
        return h('tr', { 'data-testid': 'pref', 'data-kind': it.kind },
            h('th', { scope: 'row' }, kindName, it.transactional ? [' ', badge(t('ntf.prefs.transactional'), 'warn', 'pref-transactional')] : null),
            channels.map(([ch, key]) => {
                const box = /** @type {HTMLInputElement} */ (h('input', {
                    type: 'checkbox', checked: it.channels[ch], 'data-testid': `pref-${ch}`,
                    'aria-label': t('ntf.prefs.toggle', { kind: kindName, channel: t(key) }),
                    onchange: async () => {
                        replace(status);
                        box.disabled = true;
                        try {
                            update(await ctx.api.updateNotificationPrefs({ kind: it.kind, channel: ch, enabled: box.checked }));
                            toast(t('ntf.prefs.saved', { kind: kindName }), 'ok');
                        } catch (e) {
                            box.checked = !box.checked;
                            replace(status, errorBox(e));
                        } finally {
                            box.disabled = false;
                            box.focus();
                        }
                    },
                }));
                boxes.set(`${it.kind}:${ch}`, box);
                return h('td', null, box);
            }));
    }));
}

/** @type {import('../app.js').Route[]} */
export const routes = [
    { path: '#/me/notifications', title: 'ntf.title', render: renderNotifications, auth: true },
];
