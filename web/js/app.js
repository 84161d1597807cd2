// The shell of the web client: header with the navigation of the reader's roles, the language
// switch, sign-in state (the Bearer token kept in localStorage), <main id="main"> and the hash
// router. Page modules export `routes`: [{path: '#/events/:id', title: key, render(root, ctx),
// auth?: true, role?: 'organizer' | 'enterprise' | 'attendee'}]; render may return a cleanup
// function (timers), called before the next page renders.
//
// Loading: the attendee pages (the events list and the event page, what most people open) are
// imported with the shell. The enterprise, organizer and big-screen modules are imported on
// demand, the first time a route of theirs is opened: `lazyGroups` below names, per module, the
// hash prefixes its routes live under (whole path segments: '#/org' is not '#/orgs'). A module
// keeps exporting `routes` as above; when no loaded route matches and a group's prefix does,
// the router imports the module once, adds its routes and matches again. A NEW route of a lazy
// module must start with one of its group's prefixes (else the router reports it as a page
// error, which fails the browser suite); a new prefix is one line here.
// Dynamic import() is same-origin, so the strict CSP (script-src 'self') allows it, and the
// relative specifier resolves under the fingerprinted /assets/<hash>/ prefix like static imports.
// @ts-check
import { Api, ApiError } from './api.js';
import { t, getLang, setLang, addMessages } from './i18n.js';
import { h, svg, heading, field, errorBox, toast, replace } from './ui.js';
import { routes as attendeeRoutes } from './pages/attendee.js';

const TOKEN_KEY = 'summitd.token';

/**
 * @typedef {object} Ctx
 * @property {Api} api
 * @property {any} user GET /me, or null when signed out
 * @property {Record<string, string>} params
 * @property {URLSearchParams} query
 * @property {(hash: string) => void} navigate
 * @property {() => void} refresh
 * @property {() => Promise<void>} reloadUser
 * @property {(n: number) => void} setUnread the header's unread count, as the page now knows it
 */
/**
 * @typedef {object} Route
 * @property {string} path
 * @property {string} title
 * @property {(root: HTMLElement, ctx: Ctx) => (void | (() => void) | Promise<void | (() => void)>)} render
 * @property {boolean} [auth]
 * @property {'organizer' | 'enterprise' | 'attendee'} [role]
 * @property {boolean} [bare] full-screen page without header and footer (the big screen)
 */

const api = new Api('');
/** @type {any} */
let user = null;
/** @type {(() => void) | null} */
let cleanup = null;
let renderSeq = 0;
let firstRender = true;

// ---- the unread notifications count in the header: polled every UNREAD_POLL_MS while signed
// in and the tab is visible, and when the tab comes back (at most once per UNREAD_MIN_GAP_MS).
const UNREAD_POLL_MS = 60000;
const UNREAD_MIN_GAP_MS = 10000;
/** @type {number | null} null: not known (signed out, or not asked yet) */
let unread = null;
let unreadAt = 0;
/** @type {ReturnType<typeof setInterval> | null} */
let unreadTimer = null;

/** @param {number | null} n */
function setUnread(n) {
    const before = unread;
    unread = n;
    paintBell();
    // Said once to screen readers when it grows while the reader is here (a live region of its
    // own: the toasts stay the pages' own).
    const live = document.getElementById('bell-live');
    if (live && n !== null && before !== null && n > before) live.textContent = t('app.notif.new', { n });
}

async function pollUnread(force = false) {
    if (!user || !api.token) return;
    if (!force && (document.hidden || Date.now() - unreadAt < UNREAD_MIN_GAP_MS)) return;
    unreadAt = Date.now();
    try {
        const p = await api.notifications({ limit: 1 });
        if (user) setUnread(p.unread);
    } catch (e) {
        if (e instanceof ApiError && e.status === 401) { storeToken(undefined); user = null; stopUnread(); render(); }
        /* otherwise (network, 503): keep the last count, try at the next tick */
    }
}

