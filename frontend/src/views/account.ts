// The pages an emailed link leads to, and the ones that send them: /check-email,
// /verify-email, /forgot-password, /reset-password. The server answers the same whether an
// address has an account or not, and so do these pages.
import { api, ApiError } from "../api";
import { clear, field, formData, h } from "../dom";
import { language, t } from "../i18n";
import { navigate, type RouteContext } from "../router";
import { store } from "../store";
import { errorBox, heading, input, pageTitle } from "../ui";

/** Where to go on after a link or a sign-in: only paths on this site (no open redirect). */
export function safeNext(query: URLSearchParams): string {
  const next = query.get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

/**
 * "Send the link again" for a signed-in traveler whose address is not verified yet: the
 * answer (or why not) is shown next to the button.
 */
export function resendLinkButton(): HTMLElement {
  const status = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "button", class: "secondary" }, t("verify.resend"));
  button.addEventListener("click", async () => {
    button.setAttribute("disabled", "");
    try {
      await api("/auth/verify-email/resend", {
        method: "POST",
        body: { language: language() },
      });
      clear(status, h("p", { class: "success", role: "status" }, t("verify.resent")));
    } catch (error) {
      button.removeAttribute("disabled");
      clear(status, errorBox(error));
    }
  });
  return h("div", { class: "resend" }, button, status);
}

/** After registering: the link is on its way (or, for a taken address, a note to its owner). */
export function checkEmailView(ctx: RouteContext): void {
  pageTitle("verify.checkTitle");
  const email = ctx.query.get("email") ?? "";
  const next = safeNext(ctx.query);
  clear(
    ctx.outlet,
    heading(t("verify.checkTitle")),
    h("p", { class: "check-email" }, t("verify.checkBody", { email })),
    h("p", null, t("verify.checkMeanwhile")),
    store.auth
      ? h(
          "div",
          { class: "stack narrow" },
          h("a", { href: next, class: "button primary" }, t("verify.continue")),
          h("p", { class: "small muted" }, t("verify.noEmail")),
          resendLinkButton(),
        )
      : h(
          "p",
          null,
          h("a", { href: `/signin?next=${encodeURIComponent(next)}` }, t("auth.signIn")),
        ),
  );
}

/** /verify-email?token=…: the emailed link. Verifies the address; never signs anyone in. */
export async function verifyEmailView(ctx: RouteContext): Promise<void> {
  pageTitle("verify.title");
  const status = h("div", { "aria-live": "polite" }, h("p", { class: "loading" }, "…"));
  clear(ctx.outlet, heading(t("verify.title")), status);
  const onward = store.basket.hold || Object.keys(store.basket.items).length ? "/basket" : "/";
  try {
    await api("/auth/verify-email", {
      method: "POST",
      body: { token: ctx.query.get("token") ?? "" },
      auth: false,
    });
    clear(
      status,
      h("p", { class: "success", role: "status" }, t("verify.done")),
      store.auth
        ? h("a", { href: onward, class: "button primary" }, t("verify.continue"))
        : h("a", { href: `/signin?next=${encodeURIComponent(onward)}` }, t("auth.signIn")),
    );
  } catch (error) {
    const invalid = error instanceof ApiError && error.status === 400;
    clear(
      status,
      invalid ? h("div", { class: "error", role: "alert" }, t("verify.invalid")) : errorBox(error),
      store.auth
        ? resendLinkButton()
        : h(
            "p",
            null,
            t("verify.signInToResend"),
            " ",
            h("a", { href: "/signin" }, t("auth.signIn")),
          ),
    );
  }
}

/** /forgot-password: ask for a reset link. The answer is the same for every address. */
export function forgotPasswordView(ctx: RouteContext): void {
  pageTitle("reset.forgotTitle");
  const status = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "stack narrow" },
    h("p", null, t("reset.forgotIntro")),
    field(
      t("auth.email"),
      input("email", "email", ctx.query.get("email"), { required: true, autocomplete: "email" }),
    ),
    h("button", { type: "submit", class: "primary" }, t("reset.send")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = formData(form);
    try {
      await api("/auth/password-reset", {
        method: "POST",
        body: { email: data.email, language: language() },
        auth: false,
      });
      clear(
        status,
        h("p", { class: "success", role: "status" }, t("reset.sent", { email: data.email ?? "" })),
      );
      form.remove();
    } catch (error) {
      clear(status, errorBox(error));
    }
  });
  clear(ctx.outlet, heading(t("reset.forgotTitle")), status, form);
}

/** /reset-password?uid=…&token=…: choose a new password; every session then ends. */
export function resetPasswordView(ctx: RouteContext): void {
  pageTitle("reset.title");
  const status = h("div", { "aria-live": "assertive" });
  const form = h(
    "form",
    { class: "stack narrow" },
    field(
      t("reset.newPassword"),
      input("password", "password", null, {
        required: true,
        autocomplete: "new-password",
        minlength: "12",
      }),
      t("auth.passwordHint"),
    ),
    h("button", { type: "submit", class: "primary" }, t("reset.save")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = formData(form);
    try {
      await api("/auth/password-reset/confirm", {
        method: "POST",
        body: {
          uid: ctx.query.get("uid") ?? "",
          token: ctx.query.get("token") ?? "",
          password: data.password ?? "",
        },
        auth: false,
      });
      // The server ended every session of the account, this browser's too.
      store.auth = null;
      navigate("/signin?reset=1", true);
    } catch (error) {
      if (error instanceof ApiError && error.code === "link-invalid") {
        clear(
          status,
          h(
            "div",
            { class: "error", role: "alert" },
            h("p", null, t("reset.invalid")),
            h("a", { href: "/forgot-password" }, t("reset.askAgain")),
          ),
        );
      } else {
        clear(status, errorBox(error));
      }
    }
  });
  clear(ctx.outlet, heading(t("reset.title")), status, form);
}
