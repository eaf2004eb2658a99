// /signin and /signup.
import { api, ApiError } from "../api";
import { clear, field, formData, h } from "../dom";
import { t } from "../i18n";
import { navigate, type RouteContext } from "../router";
import { store } from "../store";
import { errorBox, heading, input, pageTitle } from "../ui";
import type { Registered, Tokens, User } from "../types";

function safeNext(query: URLSearchParams): string {
  const next = query.get("next") ?? "/";
  // Only paths on this site: never an open redirect.
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

async function me(tokens: Tokens): Promise<User> {
  return api<User>("/me", { headers: { Authorization: `Bearer ${tokens.access}` }, auth: false });
}

export function signInView(ctx: RouteContext): void {
  pageTitle("auth.signIn");
  const errors = h("div", { "aria-live": "assertive" });
  const form = h(
    "form",
    { class: "stack narrow" },
    field(
      t("auth.email"),
      input("email", "email", null, { required: true, autocomplete: "email" }),
    ),
    field(
      t("auth.password"),
      input("password", "password", null, { required: true, autocomplete: "current-password" }),
    ),
    h("button", { type: "submit", class: "primary" }, t("auth.signIn")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = formData(form);
    try {
      const tokens = await api<Tokens>("/auth/token", {
        method: "POST",
        body: { email: data.email, password: data.password },
        auth: false,
      });
      const user = await me(tokens);
      store.auth = { ...tokens, email: user.email, first_name: user.first_name };
      navigate(safeNext(ctx.query), true);
    } catch (error) {
      clear(
        errors,
        errorBox(
          error,
          error instanceof ApiError && error.status === 401 ? t("auth.wrong") : undefined,
        ),
      );
    }
  });
  const signup = `/signup${ctx.query.get("next") ? `?next=${encodeURIComponent(ctx.query.get("next")!)}` : ""}`;
  clear(
    ctx.outlet,
    heading(t("auth.signIn")),
    errors,
    form,
    h("p", null, t("auth.noAccount"), " ", h("a", { href: signup }, t("auth.signUp"))),
  );
}

export function signUpView(ctx: RouteContext): void {
  pageTitle("auth.signUp");
  const errors = h("div", { "aria-live": "assertive" });
  const form = h(
    "form",
    { class: "stack narrow" },
    field(
      t("auth.firstName"),
      input("first_name", "text", null, { required: true, autocomplete: "given-name" }),
    ),
    field(
      t("auth.lastName"),
      input("last_name", "text", null, { required: true, autocomplete: "family-name" }),
    ),
    field(
      t("auth.email"),
      input("email", "email", null, { required: true, autocomplete: "email" }),
    ),
    field(
      t("auth.password"),
      input("password", "password", null, {
        required: true,
        autocomplete: "new-password",
        minlength: "12",
      }),
      t("auth.passwordHint"),
    ),
    h("button", { type: "submit", class: "primary" }, t("auth.create")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = formData(form);
    try {
      const res = await api<Registered>("/auth/register", {
        method: "POST",
        body: data,
        auth: false,
      });
      store.auth = { ...res.tokens, email: res.user.email, first_name: res.user.first_name };
      navigate(safeNext(ctx.query), true);
    } catch (error) {
      clear(errors, errorBox(error));
    }
  });
  const signin = `/signin${ctx.query.get("next") ? `?next=${encodeURIComponent(ctx.query.get("next")!)}` : ""}`;
  clear(
    ctx.outlet,
    heading(t("auth.signUp")),
    errors,
    form,
    h("p", null, t("auth.haveAccount"), " ", h("a", { href: signin }, t("auth.signIn"))),
  );
}
