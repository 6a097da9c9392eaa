// The invite someone pastes into a chat or an e-mail. Its own module: the home page needs only
// this line of text, not the whole "Links of this room" panel (links-panel.js) it came from.

/** @param {string} role @param {string} link @param {string} [title] */
export function inviteMessage(role, link, title) {
  const what = title ? `my mock interview "${title}"` : "my mock interview";
  if (role === "reviewer") {
    return `Could you review ${what}? My recorded answers are here: ${link}`;
  }
  if (role === "observer") {
    return `Join ${what} on MockRoom as an observer (you watch and listen): ${link}`;
  }
  return `Join ${what} on MockRoom as the ${role}: ${link}`;
}
