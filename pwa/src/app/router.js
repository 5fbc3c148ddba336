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
  render(routes[0].screen, {});
}

export function startRouter(renderScreen) {
  render = renderScreen;
  window.addEventListener("hashchange", onChange);
  onChange();
}