function startUnread() {
    if (unreadTimer || !user) return;
    unreadTimer = setInterval(() => { pollUnread(); }, UNREAD_POLL_MS);
    pollUnread(true);
}

function stopUnread() {
    const live = document.getElementById('bell-live');
    if (live) live.textContent = '';
    if (unreadTimer) clearInterval(unreadTimer);
    unreadTimer = null;
    unread = null;
    unreadAt = 0;
}

/** The bell's badge and accessible name from `unread`. */
function paintBell() {
    const bell = document.getElementById('bell');
    if (!bell) return;
    const count = bell.querySelector('.bell-count');
    const n = unread || 0;
    bell.setAttribute('aria-label', n ? t('app.notif.unread', { n }) : t('app.notif.none'));
    if (count) {
        count.textContent = n > 99 ? '99+' : String(n);
        count.toggleAttribute('hidden', !n);
    }
}

function storedToken() { try { return localStorage.getItem(TOKEN_KEY) || undefined; } catch { return undefined; } }
/** @param {string | undefined} tok */
function storeToken(tok) {
    try { if (tok) localStorage.setItem(TOKEN_KEY, tok); else localStorage.removeItem(TOKEN_KEY); } catch { /* storage disabled */ }
    api.token = tok;
}

async function reloadUser() {
    if (!api.token) { user = null; return; }
    try { user = await api.me(); }
    catch (e) {
        if (e instanceof ApiError && e.status === 401) { storeToken(undefined); user = null; }
        else throw e;
    }
}

/** @param {string} role */
function hasRole(role) { return !!user && (user.roles.includes(role) || user.roles.includes('admin')); }

// ---- the shell's own pages: log in, sign up, home, not found
/** @type {Route[]} */
const shellRoutes = [
    { path: '#/login', title: 'auth.login.title', render: renderLogin },
    { path: '#/signup', title: 'auth.signup.title', render: renderSignup },
];

/** @param {HTMLElement} root @param {Ctx} ctx */
function renderLogin(root, ctx) {
    const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'username', 'data-testid': 'login-email' });
    const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'current-password', 'data-testid': 'login-password' });
    const status = h('div', { 'aria-live': 'assertive' });
    const form = h('form', {
        class: 'card narrow', 'data-testid': 'login-form', novalidate: true,
        onsubmit: async (/** @type {Event} */ ev) => {
            ev.preventDefault();
            replace(status);
            try {
                const s = await api.logIn({ email: /** @type {HTMLInputElement} */ (email).value.trim(), password: /** @type {HTMLInputElement} */ (password).value });
                storeToken(s.token);
                await reloadUser();
                toast(t('auth.welcome', { name: user ? user.display_name : '' }), 'ok');
                ctx.navigate(ctx.query.get('next') || '#/');
            } catch (e) { replace(status, errorBox(e)); }
        },
    },
    field(t('auth.email'), email),
    field(t('auth.password'), password),
    status,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'login-submit' }, t('auth.login.submit')),
    h('p', null, h('a', { href: `#/signup${ctx.query.get('next') ? `?next=${encodeURIComponent(ctx.query.get('next') || '')}` : ''}` }, t('auth.toSignup'))));
    root.append(heading(t('auth.login.title')), form);
}

