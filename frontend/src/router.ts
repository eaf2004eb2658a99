// A tiny History API router: every journey has its own URL, deep links and Back work.

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  outlet: HTMLElement;
  /** False once the user has navigated elsewhere: late answers must not render. */
  current: () => boolean;
}

type View = (ctx: RouteContext) => void | Promise<void>;
interface Route {
  pattern: RegExp;
  keys: string[];
  view: View;
}

const routes: Route[] = [];
let renderId = 0;
let outletEl: HTMLElement;
let afterRender: (path: string) => void = () => {};

export function route(path: string, view: View): void {
  const keys: string[] = [];
  const pattern = new RegExp(
    "^" + path.replace(/:(\w+)/g, (_, key: string) => (keys.push(key), "([^/]+)")) + "/?$",
  );
  routes.push({ pattern, keys, view });
}

export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  void render();
}

let lastPath: string | null = null;

/** A new page (not just new filters on the same one): its heading takes the focus. */
export function isNewPage(): boolean {
  return newPage;
}
let newPage = true;

export async function render(): Promise<void> {
  const id = ++renderId;
  const { pathname, search } = window.location;
  const query = new URLSearchParams(search);
  newPage = pathname !== lastPath;
  lastPath = pathname;
  // Same page, new query (a filter or sort changed): give the focus back to that control.
  const active = document.activeElement as HTMLElement | null;
  const focusedName = !newPage ? active?.getAttribute("name") : null;
  for (const r of routes) {
    const match = r.pattern.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => (params[k] = decodeURIComponent(match[i + 1])));
    outletEl.replaceChildren();
    afterRender(pathname);
    await r.view({ params, query, outlet: outletEl, current: () => id === renderId });
    if (focusedName && id === renderId) {
      outletEl.querySelector<HTMLElement>(`[name="${CSS.escape(focusedName)}"]`)?.focus();
    }
    return;
  }
}

export function startRouter(outlet: HTMLElement, onRender: (path: string) => void): void {
  outletEl = outlet;
  afterRender = onRender;
  window.addEventListener("popstate", () => void render());
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const a = (event.target as Element).closest?.("a");
    if (!a || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, window.location.href);
    if (url.origin !== window.location.origin) return;
    if (/^\/(api|admin|static|healthz)(\/|$)/.test(url.pathname)) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  void render();
}
