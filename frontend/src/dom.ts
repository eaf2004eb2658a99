// A tiny element builder: text always goes in as text (never HTML), so API data cannot
// inject markup, and nothing needs inline scripts or styles (strict CSP).

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") {
        el.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
      } else if (value === true) {
        el.setAttribute(name, "");
      } else {
        el.setAttribute(name, String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

export function clear(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

let idCounter = 0;
export function uid(prefix = "f"): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled form field: <label for> + control, optional hint. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const target = control.matches("input,select,textarea")
    ? control
    : (control.querySelector("input,select,textarea") as HTMLElement);
  if (!target.id) target.id = uid();
  return h(
    "div",
    { class: "field" },
    h("label", { for: target.id }, label),
    control,
    hint ? h("small", { class: "hint" }, hint) : null,
  );
}

export function formData(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  new FormData(form).forEach((value, key) => {
    if (typeof value === "string" && value.trim() !== "") {
      out[key] = out[key] ? `${out[key]},${value.trim()}` : value.trim();
    }
  });
  return out;
}