/** @param {HTMLElement} root @param {Ctx} ctx */
function renderSignup(root, ctx) {
    const name = h('input', { type: 'text', name: 'display_name', required: true, autocomplete: 'name', maxlength: '100', 'data-testid': 'signup-name' });
    const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'email', 'data-testid': 'signup-email' });
    const password = h('input', { type: 'password', name: 'password', required: true, minlength: '8', autocomplete: 'new-password', 'data-testid': 'signup-password' });
    const role = h('select', { name: 'role', 'data-testid': 'signup-role' },
        h('option', { value: 'attendee' }, t('app.role.attendee')),
        h('option', { value: 'enterprise', selected: ctx.query.get('role') === 'enterprise' }, t('app.role.enterprise')));
    const status = h('div', { 'aria-live': 'assertive' });
    const v = (/** @type {HTMLElement} */ el) => /** @type {HTMLInputElement} */ (el).value;
    const form = h('form', {
        class: 'card narrow', 'data-testid': 'signup-form', novalidate: true,
        onsubmit: async (/** @type {Event} */ ev) => {
            ev.preventDefault();
            replace(status);
            try {
                const r = /** @type {'attendee' | 'enterprise'} */ (v(role));
                await api.signUp({ email: v(email).trim(), password: v(password), display_name: v(name).trim(), role: r });
                const s = await api.logIn({ email: v(email).trim(), password: v(password) });
                storeToken(s.token);
                await reloadUser();
                toast(t('auth.welcome', { name: user ? user.display_name : '' }), 'ok');
                ctx.navigate(ctx.query.get('next') || (r === 'enterprise' ? '#/orgs' : '#/'));
            } catch (e) { replace(status, errorBox(e)); }
        },
    },
    field(t('auth.name'), name),
    field(t('auth.email'), email),
    field(t('auth.password'), password, t('auth.password.hint')),
    field(t('auth.role'), role),
    status,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'signup-submit' }, t('auth.signup.submit')),
    h('p', null, h('a', { href: '#/login' }, t('auth.toLogin'))));
    root.append(heading(t('auth.signup.title')), form);
}

/** @type {Route[]} */
const allRoutes = [...shellRoutes, ...attendeeRoutes];

/**
 * Route groups imported on demand (see the top of this file).
 * @typedef {object} LazyGroup
 * @property {string[]} prefixes
 * @property {() => Promise<{routes: Route[]}>} load
 * @property {Promise<void>} [loading]
 */
/** @type {LazyGroup[]} */
const lazyGroups = [
    { prefixes: ['#/orgs', '#/projects', '#/matches', '#/me/meetings'], load: () => import('./pages/enterprise.js') },
    { prefixes: ['#/org', '#/judge'], load: () => import('./pages/organizer/index.js') },
    { prefixes: ['#/screen'], load: () => import('./pages/screen.js') },
    { prefixes: ['#/me/notifications'], load: () => import('./pages/notifications.js') },
];

/** @param {string} prefix @param {string} path */
function underPrefix(prefix, path) {
    const a = prefix.split('/'), b = path.split('/');
    return a.length <= b.length && a.every((seg, i) => seg === b[i]);
}

/**
 * Imports the group whose prefix covers path, once, and adds its routes; resolves at once when
 * none does or it is loaded already. Rejects when the import fails (network), to be shown.
 * @param {string} path
 */
function loadGroupFor(path) {
    const g = lazyGroups.find((x) => x.prefixes.some((p) => underPrefix(p, path)));
    if (!g) return Promise.resolve();
    if (!g.loading) {
        g.loading = g.load().then((m) => {
            allRoutes.push(...m.routes);
            const stray = m.routes.filter((r) => !g.prefixes.some((p) => underPrefix(p, r.path)));
            // Reachable only once its module is loaded by another route: a bug, made loud.
            if (stray.length) setTimeout(() => { throw new Error(`app.js lazyGroups: ${stray.map((r) => r.path).join(', ')} outside ${g.prefixes.join(', ')}`); });
        }, (e) => { g.loading = undefined; throw e; });
    }
    return g.loading;
}

/** @param {string} path @returns {{route: Route | undefined, params: Record<string, string>}} */
function findRoute(path) {
    for (const r of allRoutes) {
        const p = match(r.path, path);
        if (p) return { route: r, params: p };
    }
    return { route: undefined, params: {} };
}

/** @param {string} pattern @param {string} path @returns {Record<string, string> | null} */
function match(pattern, path) {
    const a = pattern.split('/'), b = path.split('/');
    if (a.length !== b.length) return null;
    /** @type {Record<string, string>} */
    const params = {};
    for (let i = 0; i < a.length; i++) {
        if (a[i].startsWith(':')) params[a[i].slice(1)] = decodeURIComponent(b[i]);
        else if (a[i] !== b[i]) return null;
    }
    return params;
}

function currentHash() {
    const hs = location.hash;
    return hs.startsWith('#/') ? hs : '#/';
}

