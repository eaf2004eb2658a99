// /signin and /signup.
import { api, ApiError } from "../api";
import { clear, field, formData, h } from "../dom";
import { language, t } from "../i18n";
import { navigate, type RouteContext } from "../router";
import { store } from "../store";
import { errorBox, heading, input, pageTitle } from "../ui";
import type { Tokens, User } from "../types";
import { safeNext } from "./account";

async function me(tokens: Tokens): Promise<User> {
  return api<User>("/me", { headers: { Authorization: `Bearer ${tokens.access}` }, auth: false });
}

async function signIn(email: string, password: string): Promise<void> {
  const tokens = await api<Tokens>("/auth/token", {
    method: "POST",
    body: { email, password },
    auth: false,
  });
  const user = await me(tokens);
  store.auth = { ...tokens, email: user.email, first_name: user.first_name };
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
      await signIn(data.email ?? "", data.password ?? "");
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
    ctx.query.get("reset") ? h("p", { class: "success", role: "status" }, t("reset.done")) : null,
    errors,
    form,
    h("p", null, h("a", { href: "/forgot-password" }, t("reset.forgotLink"))),
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
      // 202 "check your email" for a new address and a taken one alike.
      await api("/auth/register", {
        method: "POST",
        body: { ...data, language: language() },
        auth: false,
      });
    } catch (error) {
      clear(errors, errorBox(error));
      return;
    }
    // A new account signs in with its password at once (it books once the emailed link
    // is opened); a taken address's owner was emailed instead, and this sign-in fails.
    try {
      await signIn(data.email ?? "", data.password ?? "");
    } catch {
      store.auth = null;
    }
    const next = safeNext(ctx.query);
    navigate(
      `/check-email?email=${encodeURIComponent(data.email ?? "")}&next=${encodeURIComponent(next)}`,
      true,
    );
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
