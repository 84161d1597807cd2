import { randomUUID } from 'node:crypto'; // Node 18 has no global crypto
import { waitReady } from './lib.mjs';
// Attendees, as people would act: sign up, register until the session is full, the next person
// is waitlisted, a cancellation promotes them and their page shows it.
const PASSWORD = 'correct-horse-9';

/** An organizer's published event with a small session (set up through the API). */
async function plantEvent(t) {
    const email = `org-${t.uid}@e2e.test`;
    const u = await t.api.signUp(email, PASSWORD, `主办方 ${t.uid}`);
    await t.admin.call('POST', `/api/v1/users/${u.id}/roles`, { role: 'organizer' });
    const org = await t.api.login(email, PASSWORD);
    const day = new Date(Date.now() + 20 * 86400e3).toISOString().slice(0, 10);
    const ev = await org.call('POST', '/api/v1/events', {
        title: `人工智能产业峰会 ${t.uid}`, kind: 'summit', city: '上海', venue: '世博中心', description: '浏览器测试用活动',
        starts_at: `${day}T01:00:00Z`, ends_at: `${day}T10:00:00Z`, time_zone: 'Asia/Shanghai',
    }, { 'Idempotency-Key': randomUUID() });
    const small = await org.call('POST', `/api/v1/events/${ev.id}/sessions`, {
        title: '大模型落地闭门会', kind: 'forum', room: 'A厅', starts_at: `${day}T02:00:00Z`, ends_at: `${day}T03:00:00Z`, capacity: 2, waitlist: true,
    });
    const big = await org.call('POST', `/api/v1/events/${ev.id}/sessions`, {
        title: '智能制造论坛', kind: 'forum', room: 'B厅', starts_at: `${day}T02:30:00Z`, ends_at: `${day}T04:00:00Z`, capacity: 100, waitlist: false,
    });
    await org.call('POST', `/api/v1/events/${ev.id}/publish`);
    return { ev, small, big };
}

async function signUpInBrowser(p, name, email, role = 'attendee') {
    await p.goto('#/signup', '#/signup', 'signup');
    await p.page.getByTestId('signup-name').fill(name);
    await p.page.getByTestId('signup-email').fill(email);
    await p.page.getByTestId('signup-password').fill(PASSWORD);
    await p.page.getByTestId('signup-role').selectOption(role);
    await p.page.getByTestId('signup-submit').click();
    await p.page.getByTestId('logout').waitFor();
}

function sessionCard(p, sessionId) { return p.page.locator(`[data-testid="session"][data-session-id="${sessionId}"]`); }

async function register(p, t, sessionId, expect) {
    const card = sessionCard(p, sessionId);
    await card.getByTestId('register').click();
    await card.getByTestId('reg-status').filter({ hasText: expect }).waitFor({ timeout: 10000 });
}

export const scenarios = [{
    name: 'attendee-waitlist',
    async run(t) {
        const { ev, small, big } = await plantEvent(t);
        // The event page's first load is light.
        await t.weigh(`#/events/${ev.id}`);

        // Ann signs up in the browser, finds the event in the list and registers.
        const ann = await t.person('ann');
        await ann.goto('#/', '#/', 'events');
        await signUpInBrowser(ann, '安妮', `ann-${t.uid}@e2e.test`);
        await ann.goto('#/', '#/', 'events-signed-in');
        await ann.page.getByTestId('event-link').filter({ hasText: ev.title }).click();
        await ann.landed(`#/events/${ev.id}`, 'event');
        await register(ann, t, small.id, '已确认');
        await ann.record('event-registered');

        // Bob takes the last seat: the session is full.
        const bob = await t.person('bob');
        await signUpInBrowser(bob, '鲍勃', `bob-${t.uid}@e2e.test`);
        await bob.goto(`#/events/${ev.id}`, `#/events/${ev.id}`, 'event');
        await register(bob, t, small.id, '已确认');
        await sessionCard(bob, small.id).getByTestId('seats').filter({ hasText: '已满' }).waitFor();

        // Cai comes next and is waitlisted, first in line.
        const cai = await t.person('cai');
        await signUpInBrowser(cai, '蔡', `cai-${t.uid}@e2e.test`);
        await cai.goto(`#/events/${ev.id}`, `#/events/${ev.id}`, 'event-full');
        await register(cai, t, small.id, '候补第 1 位');
        await sessionCard(cai, small.id).getByTestId('waitlist').filter({ hasText: '候补 1 人' }).waitFor();
        await cai.record('event-waitlisted');
        await cai.nav('nav-registrations');
        await cai.landed('#/me/registrations', 'my-registrations-waitlisted');
        t.assert((await cai.page.getByTestId('reg-status').first().textContent()).includes('候补第 1 位'), 'my registrations shows the waitlist position');
        await cai.page.goto(`${t.run.base}/#/events/${ev.id}`);
        await cai.landed(`#/events/${ev.id}`, 'event-waiting');

        // Ann cancels; Cai's open page turns to confirmed by itself (the live refresh).
        await sessionCard(ann, small.id).getByTestId('cancel').click();
        await sessionCard(ann, small.id).getByTestId('register').waitFor({ timeout: 10000 });
        await ann.record('event-cancelled');
        await sessionCard(cai, small.id).getByTestId('reg-status').filter({ hasText: '已确认' }).waitFor({ timeout: 15000 });
        await cai.record('event-promoted');

        // Cai's registrations show it confirmed, with a ticket: a QR image and the code.
        await cai.nav('nav-registrations');
        await cai.landed('#/me/registrations', 'my-registrations-confirmed');
        t.assert((await cai.page.getByTestId('reg-status').first().textContent()).includes('已确认'), 'my registrations shows confirmed');
        await cai.page.getByTestId('ticket-link').first().click();
        await waitReady(cai.page, '#/tickets/');
        const code = (await cai.page.getByTestId('ticket-code').textContent({ timeout: 10000 }))?.trim();
        t.assert(code && code.length >= 6, `ticket shows the check-in code (${code})`);
        const natural = await cai.page.getByTestId('ticket-qr').evaluate(async (img) => { await img.decode(); return img.naturalWidth; });
        t.assert(natural > 0, 'the QR image loaded');
        await cai.record('ticket');

        // She also takes the overlapping forum; her agenda flags the clash.
        await cai.page.goto(`${t.run.base}/#/events/${ev.id}`);
        await cai.landed(`#/events/${ev.id}`, 'event-again');
        await register(cai, t, big.id, '已确认');
        await cai.nav('nav-agenda');
        await cai.landed('#/me/agenda', 'agenda');
        t.assert(await cai.page.getByTestId('agenda-item').count() === 2, 'the agenda lists her two sessions');
        t.assert(await cai.page.getByTestId('agenda-clash').count() === 2, 'both are flagged as a clash');
        await cai.page.getByTestId('agenda-feed').click();
        const url = await cai.page.getByTestId('feed-url').inputValue();
        t.assert(/\/api\/v1\/calendar\/.+\.ics$/.test(url), `calendar feed url (${url})`);
        await cai.record('agenda-feed');

        // English is one click away, and stays chosen.
        await cai.page.getByTestId('lang-switch').click();
        await cai.page.locator('main h1', { hasText: 'My agenda' }).waitFor();
        await cai.page.reload();
        await cai.landed('#/me/agenda', 'agenda-en');
        t.assert(await cai.page.evaluate(() => document.documentElement.lang) === 'en', 'English remembered');

        // Log out.
        await ann.page.getByTestId('logout').click();
        await ann.page.getByTestId('nav-login').waitFor();
    },
}];