/** @param {string} hash */
function navigate(hash) {
    if (location.hash === hash) render();
    else location.hash = hash;
}

// ---- the header
function renderHeader() {
    const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
    nav.setAttribute('aria-label', t('app.nav'));
    const hash = currentHash().split('?')[0];
    /** @type {[string, string, string][]} */
    const links = [['#/', 'app.nav.events', 'nav-events']];
    if (user) {
        links.push(['#/me/registrations', 'app.nav.myRegs', 'nav-registrations'], ['#/me/agenda', 'app.nav.agenda', 'nav-agenda']);
        if (hasRole('enterprise')) {
            links.push(['#/orgs', 'app.nav.orgs', 'nav-orgs'], ['#/projects', 'app.nav.projects', 'nav-projects'],
                ['#/matches', 'app.nav.matches', 'nav-matches'], ['#/me/meetings', 'app.nav.meetings', 'nav-meetings']);
        }
        if (hasRole('organizer')) links.push(['#/org', 'app.nav.organizer', 'nav-organizer']);
    }
    const ul = h('ul', null, links.map(([href, key, tid]) => h('li', null,
        h('a', { href, 'data-testid': tid, 'aria-current': (href === '#/' ? hash === '#/' || hash.startsWith('#/events') : hash.startsWith(href)) ? 'page' : null }, t(key)))));
    replace(nav, ul);

    const who = /** @type {HTMLElement} */ (document.getElementById('who'));
    if (user) {
        replace(who, h('a', {
            href: '#/me/notifications', id: 'bell', class: 'bell', 'data-testid': 'nav-notifications',
            'aria-current': hash === '#/me/notifications' ? 'page' : null,
        }, svg('svg', { class: 'bell-icon', viewBox: '0 0 24 24', width: '18', height: '18', 'aria-hidden': 'true', focusable: 'false' },
            svg('path', { d: 'M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6zm-2 15a2 2 0 0 0 4 0', fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linejoin': 'round' })), h('span', { class: 'bell-text', 'aria-hidden': 'true' }, t('app.notif')),
        h('span', { class: 'bell-count', 'data-testid': 'unread-count', 'aria-hidden': 'true', hidden: true })), ' ',
        h('span', { class: 'who-name', 'data-testid': 'who' }, user.display_name), ' ',
            h('button', { type: 'button', class: 'link-button', 'data-testid': 'logout', onclick: logOut }, t('app.logout')));
        paintBell();
        startUnread();
    } else {
        stopUnread();
        replace(who, h('a', { href: '#/login', 'data-testid': 'nav-login' }, t('app.nav.login')), ' ',
            h('a', { href: '#/signup', 'data-testid': 'nav-signup' }, t('app.nav.signup')));
    }
    const lang = /** @type {HTMLElement} */ (document.getElementById('lang-switch'));
    lang.textContent = t('app.lang.other');
    lang.setAttribute('lang', getLang() === 'zh' ? 'en' : 'zh-CN');
    lang.setAttribute('aria-label', getLang() === 'zh' ? 'Switch to English' : '切换到中文');
    const skip = /** @type {HTMLElement} */ (document.getElementById('skip-link'));
    skip.textContent = t('app.skip');
    const menu = /** @type {HTMLElement} */ (document.getElementById('menu-toggle'));
    menu.setAttribute('aria-label', t('app.menu'));
    const brand = /** @type {HTMLElement} */ (document.getElementById('brand-link'));
    brand.textContent = t('app.title');
    const foot = document.getElementById('foot-text');
    if (foot) foot.textContent = t('app.footer');
}

async function logOut() {
    try { await api.logOut(); } catch { /* the token may be gone already */ }
    storeToken(undefined);
    user = null;
    stopUnread();
    toast(t('auth.loggedOut'), 'info');
    navigate('#/');
}

// ---- the router
async function render() {
    const seq = ++renderSeq;
    if (cleanup) { try { cleanup(); } catch { /* page's own */ } cleanup = null; }
    const full = currentHash();
    const qi = full.indexOf('?');
    const path = qi < 0 ? full : full.slice(0, qi);
    const query = new URLSearchParams(qi < 0 ? '' : full.slice(qi + 1));
    let { route, params } = findRoute(path);
    /** @type {unknown} */
    let loadError = null;
    if (!route) {
        try { await loadGroupFor(path); } catch (e) { loadError = e; }
        if (seq !== renderSeq) return;
        ({ route, params } = findRoute(path));
    }
    document.body.classList.toggle('bare', !!(route && route.bare));
    document.getElementById('nav')?.classList.remove('open');
    document.getElementById('menu-toggle')?.setAttribute('aria-expanded', 'false');
    renderHeader();
    const main = /** @type {HTMLElement} */ (document.getElementById('main'));
    const root = h('div', { class: 'page' });
    replace(main, root);
    /** @type {Ctx} */
    const ctx = { api, user, params, query, navigate, refresh: () => render(), reloadUser: async () => { await reloadUser(); renderHeader(); }, setUnread };
    if (loadError) {
        document.title = t('app.title');
        root.append(heading(t('app.loadFailed')), errorBox(loadError));
    } else if (!route) {
        document.title = `${t('app.notFound')} · ${t('app.title')}`;
        root.append(heading(t('app.notFound')), h('p', null, t('app.notFound.text')));
    } else if ((route.auth || route.role) && !user) {
        navigate(`#/login?next=${encodeURIComponent(full)}`);
        return;
    } else if (route.role && !hasRole(route.role)) {
        document.title = `${t(route.title)} · ${t('app.title')}`;
        root.append(heading(t(route.title)), h('p', { class: 'error', role: 'alert' }, t('app.needRole', { role: t(`app.role.${route.role}`) })));
    } else {
        document.title = `${t(route.title)} · ${t('app.title')}`;
        try {
            const c = await route.render(root, ctx);
            if (seq !== renderSeq) { if (typeof c === 'function') c(); return; }
            if (typeof c === 'function') cleanup = c;
        } catch (e) {
            if (seq !== renderSeq) return;
            if (e instanceof ApiError && e.status === 401) {
                storeToken(undefined); user = null;
                navigate(`#/login?next=${encodeURIComponent(full)}`);
                return;
            }
            if (!root.querySelector('h1')) root.prepend(heading(t(route.title)));
            root.append(errorBox(e));
        }
    }
    if (seq !== renderSeq) return;
    const h1 = /** @type {HTMLElement | null} */ (root.querySelector('h1'));
    if (h1) {
        h1.setAttribute('tabindex', '-1');
        if (!firstRender || location.hash.length > 2) h1.focus({ preventScroll: false });
    }
    firstRender = false;
    main.setAttribute('data-ready', path);
}

async function start() {
    setLang(getLang());
    api.lang = getLang();
    storeToken(storedToken());
    try { await reloadUser(); } catch { /* network: render signed out; pages show the error */ }
    document.getElementById('lang-switch')?.addEventListener('click', () => {
        const l = getLang() === 'zh' ? 'en' : 'zh';
        setLang(l);
        api.lang = l;
        render();
    });
    document.getElementById('skip-link')?.addEventListener('click', (ev) => {
        ev.preventDefault();
        const h1 = /** @type {HTMLElement | null} */ (document.querySelector('#main h1'));
        (h1 || /** @type {HTMLElement} */ (document.getElementById('main'))).focus();
    });
    document.getElementById('menu-toggle')?.addEventListener('click', (ev) => {
        const nav = document.getElementById('nav');
        const open = !nav?.classList.contains('open');
        nav?.classList.toggle('open', open);
        /** @type {HTMLElement} */ (ev.currentTarget).setAttribute('aria-expanded', String(open));
    });
    window.addEventListener('focus', () => { pollUnread(); });
    document.addEventListener('visibilitychange', () => { if (!document.hidden) pollUnread(); });
    window.addEventListener('hashchange', () => { if (location.hash === '' || location.hash.startsWith('#/')) render(); });
    addMessages({});
    await render();
}

start();
