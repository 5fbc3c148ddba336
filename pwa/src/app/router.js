// Hash routes. Navigation replaces the current history entry instead of adding one: the app
// never fills the back history, so "Quick exit" (location.replace) removes it entirely.

const routes = [];
let render = null;

export function route(pattern, screen) {
  const names = [];
  const regex = new RegExp(
    "^" + pattern.replace(/:(\w+)/g, (_, name) => (names.push(name), "([0-9a-f]{32})")) + "$",
  );
  routes.push({ regex, names, screen });
}

export function currentPath() {
  return location.hash.replace(/^#\/?/, "");
}

export function go(path) {
  const target = "#/" + path;
  if (location.hash === target) onChange();
  else location.replace(target);
}

function onChange() {
  const path = currentPath();
  for (const { regex, names, screen } of routes) {
    const match = regex.exec(path);
    if (match) {
      const params = Object.fromEntries(names.map((n, i) => [n, match[i + 1]]));
      render(screen, params);
      return;
    }
  }
  go(""); // an unknown address: home, under its own address
}

// In-app links are plain <a href="#/…"> (keyboard and screen readers know them); a click on one
// would push a history entry, so it becomes a replace too.
function onLinkClick(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest?.('a[href^="#/"]');
  if (!link) return;
  event.preventDefault();
  go(link.getAttribute("href").slice(2));
}

export function startRouter(renderScreen) {
  render = renderScreen;
  window.addEventListener("hashchange", onChange);
  document.addEventListener("click", onLinkClick);
  onChange();
}
