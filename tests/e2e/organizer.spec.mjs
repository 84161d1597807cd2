// Organizers, as people would act: one creates an event and its pitch session in the browser,
// builds the timetable with the auto-scheduler, moves a pitch and sees a clash refused in place;
// a check-in desk scans a ticket's QR with its camera (Chromium's fake camera filming the
// ticket.svg the server drew), checks it in and refuses its second showing, and types codes that
// are refused for other reasons (zbarimg decodes the SVG too: tests/integration/test_ticket.c);
// the stats page draws its charts, and the
// venue's big screen shows the day.
import { randomUUID } from 'node:crypto'; // Node 18 has no global crypto
const PASSWORD = 'correct-horse-9';
const idem = () => ({ 'Idempotency-Key': randomUUID() });

/** An organizer account (role granted by the admin) and its API client. */
async function organizer(t, tag) {
    const email = `${tag}-org-${t.uid}@e2e.test`;
    const u = await t.api.signUp(email, PASSWORD, `会务组 ${t.uid}`);
    await t.admin.call('POST', `/api/v1/users/${u.id}/roles`, { role: 'organizer' });
    return { email, client: await t.api.login(email, PASSWORD) };
}

/** An attendee who registers for sessions through the API; returns their registrations. */
async function attendee(t, name, tag, sessionIds) {
    const email = `${tag}-${t.uid}@e2e.test`;
    await t.api.signUp(email, PASSWORD, name);
    const c = await t.api.login(email, PASSWORD);
    const regs = [];
    for (const id of sessionIds) regs.push(await c.call('POST', `/api/v1/sessions/${id}/registrations`, undefined, idem()));
    return regs;
}

/** Logs a person in through the login page. */
async function logIn(p, email) {
    await p.goto('#/login', '#/login', 'login');
    await p.page.getByTestId('login-email').fill(email);
    await p.page.getByTestId('login-password').fill(PASSWORD);
    await p.page.getByTestId('login-submit').click();
    await p.page.getByTestId('logout').waitFor();
}

