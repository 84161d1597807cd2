// @ts-check
/** @type {any[]} */
export const routes = [];
