import { randomUUID } from 'node:crypto'; // Node 18 has no global crypto
// Notifications, as a person meets them: Dai is waitlisted for a full session, the organizer
// raises its capacity, and the bell in Dai's header says one unread; the notifications page says
// in Chinese that she moved off the waitlist (time in the event's zone), opening it clears the
// bell; an e-mail preference turned off with the keyboard stays off after a reload; turning off
// the last channel of a transactional kind shows the server's refusal.
const PASSWORD = 'correct-horse-9';

async function plant(t) {
    const email = `norg-${t.uid}@e2e.test`;
    const u = await t.api.signUp(email, PASSWORD, `主办方 ${t.uid}`);
    await t.admin.call('POST', `/api/v1/users/${u.id}/roles`, { role: 'organizer' });
    const org = await t.api.login(email, PASSWORD);
    const day = new Date(Date.now() + 25 * 86400e3).toISOString().slice(0, 10);
    const ev = await org.call('POST', '/api/v1/events', {
        title: `通知测试峰会 ${t.uid}`, kind: 'summit', city: '杭州', venue: '国际博览中心', description: '浏览器测试用活动',
        starts_at: `${day}T01:00:00Z`, ends_at: `${day}T10:00:00Z`, time_zone: 'Asia/Shanghai',
    }, { 'Idempotency-Key': randomUUID() });
    const s = await org.call('POST', `/api/v1/events/${ev.id}/sessions`, {
        title: '具身智能圆桌', kind: 'forum', room: 'C厅', starts_at: `${day}T02:00:00Z`, ends_at: `${day}T03:00:00Z`, capacity: 1, waitlist: true,
    });
    await org.call('POST', `/api/v1/events/${ev.id}/publish`);
    // Someone takes the only seat.
    const femail = `nfill-${t.uid}@e2e.test`;
    await t.api.signUp(femail, PASSWORD, `先到者 ${t.uid}`);
    const filler = await t.api.login(femail, PASSWORD);
    await filler.call('POST', `/api/v1/sessions/${s.id}/registrations`, undefined, { 'Idempotency-Key': randomUUID() });
    return { org, ev, s };
}

async function bellCount(p) {
    const c = p.page.getByTestId('unread-count');
    return (await c.isHidden()) ? 0 : Number(await c.textContent());
}