/** The wall date (YYYY-MM-DD) in Shanghai some days from now. */
function shanghaiDay(days) {
    return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

const card = (p, id) => p.page.locator(`[data-testid="tt-pitch"][data-pitch-id="${id}"]`);

export const scenarios = [{
    name: 'organizer-timetable',
    async run(t) {
        const { email } = await organizer(t, 'tt');
        const day = shanghaiDay(20);
        const olga = await t.person('olga');
        await logIn(olga, email);

        // Olga creates the event in the browser: a draft, in Shanghai time.
        await olga.nav('nav-organizer');
        await olga.landed('#/org', 'my-events-empty');
        await olga.page.getByTestId('new-event').click();
        await olga.landed('#/org/new-event', 'event-new');
        const form = olga.page.getByTestId('event-form');
        await form.locator('[name="title"]').fill(`项目路演日 ${t.uid}`);
        await form.locator('[name="kind"]').selectOption('roadshow');
        await form.locator('[name="city"]').fill('成都');
        await form.locator('[name="venue"]').fill('天府新区创新中心');
        await form.locator('[name="starts_at"]').fill(`${day}T08:00`);
        await form.locator('[name="ends_at"]').fill(`${day}T18:00`);
        await form.locator('button[type="submit"]').click();
        await olga.page.getByTestId('event-status').filter({ hasText: '草稿' }).waitFor();
        const eventId = Number(olga.page.url().split('#/org/events/')[1]);
        t.assert(eventId > 0, 'the new event has an id');
        await olga.landed(`#/org/events/${eventId}`, 'event-draft');

        // She adds the pitch session with the session form.
        await olga.page.getByTestId('add-session').click();
        const sf = olga.page.getByTestId('session-form');
        await sf.locator('[name="title"]').fill('AI 应用项目路演专场');
        await sf.locator('[name="kind"]').selectOption('pitch');
        await sf.locator('[name="room"]').fill('路演厅');
        await sf.locator('[name="starts_at"]').fill(`${day}T09:00`);
        await sf.locator('[name="ends_at"]').fill(`${day}T12:00`);
        await sf.locator('[name="capacity"]').fill('80');
        await sf.locator('button[type="submit"]').click();
        await olga.page.getByTestId('session-row').filter({ hasText: 'AI 应用项目路演专场' }).waitFor();
        await olga.page.getByTestId('publish-event').click();
        await olga.page.getByTestId('event-status').filter({ hasText: '已发布' }).waitFor();
        await olga.record('event-published');
        const ev = await t.api.call('GET', `/api/v1/events/${eventId}`);
        t.assert(ev.starts_at === `${day}T00:00:00Z` || ev.starts_at.startsWith(`${day}T00:00:00`), `08:00 Shanghai is 00:00Z (${ev.starts_at})`);
        const sessionId = ev.sessions[0].id;

        // Three enterprises will pitch (their pitches added through the API, unplaced).
        const vocab = await t.api.call('GET', '/api/v1/vocabularies');
        const sector = vocab.sectors[0].code;
        const orgClient = await t.api.login(email, PASSWORD);
        const pitches = [];
        for (const [i, name] of ['天府智造', '蓉城视觉', '锦江语音'].entries()) {
            const em = `pitch${i}-${t.uid}@e2e.test`;
            const u = await t.api.signUp(em, PASSWORD, `${name} 代表`, 'enterprise');
            const c = await t.api.login(em, PASSWORD);
            const o = await c.call('POST', '/api/v1/organizations', { name: `${name} ${t.uid}`, tier: 'innovative', sector }, idem());
            const pr = await c.call('POST', '/api/v1/projects', {
                organization_id: o.id, side: 'supply', title: `${name}项目 ${t.uid}`, description: '路演项目', sector,
                tags: ['路演'], budget_min: 100000, budget_max: 200000, stage: 'production',
            }, idem());
            pitches.push(await orgClient.call('POST', `/api/v1/sessions/${sessionId}/pitches`, { project_id: pr.id, presenter_user_id: u.id, minutes: 20 }, idem()));
        }
        const [a, b, c] = pitches;

        // The timetable: empty until the auto-scheduler runs, then packed from 09:00.
        await olga.page.getByRole('link', { name: '路演时间表' }).click();
        await olga.landed(`#/org/events/${eventId}/timetable`, 'timetable-empty');
        t.assert(await olga.page.getByTestId('tt-pitch').count() === 0, 'no pitch placed yet');
        // Added through the API, not in this browser: the unplaced list still holds all three.
        for (const p of [a, b, c]) await olga.page.locator(`[data-testid="pitch-pool"] [data-pitch-id="${p.id}"]`).waitFor();
        t.assert(await olga.page.locator('[data-testid="pitch-pool"] li').count() === 3, 'the three unplaced pitches are listed');
        await olga.page.getByTestId('auto-schedule').click();
        await card(olga, c.id).waitFor();
        t.assert(await olga.page.getByTestId('tt-pitch').count() === 3, 'the scheduler placed the three pitches');
        t.assert(await olga.page.getByTestId('pitch-pool').count() === 0, 'nothing left unplaced');
        t.assert((await card(olga, a.id).textContent()).includes('09:00–09:20'), 'the first pitch opens the session');
        t.assert((await olga.page.getByTestId('auto-report').textContent()).includes('已排 3 个'), 'the scheduler reports what it placed');
        await olga.record('timetable-scheduled');

        // She moves the third pitch to 10:40 with the keyboard: Move, then the cell.
        await card(olga, c.id).getByTestId('pitch-move').focus();
        await olga.page.keyboard.press('Enter');
        await olga.page.locator('[data-testid="tt-cell"][data-time="10:40"] [data-testid="tt-place"]').waitFor();
        await olga.record('timetable-pitch-selected');
        await olga.page.locator('[data-testid="tt-cell"][data-time="10:40"] [data-testid="tt-place"]').click();
        await card(olga, c.id).filter({ hasText: '10:40–11:00' }).waitFor();
        const moved = await t.api.call('GET', `/api/v1/events/${eventId}/timetable`);
        const placedC = moved.rooms[0].sessions[0].pitches.find((p) => p.id === c.id);
        t.assert(placedC && placedC.starts_at.startsWith(`${day}T02:40:00`), `the move is stored (${placedC && placedC.starts_at})`);
        await olga.record('timetable-moved');

        // Putting the first pitch onto the second one is refused: the clash shows in place.
        await card(olga, a.id).getByTestId('pitch-move').click();
        await card(olga, b.id).getByTestId('tt-place-here').click();
        const clash = card(olga, b.id).getByTestId('clash');
        await clash.waitFor();
        t.assert(await clash.getAttribute('data-code') === 'room_clash', 'the API\'s reason is room_clash');
        t.assert((await olga.page.getByTestId('tt-status').textContent()).includes('无法放置'), 'the status says it was refused');
        await olga.record('timetable-clash');
        const after = await t.api.call('GET', `/api/v1/events/${eventId}/timetable`);
        t.assert(after.rooms[0].sessions[0].pitches.find((p) => p.id === a.id).starts_at.startsWith(`${day}T01:00:00`), 'the refused move changed nothing');

        // The second pitch is taken off the grid, then placed again from the unplaced list.
        await olga.page.keyboard.press('Escape');
        await card(olga, b.id).getByTestId('pitch-remove').click();
        await olga.page.locator(`[data-testid="pitch-pool"] [data-pitch-id="${b.id}"]`).waitFor();
        t.assert(await olga.page.getByTestId('tt-pitch').count() === 2, 'two pitches left on the grid');
        await olga.record('timetable-removed');
        await olga.page.locator(`[data-testid="pitch-pool"] [data-pitch-id="${b.id}"] [data-testid="pitch-move"]`).click();
        await olga.page.locator('[data-testid="tt-cell"][data-time="11:20"] [data-testid="tt-place"]').click();
        await card(olga, b.id).filter({ hasText: '11:20–11:40' }).waitFor();
        await olga.record('timetable-final');

        // The venue's big screen shows the day's programme with the pitches.
        await olga.goto(`#/screen/${eventId}`, `#/screen/${eventId}`, 'screen');
        t.assert(await olga.page.getByTestId('screen-session').count() === 1, 'the screen lists the session');
        t.assert((await olga.page.getByTestId('screen-timetable').textContent()).includes(`天府智造项目 ${t.uid}`), 'with its pitches');
    },
}, {
    name: 'organizer-desk',
    async run(t) {
        const { email, client } = await organizer(t, 'desk');
        // An event starting in minutes: the first session's check-in window is open, the second's not yet.
        const now = Date.now();
        const iso = (ms) => new Date(Math.floor(ms / 60000) * 60000).toISOString().replace('.000Z', 'Z');
        const ev = await client.call('POST', '/api/v1/events', {
            title: `签到测试大会 ${t.uid}`, kind: 'summit', city: '上海', venue: '世博中心',
            starts_at: iso(now + 10 * 60e3), ends_at: iso(now + 4 * 86400e3), time_zone: 'Asia/Shanghai',
        }, idem());
        const soon = await client.call('POST', `/api/v1/events/${ev.id}/sessions`, {
            title: '开幕主论坛', kind: 'forum', room: '主会场', starts_at: iso(now + 20 * 60e3), ends_at: iso(now + 80 * 60e3), capacity: 100,
        });
        const later = await client.call('POST', `/api/v1/events/${ev.id}/sessions`, {
            title: '闭幕论坛', kind: 'forum', room: '主会场', starts_at: iso(now + 3 * 86400e3), ends_at: iso(now + 3 * 86400e3 + 3600e3), capacity: 100,
        });
        await client.call('POST', `/api/v1/events/${ev.id}/publish`);
        const [ticket, laterTicket] = await attendee(t, '王小明', 'wang', [soon.id, later.id]);
        t.assert(ticket.status === 'confirmed' && ticket.checkin_code, 'a confirmed ticket with a code');

        // The ticket as its holder has it (the organizer may fetch it too), in front of the
        // desk's camera.
        const res = await fetch(`${t.run.base}/api/v1/registrations/${ticket.id}/ticket.svg`, { headers: { Authorization: `Bearer ${client.token}` } });
        t.assert(res.ok && res.headers.get('content-type').startsWith('image/svg+xml'), `the ticket's QR (${res.status})`);
        const camera = await t.cameraOn(await res.text(), 'ticket');

        const desk = await t.person('desk', { browser: camera });
        await logIn(desk, email);
        await desk.goto(`#/org/events/${ev.id}/checkin`, `#/org/events/${ev.id}/checkin`, 'desk');
        const result = desk.page.getByTestId('checkin-result');
        const scan = desk.page.getByTestId('scan');

        // The camera on: the QR is read, checked in, the attendee shown.
        await scan.click();
        await desk.page.locator('[data-testid="checkin-result"][data-outcome="checked_in"]').waitFor({ timeout: 20000 });
        t.assert((await result.textContent()).includes('王小明'), 'the attendee is shown');
        const decoder = await desk.page.getByTestId('scan-slot').getAttribute('data-decoder');
        // Chromium on Linux has no BarcodeDetector: there jsQR (web/vendor/jsqr.js) read it.
        const native = await desk.page.evaluate(() => 'BarcodeDetector' in window);
        t.assert(decoder === (native ? 'native' : 'jsqr'), `the QR was read by ${native ? 'BarcodeDetector' : 'jsQR'} (${decoder})`);
        t.run.notes.push(`desk: QR read by ${decoder}`);
        await desk.record('desk-scanned');
        // Still in view, the ticket is not taken twice: the result stays "checked in".
        await desk.page.waitForTimeout(1500);
        t.assert(await result.getAttribute('data-outcome') === 'checked_in', 'a ticket kept in view is read once');

        // The same ticket shown again (the camera stopped and started): refused, clearly.
        await scan.click();
        t.assert(await scan.getAttribute('aria-pressed') === 'false', 'the camera is off');
        await scan.click();
        await desk.page.locator('[data-testid="checkin-result"][data-outcome="already_checked_in"]').waitFor({ timeout: 20000 });
        t.assert((await result.textContent()).includes('已签到过'), 'already checked in, in words');
        await desk.record('desk-already');
        await scan.click();

        // A ticket for a later session: the window is not open, with its opening time.
        await desk.page.getByTestId('checkin-code').fill(laterTicket.checkin_code);
        await desk.page.getByTestId('checkin-code').press('Enter');
        await desk.page.locator('[data-testid="checkin-result"][data-outcome="checkin_not_open"]').waitFor();
        t.assert((await result.textContent()).includes('开放时间'), 'the opening time is shown');
        await desk.record('desk-not-open');

        // An unknown code.
        await desk.page.getByTestId('checkin-code').fill('NOSUCHCODE123');
        await desk.page.getByTestId('checkin-code').press('Enter');
        await desk.page.locator('[data-testid="checkin-result"][data-outcome="unknown_code"]').waitFor();
        await desk.record('desk-unknown');

        // The attendee list shows the check-in; the CSV comes down through a blob URL.
        await desk.goto(`#/org/sessions/${soon.id}/registrations`, `#/org/sessions/${soon.id}/registrations`, 'attendees');
        const row = desk.page.getByTestId('registration-row').first();
        t.assert((await row.textContent()).includes(ticket.checkin_code), 'the list shows the code');
        t.assert(!(await row.locator('td').nth(4).textContent()).includes('—'), 'and the check-in time');
        const [download] = await Promise.all([desk.page.waitForEvent('download'), desk.page.getByTestId('download-csv').click()]);
        t.assert(download.suggestedFilename() === `session-${soon.id}-registrations.csv`, 'the CSV is saved');
        const file = await download.path();
        const { readFileSync } = await import('node:fs');
        t.assert(readFileSync(file, 'utf8').includes(ticket.checkin_code), 'the CSV holds the registration');
    },
}, {
    name: 'organizer-stats',
    async run(t) {
        const { email, client } = await organizer(t, 'stats');
        const day = shanghaiDay(15);
        const ev = await client.call('POST', '/api/v1/events', {
            title: `数据看板测试峰会 ${t.uid}`, kind: 'summit', city: '北京', venue: '国家会议中心',
            starts_at: `${day}T00:00:00Z`, ends_at: `${day}T10:00:00Z`, time_zone: 'Asia/Shanghai',
        }, idem());
        const s1 = await client.call('POST', `/api/v1/events/${ev.id}/sessions`, {
            title: '大模型论坛', kind: 'forum', room: 'A厅', starts_at: `${day}T01:00:00Z`, ends_at: `${day}T03:00:00Z`, capacity: 4,
        });
        const s2 = await client.call('POST', `/api/v1/events/${ev.id}/sessions`, {
            title: '具身智能论坛', kind: 'forum', room: 'B厅', starts_at: `${day}T01:00:00Z`, ends_at: `${day}T03:00:00Z`, capacity: 10,
        });
        await client.call('POST', `/api/v1/events/${ev.id}/sessions`, {
            title: '创新应用大赛', kind: 'competition', room: 'C厅', starts_at: `${day}T06:00:00Z`, ends_at: `${day}T08:00:00Z`, capacity: 50,
        });
        await client.call('POST', `/api/v1/events/${ev.id}/publish`);
        await attendee(t, '甲', 'a1', [s1.id, s2.id]);
        await attendee(t, '乙', 'a2', [s1.id]);
        await attendee(t, '丙', 'a3', [s1.id]);

        const olga = await t.person('olga');
        await logIn(olga, email);
        await olga.goto('#/org', '#/org', 'my-events');
        await olga.page.getByTestId('event-row').filter({ hasText: ev.title }).getByRole('link').click();
        await olga.landed(`#/org/events/${ev.id}`, 'event');

        // The stats page draws its charts, with the figures in the SVG and in text.
        await olga.page.getByRole('link', { name: '数据' }).click();
        await olga.page.locator('[data-testid="chart-over-time"] svg').waitFor();
        await olga.landed(`#/org/events/${ev.id}/stats`, 'stats');
        const fillBars = olga.page.locator('[data-testid="chart-fill"] svg rect.bar');
        t.assert(await fillBars.count() === 3, 'one fill bar per session');
        const values = await olga.page.locator('[data-testid="chart-fill"] svg .bar-row').evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-value'))));
        t.assert(values[0] === 0.75 && values[1] === 0.1, `fill rates drawn (${values})`);
        t.assert(Number(await fillBars.first().getAttribute('width')) > Number(await fillBars.nth(1).getAttribute('width')), 'the fuller session has the longer bar');
        const dots = await olga.page.locator('[data-testid="chart-over-time"] svg circle').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-value'))));
        t.assert(dots.length >= 1 && dots[dots.length - 1] === 4, `registrations over time end at 4 (${dots})`);
        t.assert(await olga.page.locator('[data-testid="chart-matching"] svg rect.bar').count() === 3, 'interests, matches, meetings');
        t.assert(await olga.page.locator('[data-testid="chart-fill"] svg[role="img"] title').count() === 1, 'the chart is named for screen readers');
        t.assert((await olga.page.getByTestId('stat-totals').textContent()).includes('4'), 'the totals');

        // The other pages of the event: competitions, one competition, meetings (slots made in the form).
        await olga.page.getByRole('link', { name: '大赛', exact: true }).click();
        await olga.landed(`#/org/events/${ev.id}/competitions`, 'competitions');
        await olga.page.getByTestId('competitions').getByRole('link').first().click();
        await olga.landed('#/org/sessions/', 'competition');
        await olga.page.getByTestId('criterion-form').locator('[name="name"]').fill('技术创新性');
        await olga.page.getByTestId('criterion-form').locator('button[type="submit"]').click();
        await olga.page.getByTestId('criteria').filter({ hasText: '技术创新性' }).waitFor();
        await olga.record('competition-criterion');
        await olga.page.getByTestId('publish-results').click();
        await olga.page.getByTestId('publish-results-confirm').click();
        await olga.page.getByTestId('results-state').filter({ hasText: '结果已发布' }).waitFor();
        await olga.landed('#/org/sessions/', 'competition-published');

        // The big screen shows the published leaderboard.
        await olga.goto(`#/screen/${ev.id}`, `#/screen/${ev.id}`, 'screen');
        t.assert(await olga.page.getByTestId('screen-leaderboard').count() === 1, 'the published leaderboard is on the big screen');
        t.assert(await olga.page.getByTestId('screen-session').count() === 3, 'with the day\'s three sessions');
        await olga.goto(`#/org/events/${ev.id}/meetings`, `#/org/events/${ev.id}/meetings`, 'meetings-empty');
        const mf = olga.page.getByTestId('slots-form');
        await mf.locator('[name="starts_at"]').fill(`${day}T14:00`);
        await mf.locator('[name="count"]').fill('3');
        await mf.locator('[name="tables"]').fill('4');
        await mf.locator('button[type="submit"]').click();
        await olga.page.getByTestId('meeting-slots').waitFor();
        await olga.landed(`#/org/events/${ev.id}/meetings`, 'meetings-slots');
        await olga.page.getByTestId('run-meetings').click();
        await olga.page.getByTestId('meetings-report').filter({ hasText: '已排' }).waitFor();
        await olga.record('meetings-run');
        await olga.goto(`#/org/events/${ev.id}/checkin`, `#/org/events/${ev.id}/checkin`, 'desk');

        // English, one click away.
        await olga.page.getByTestId('lang-switch').click();
        await olga.page.getByText('Check-in desk', { exact: false }).first().waitFor();
        await olga.goto(`#/org/events/${ev.id}/stats`, `#/org/events/${ev.id}/stats`, 'stats-en');
    },
}];
