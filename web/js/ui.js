// DOM and formatting helpers shared by every page: h() builds elements, svg() builds chart
// elements, fmt*() format times in the event's IANA zone and the reader's language, toast()
// speaks through the aria-live status region.
// @ts-check
import { t, locale } from './i18n.js';
import { ApiError } from './api.js';

/** @typedef {string | number | Node | null | undefined | false | Child[]} Child */

/**
 * @param {Element} el @param {Record<string, any> | null | undefined} attrs @param {Child[]} children
 */
function fill(el, attrs, children) {
    for (const [k, v] of Object.entries(attrs || {})) {
        if (v === undefined || v === null || v === false) continue;
        if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
        else if (k === 'class') el.setAttribute('class', String(v));
        else if (k === 'value' && 'value' in el) /** @type {any} */ (el).value = v;
        else if (k === 'checked' || k === 'selected' || k === 'disabled') {
            /** @type {any} */ (el)[k] = Boolean(v);
            if (v) el.setAttribute(k, '');
        } else el.setAttribute(k, v === true ? '' : String(v));
    }
    const add = (/** @type {Child} */ c) => {
        if (c === null || c === undefined || c === false) return;
        if (Array.isArray(c)) { c.forEach(add); return; }
        el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    };
    children.forEach(add);
    return el;
}

/** @param {string} tag @param {Record<string, any> | null} [attrs] @param {...Child} children @returns {HTMLElement} */
export function h(tag, attrs, ...children) {
    return /** @type {HTMLElement} */ (fill(document.createElement(tag), attrs, children));
}

const SVGNS = 'http://www.w3.org/2000/svg';
/** @param {string} tag @param {Record<string, any> | null} [attrs] @param {...Child} children @returns {SVGElement} */
export function svg(tag, attrs, ...children) {
    return /** @type {SVGElement} */ (fill(document.createElementNS(SVGNS, tag), attrs, children));
}

/** @param {string} iso @param {string | undefined} tz @param {Intl.DateTimeFormatOptions} o */
function fmt(iso, tz, o) {
    if (!iso) return '';
    const d = new Date(iso);
    try { return new Intl.DateTimeFormat(locale(), { ...o, timeZone: tz || undefined }).format(d); }
    catch { return new Intl.DateTimeFormat(locale(), o).format(d); }
}
/** @param {string} iso @param {string} [tz] */
export function fmtDateTime(iso, tz) {
    return fmt(iso, tz, { year: 'numeric', month: 'short', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false });
}
/** @param {string} iso @param {string} [tz] */
export function fmtDate(iso, tz) { return fmt(iso, tz, { year: 'numeric', month: 'long', day: 'numeric', weekday: 'short' }); }
/** @param {string} iso @param {string} [tz] */
export function fmtTime(iso, tz) { return fmt(iso, tz, { hour: '2-digit', minute: '2-digit', hour12: false }); }
/** The calendar day (YYYY-MM-DD) of iso in tz, for grouping. @param {string} iso @param {string} [tz] */
export function dayKey(iso, tz) {
    try { return new Intl.DateTimeFormat('en-CA', { timeZone: tz || undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso)); }
    catch { return iso.slice(0, 10); }
}
/** @param {number} n @param {Intl.NumberFormatOptions} [o] */
export function fmtNumber(n, o) { return new Intl.NumberFormat(locale(), o).format(n); }

/** The server's message for an ApiError, a translated text for anything else. @param {unknown} err */
export function errorMessage(err) {
    if (err instanceof ApiError) return err.message || t('app.error.generic');
    if (err instanceof TypeError) return t('app.error.network');
    return t('app.error.generic');
}

/** Says text in the status region (read by screen readers) for a few seconds. @param {string} text @param {'ok' | 'error' | 'info'} [kind] */
export function toast(text, kind = 'info') {
    const box = document.getElementById('toasts');
    if (!box) return;
    const el = h('p', { class: `toast toast-${kind}`, 'data-testid': 'toast' }, text);
    /* One at a time: on a phone a stack of them covered the page they report on. */
    box.replaceChildren(el);
    setTimeout(() => el.remove(), 5000);
}

/** The page heading that receives focus on navigation. @param {string} text @param {Record<string, any>} [attrs] */
export function heading(text, attrs) { return h('h1', { tabindex: '-1', class: 'page-title', ...attrs }, text); }

/** A labelled form field: label + control (+ hint). @param {string} label @param {HTMLElement} control @param {string} [hint] */
export function field(label, control, hint) {
    const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
    control.id = id;
    let hintEl = null;
    if (hint) {
        hintEl = h('small', { id: `${id}-hint`, class: 'hint' }, hint);
        control.setAttribute('aria-describedby', `${id}-hint`);
    }
    return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

/** An error paragraph inside a page (role=alert). @param {unknown} err */
export function errorBox(err) { return h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, errorMessage(err)); }

/** A status badge. @param {string} text @param {string} kind @param {string} [testid] */
export function badge(text, kind, testid) { return h('span', { class: `badge badge-${kind}`, 'data-testid': testid }, text); }

/** Replaces the children of el. @param {Element} el @param {...Child} children */
export function replace(el, ...children) { el.replaceChildren(); fill(el, null, children); }

/** Appends children to el (null, false and undefined skipped, arrays flattened). @param {Element} el @param {...Child} children */
export function append(el, ...children) { fill(el, null, children); }
