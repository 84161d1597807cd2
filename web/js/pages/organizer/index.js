// The organizer's pages (owned by the org helper): placeholder until they land.
// @ts-check
/** @type {import('../../app.js').Route[]} */
export const routes = [];