export const scenarios = [{
    name: 'notifications',
    async run(t) {
        const { org, ev, s } = await plant(t);
        const dai = await t.person('dai');
        await dai.goto('#/signup', '#/signup', 'signup');
        await dai.page.getByTestId('signup-name').fill('戴');
        await dai.page.getByTestId('signup-email').fill(`dai-${t.uid}@e2e.test`);
        await dai.page.getByTestId('signup-password').fill(PASSWORD);
        await dai.page.getByTestId('signup-submit').click();
        await dai.page.getByTestId('logout').waitFor();

        // Waitlisted: the notice arrives; she reads it on the notifications page.
        await dai.goto(`#/events/${ev.id}`, `#/events/${ev.id}`, 'event-full');
        const card = dai.page.locator(`[data-testid="session"][data-session-id="${s.id}"]`);
        await card.getByTestId('register').click();
        await card.getByTestId('reg-status').filter({ hasText: '候补第 1 位' }).waitFor({ timeout: 10000 });
        await dai.page.reload();
        await dai.landed(`#/events/${ev.id}`, 'event-waitlisted');
        await dai.page.getByTestId('unread-count').filter({ hasText: '1' }).waitFor({ timeout: 10000 });
        await dai.page.getByTestId('nav-notifications').click();
        await dai.landed('#/me/notifications', 'notifications-waitlisted');
        const w = await dai.page.getByTestId('notif-text').first().textContent();
        t.assert(w.includes('名额已满，您在候补名单第 1 位：具身智能圆桌'), `waitlisted sentence (${w})`);
        await dai.page.getByTestId('unread-count').waitFor({ state: 'hidden', timeout: 10000 });

        // The organizer raises the capacity: Dai is promoted. Her bell says so when she comes
        // back to the tab (the window's focus asks again, at most once per 10 s) and the
        // screen reader hears it once.
        await org.call('PATCH', `/api/v1/sessions/${s.id}`, { capacity: 2 });
        await dai.nav('nav-registrations');
        await dai.landed('#/me/registrations', 'registrations');
        for (let i = 0; i < 30 && await bellCount(dai) !== 1; i++) {
            await dai.page.evaluate(() => window.dispatchEvent(new Event('focus')));
            await new Promise((r) => setTimeout(r, 500));
        }
        const said = await dai.page.locator('#bell-live').textContent();
        t.assert(said === '您有 1 条未读通知', `the new count is announced (${said})`);
        t.assert(await bellCount(dai) === 1, 'the bell shows 1 unread');
        const label = await dai.page.getByTestId('nav-notifications').getAttribute('aria-label');
        t.assert(label === '通知，1 条未读', `the bell's accessible name says the count (${label})`);
        await dai.record('bell-one-unread');

        // The page: the promotion sentence in Chinese, time in the event's zone, marked unread.
        await dai.page.getByTestId('nav-notifications').click();
        await dai.landed('#/me/notifications', 'notifications-promoted');
        const first = dai.page.getByTestId('notif').first();
        t.assert(await first.getAttribute('data-type') === 'registration.promoted', 'newest first: the promotion');
        t.assert(await first.getAttribute('data-read') === 'false', 'shown as unread on this visit');
        t.assert(await first.getByTestId('notif-unread').textContent() === '未读', 'with an unread mark');
        const text = await first.getByTestId('notif-text').textContent();
        t.assert(text.startsWith('您已从候补名单转为正式报名：具身智能圆桌，'), `promotion sentence (${text})`);
        t.assert(text.includes('10:00') && text.includes('C厅'), `10:00 in Asia/Shanghai and the room (${text})`);
        t.assert(await dai.page.getByTestId('notif').count() === 2, 'both notices listed');
        // Opening the page marked them read: the bell is clear, and stays clear after a reload.
        await dai.page.getByTestId('unread-count').waitFor({ state: 'hidden', timeout: 10000 });
        await dai.page.getByTestId('notif-read-all').click();
        await dai.page.getByTestId('toast').filter({ hasText: '已全部标为已读' }).waitFor();
        t.assert(await first.getAttribute('data-read') === 'true', 'mark all read clears the marks');
        await dai.page.reload();
        await dai.landed('#/me/notifications', 'notifications-read');
        t.assert(await bellCount(dai) === 0, 'no unread after a reload');
        t.assert(await dai.page.getByTestId('notif').first().getAttribute('data-read') === 'true', 'read on the server');

        // Preferences: the e-mail of mutual matches off, with the keyboard alone; kept after a reload.
        const row = (kind) => dai.page.locator(`[data-testid="pref"][data-kind="${kind}"]`);
        const mail = row('match.mutual').getByTestId('pref-email');
        t.assert(await mail.isChecked(), 'e-mail on by default');
        await mail.focus();
        await dai.page.keyboard.press('Space');
        await dai.page.getByTestId('toast').filter({ hasText: '已保存：双向匹配' }).waitFor();
        t.assert(!(await mail.isChecked()), 'unchecked');
        await dai.page.reload();
        await dai.landed('#/me/notifications', 'prefs-reloaded');
        t.assert(!(await row('match.mutual').getByTestId('pref-email').isChecked()), 'the e-mail preference persisted');
        t.assert(await row('match.mutual').getByTestId('pref-inapp').isChecked(), 'in-app untouched');

        // A transactional kind keeps one channel: in-app off is fine, then e-mail off is refused.
        const promo = row('registration.promoted');
        t.assert(await promo.getByTestId('pref-transactional').count() === 1, 'promotion is marked as required');
        await promo.getByTestId('pref-inapp').uncheck();
        await dai.page.getByTestId('toast').filter({ hasText: '已保存：候补转正' }).waitFor();
        await promo.getByTestId('pref-email').click();
        await dai.page.getByTestId('prefs-status').getByTestId('error').waitFor();
        const msg = await dai.page.getByTestId('prefs-status').textContent();
        t.assert(msg.length > 4, `the server's refusal shown (${msg})`);
        await dai.record('prefs-refused');
        t.assert(await promo.getByTestId('pref-email').isChecked(), 'the refused change is undone on screen');

        // English is one click away.
        await dai.page.getByTestId('lang-switch').click();
        await dai.page.locator('main h1', { hasText: 'Notifications' }).waitFor();
        await dai.page.getByTestId('prefs-table').waitFor();
        await dai.record('notifications-en');
        const en = await dai.page.getByTestId('notif-text').first().textContent();
        t.assert(en.startsWith('You moved from the waitlist to confirmed: 具身智能圆桌, '), `English sentence (${en})`);

        // Signed out: no bell.
        await dai.page.getByTestId('logout').click();
        await dai.page.getByTestId('nav-login').waitFor();
        t.assert(await dai.page.getByTestId('nav-notifications').count() === 0, 'no bell when signed out');
    },
}];
