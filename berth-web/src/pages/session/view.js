// A tab's life on the session page: shown, hidden as the user switches, closed when the page goes.

export function view({ show = () => {}, hide = () => {}, close = () => {} } = {}) {
  return { show, hide, close };
}

