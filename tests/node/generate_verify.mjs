// The Admin API driven by the unmodified @supabase/auth-js client, as a Supabase app would:
// admin.generateLink → verifyOtp (with the email OTP and with the hashed_token), the session's
// user, a refresh, reuse refused, and user administration. Reads GOTRUE_URL and SERVICE_KEY;
// prints one JSON line and exits non-zero on the first failure.
import { GoTrueClient } from "@supabase/auth-js";

const url = process.env.GOTRUE_URL;
const key = process.env.SERVICE_KEY;
if (!url || !key) {
  console.error("GOTRUE_URL and SERVICE_KEY are required");
  process.exit(2);
}

const client = () =>
  new GoTrueClient({
    url,
    headers: { apikey: key, Authorization: `Bearer ${key}` },
    persistSession: false,
    autoRefreshToken: false,
  });

const admin = client();
const steps = [];

function check(label, condition, detail) {
  if (!condition) {
    console.error(JSON.stringify({ failed: label, detail, steps }));
    process.exit(1);
  }
  steps.push(label);
}

const email = `node-${Date.now()}@example.com`;

const created = await admin.admin.createUser({ email, email_confirm: true, user_metadata: { from: "node" } });
check("createUser", !created.error && created.data.user.email === email, created.error);
const userId = created.data.user.id;

const magic = await admin.admin.generateLink({ type: "magiclink", email });
check("generateLink magiclink", !magic.error && magic.data.properties.verification_type === "magiclink", magic.error);
check("action_link", magic.data.properties.action_link.includes("/auth/v1/verify?token="), magic.data.properties);

const user = client();
const byOtp = await user.verifyOtp({ email, token: magic.data.properties.email_otp, type: "magiclink" });
check("verifyOtp email+token", !byOtp.error && byOtp.data.session?.user?.id === userId, byOtp.error);

const me = await user.getUser(byOtp.data.session.access_token);
check("getUser", !me.error && me.data.user.email === email, me.error);

const again = await client().verifyOtp({ email, token: magic.data.properties.email_otp, type: "magiclink" });
check("reuse is otp_expired", again.error?.code === "otp_expired" && again.error?.status === 403, again.error);

const recovery = await admin.admin.generateLink({ type: "recovery", email, options: { redirectTo: process.env.REDIRECT_TO } });
check("generateLink recovery", !recovery.error, recovery.error);
const byHash = await client().verifyOtp({ token_hash: recovery.data.properties.hashed_token, type: "recovery" });
check("verifyOtp token_hash", !byHash.error && byHash.data.session?.access_token, byHash.error);

const refreshed = await user.refreshSession({ refresh_token: byOtp.data.session.refresh_token });
check("refreshSession", !refreshed.error && refreshed.data.session.refresh_token !== byOtp.data.session.refresh_token, refreshed.error);

const listed = await admin.admin.listUsers({ page: 1, perPage: 10 });
check("listUsers", !listed.error && listed.data.users.some((u) => u.id === userId) && listed.data.total >= 1, listed.error);

const updated = await admin.admin.updateUserById(userId, { user_metadata: { from: "node", step: 2 } });
check("updateUserById", !updated.error && updated.data.user.user_metadata.step === 2, updated.error);

const deleted = await admin.admin.deleteUser(userId);
check("deleteUser", !deleted.error, deleted.error);
const gone = await admin.admin.getUserById(userId);
check("getUserById after delete is user_not_found", gone.error?.code === "user_not_found", gone.error);

console.log(JSON.stringify({ ok: true, steps }));
