// The end-user journey with the unmodified @supabase/auth-js client, as an app calls it:
// sign up → confirm → sign in with password → refresh → PKCE magic link → exchange →
// reauthenticate → change password → sign out. FLOW_TYPE (implicit or pkce) is the app
// client's flowType; the magic-link step always uses a pkce client.
//
// The mailbox is the test's: for each email the script prints one line
//   ASK {"kind": "...", "email": "...", "open": true|false}
// and reads one JSON line back: {"location": <the 303 after confirming the link>} when "open"
// (the test opens the action link as a browser does), else {"otp": "<the code>"}.
// Reads GOTRUE_URL, APP_URL, FLOW_TYPE; prints one JSON line {ok, steps} last; exits non-zero on
// the first failure.
import readline from "node:readline";
import { GoTrueClient } from "@supabase/auth-js";

const url = process.env.GOTRUE_URL;
const app = process.env.APP_URL;
const flowType = process.env.FLOW_TYPE || "implicit";
if (!url || !app) {
  console.error("GOTRUE_URL and APP_URL are required");
  process.exit(2);
}

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function ask(kind, email, open) {
  console.log(`ASK ${JSON.stringify({ kind, email, open })}`);
  const { value } = await lines.next();
  return JSON.parse(value);
}

function memoryStorage() {
  const items = new Map();
  return {
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

const client = (type) =>
  new GoTrueClient({
    url,
    flowType: type,
    storage: memoryStorage(),
    persistSession: true,
    autoRefreshToken: false,
    detectSessionInUrl: false,
  });

const steps = [];
function check(label, condition, detail) {
  if (!condition) {
    console.log(JSON.stringify({ failed: label, detail: detail ?? null, steps }));
    process.exit(1);
  }
  steps.push(label);
}

const email = `journey-${flowType}-${Date.now()}@example.com`;
const password = "correct horse battery staple";
const newPassword = "an entirely different passphrase 8";
const main = client(flowType);

const signedUp = await main.signUp({
  email,
  password,
  options: { emailRedirectTo: `${app}/welcome`, data: { plan: "free" } },
});
check("signUp", !signedUp.error && signedUp.data.user?.email === email && !signedUp.data.session, signedUp.error);

const confirmed = new URL((await ask("signup", email, true)).location);
if (flowType === "pkce") {
  const code = confirmed.searchParams.get("code");
  check("confirm redirects with ?code=", code && !confirmed.hash, confirmed.href);
  const exchanged = await main.exchangeCodeForSession(code);
  check("exchange the signup code", !exchanged.error && exchanged.data.session?.user?.email_confirmed_at, exchanged.error);
} else {
  const fragment = new URLSearchParams(confirmed.hash.slice(1));
  check("confirm redirects with the session", fragment.get("access_token") && fragment.get("type") === "signup", confirmed.href);
}

const signedIn = await main.signInWithPassword({ email, password });
check("signInWithPassword", !signedIn.error && signedIn.data.session?.user?.email === email, signedIn.error);
const wrong = await client(flowType).signInWithPassword({ email, password: "not the password at all" });
check("wrong password is invalid_credentials", wrong.error?.code === "invalid_credentials" && wrong.error?.status === 400, wrong.error);

const refreshed = await main.refreshSession();
check("refreshSession", !refreshed.error && refreshed.data.session.refresh_token !== signedIn.data.session.refresh_token, refreshed.error);

const pkce = client("pkce");
const otp = await pkce.signInWithOtp({ email, options: { emailRedirectTo: `${app}/cb`, shouldCreateUser: false } });
check("signInWithOtp (pkce)", !otp.error, otp.error);
const magic = new URL((await ask("magiclink", email, true)).location);
const code = magic.searchParams.get("code");
check("magic link redirects with ?code=", code && magic.pathname === "/cb" && !magic.hash, magic.href);
const exchanged = await pkce.exchangeCodeForSession(code);
check("exchangeCodeForSession", !exchanged.error && exchanged.data.session?.user?.email === email, exchanged.error);
const reused = await client("pkce").exchangeCodeForSession(code);
check("a used code is refused", reused.error != null, reused.error);

const needsNonce = await pkce.updateUser({ password: newPassword });
check("password change needs the nonce", needsNonce.error?.code === "reauthentication_needed", needsNonce.error);
const reauth = await pkce.reauthenticate();
check("reauthenticate", !reauth.error, reauth.error);
const { otp: nonce } = await ask("reauthentication", email, false);
const changed = await pkce.updateUser({ password: newPassword, nonce });
check("updateUser with the nonce", !changed.error && changed.data.user?.email === email, changed.error);

const old = await client(flowType).signInWithPassword({ email, password });
check("the old password no longer works", old.error?.code === "invalid_credentials", old.error);
const again = await main.signInWithPassword({ email, password: newPassword });
check("the new password works", !again.error && again.data.session, again.error);
const refreshToken = again.data.session.refresh_token;
const out = await main.signOut();
check("signOut", !out.error, out.error);
const after = await client(flowType).refreshSession({ refresh_token: refreshToken });
check("signed out: the refresh token is gone", after.error?.code === "refresh_token_not_found", after.error);

console.log(JSON.stringify({ ok: true, flowType, steps }));
process.exit(0);
