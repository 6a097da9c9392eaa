// Placeholder: the interview pane is written by another engineer and replaces this file.
/** @param {HTMLElement} container @param {any} ctx */
export function mountInterview(container, ctx) { void container; void ctx; return { destroy() {} }; }
