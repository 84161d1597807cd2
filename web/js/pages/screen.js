// The big-screen view for the venue: placeholder (no routes yet).
// @ts-check
/** @type {any[]} */
export const routes = [];
