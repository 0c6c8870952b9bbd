// Clerk's own server SDK, @clerk/backend (pinned in package.json), against the emulator, run by
// scripts/test-interop. Two parts:
//
// 1. The SDK's calls as an app backend makes them, after the set-up an app's tests do (the user
//    and its organization membership registered through the emulator's control API, as in
//    Clerk's dashboard): a sign-in token (ticket), the refusal of one for an unknown user, the
//    ticket sign-in through the Frontend API as a mobile SDK does it (plain fetch, native
//    headers, the device token bare in Authorization), `sessions.getToken` with and without a template and with
//    `expiresInSeconds`, `verifyToken` with `jwtKey` and with `secretKey` + `apiUrl` on tokens
//    from both APIs, and the fields of `authenticateRequest(...).toAuth()`.
// 2. A corpus of valid and invalid tokens, minted now from the emulator's key (nothing secret is
//    committed) and written to corpus.json, judged by @clerk/backend and by the project's
//    verifier (the clerk-judge-tokens binary, core/src/backend/verify.rs) with the same
//    settings. Any disagreement fails, and so does a verdict both share that is wrong.
//
// Prints one line per check, the corpus table, and "@clerk/backend: N passed, M failed"; exits
// non-zero on any failure. Talks to the emulator on 127.0.0.1 only. Tokens are never printed.

import { execFileSync } from 'node:child_process';
import { createHmac, createPublicKey, createSign, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

function env(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set: run this through scripts/test-interop`);
    process.exit(2);
  }
  return value;
}

const EMULATOR = env('CLERK_EMULATOR_URL');
const SECRET_KEY = env('CLERK_SECRET_KEY');
const JUDGE = env('CLERK_JUDGE');
const OUT = env('CLERK_INTEROP_OUT');
// @clerk/backend is installed into the build folder, not next to this file.
const require = createRequire(join(env('CLERK_INTEROP_NODE_DIR'), 'package.json'));
const { createClerkClient, verifyToken } = require('@clerk/backend');

const API_VERSION = '2026-05-12';
const USER = 'user_interop';
const ORG = 'org_interop';
// What the emulator puts in `azp` for a request without an Origin, as native apps send them.
const AZP = 'http://localhost';
// @clerk/backend's default clock skew, spelled out so the project's judge uses the same.
const LEEWAY_SECS = 5;
// The publishable key names the Frontend API host; authenticateRequest needs one.
const PUBLISHABLE_KEY = `pk_test_${Buffer.from(`${new URL(EMULATOR).host}$`).toString('base64')}`;

const clerk = createClerkClient({ secretKey: SECRET_KEY, apiUrl: EMULATOR });

// ---------------------------------------------------------------------------------------------
// Checks and their report

const results = [];

async function check(name, body) {
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok    ${name}`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL  ${name}: ${describe(error)}`);
  }
}

function describe(error) {
  // TokenVerificationError carries a reason code; API errors carry Clerk's error list.
  const reason = error?.reason ? ` (${error.reason})` : '';
  const codes = error?.errors?.map((e) => e.code).filter(Boolean).join(', ');
  return `${error?.message ?? error}${reason}${codes ? ` [${codes}]` : ''}`;
}

function expectEqual(actual, expected, what) {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function need(value, what) {
  if (value === undefined || value === null || value === '') {
    throw new Error(`${what} is not available (an earlier step failed)`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// The emulator: control API, native Frontend API, tokens

async function control(path, body, method = body === undefined ? 'GET' : 'POST') {
  const response = await fetch(`${EMULATOR}/__emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`control ${path}: ${response.status} ${json?.errors?.[0]?.code}`);
  return json;
}

/** A Frontend API request as a native app sends it. POST when `form` is given. */
async function fapi(path, { deviceToken, form } = {}) {
  const url = new URL(path, EMULATOR);
  url.searchParams.set('_is_native', 'true');
  const headers = { 'clerk-api-version': API_VERSION, 'x-mobile': '1', 'x-clerk-sdk': 'clerk-kit-interop/0.1.0' };
  if (deviceToken) headers.authorization = deviceToken;
  if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(url, {
    method: form ? 'POST' : 'GET',
    headers,
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${body?.errors?.[0]?.code}`);
  // The response's Authorization is the device token from now on (absent: unchanged).
  return { body, deviceToken: response.headers.get('authorization') || deviceToken };
}

/** Signs a user in with a fresh ticket from @clerk/backend; the device's client and session. */
async function signIn(params, deviceToken) {
  const ticket = await clerk.signInTokens.createSignInToken({ userId: USER, expiresInSeconds: 600, ...params });
  const signedIn = await fapi('/v1/client/sign_ins', { deviceToken, form: { strategy: 'ticket', ticket: ticket.token } });
  expectEqual(signedIn.body.response?.status, 'complete', 'sign-in status');
  return {
    ticket,
    sessionId: need(signedIn.body.response.created_session_id, 'created_session_id'),
    deviceToken: need(signedIn.deviceToken, 'the device token'),
    client: signedIn.body.client,
  };
}

function decode(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString());
}

function claimsOf(jwt) {
  return decode(jwt.split('.')[1]);
}

function encode(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

// ---------------------------------------------------------------------------------------------
// Part 1: the SDK's calls

// @clerk/backend judges exp/nbf/iat by this machine's clock, so the emulator's clock (which
// mints every token) is set to it; nothing waits on real time after that.
await control('/clock/set', { now_ms: Date.now() });

// The shared set-up: the instance's user and its membership in an organization, registered
// before anything signs in, as an app's tests would (in Clerk: the dashboard). The Backend API
// makes sign-in tokens only for users the instance has, and the organization check below signs
// in to this membership.
const ORG_SLUG = 'interop-org';
const ORG_NAME = 'Interop Org';
const ORG_ROLE = 'org:member';
await control(
  `/users/${USER}`,
  { organization_memberships: [{ organization_id: ORG, slug: ORG_SLUG, name: ORG_NAME, role: ORG_ROLE }] },
  'PUT',
);

const jwks = await (await fetch(`${EMULATOR}/.well-known/jwks.json`)).json();
const PEM = createPublicKey({ key: jwks.keys[0], format: 'jwk' }).export({ type: 'spki', format: 'pem' });
const MODES = {
  jwtKey: { jwtKey: PEM },
  'secretKey + apiUrl': { secretKey: SECRET_KEY, apiUrl: EMULATOR },
};
const VERIFY = { authorizedParties: [AZP], issuer: EMULATOR, clockSkewInMs: LEEWAY_SECS * 1000 };

let session = {};
await check('signInTokens.createSignInToken, then ticket sign-in through the Frontend API', async () => {
  session = await signIn({});
  expectEqual([session.ticket.userId, session.ticket.status], [USER, 'pending'], 'sign-in token user and status');
  const active = session.client?.sessions?.find((s) => s.id === session.sessionId);
  expectEqual([active?.status, active?.user?.id], ['active', USER], 'the new session in the client');
});

await check('signInTokens.createSignInToken for a user the instance does not have: 404 resource_not_found', async () => {
  let refused;
  try {
    await clerk.signInTokens.createSignInToken({ userId: 'user_interop_unknown', expiresInSeconds: 600 });
  } catch (error) {
    refused = error;
  }
  expectEqual([refused?.status, refused?.errors?.[0]?.code], [404, 'resource_not_found'], 'the refusal');
});

const tokens = {};
await check('Frontend API session token for that session', async () => {
  const sid = need(session.sessionId, 'the session');
  const { body } = await fapi(`/v1/client/sessions/${sid}/tokens`, { deviceToken: session.deviceToken, form: {} });
  tokens['Frontend API session token'] = need(body.jwt, 'jwt');
});

// [label, template, expiresInSeconds, lifetime the token must have]
const GET_TOKEN_CASES = [
  ['sessions.getToken(sid)', undefined, undefined, 60],
  ['sessions.getToken(sid, "test")', 'test', undefined, 120],
  ['sessions.getToken(sid, undefined, 300)', undefined, 300, 300],
  ['sessions.getToken(sid, "test", 90)', 'test', 90, 90],
];
for (const [label, template, expiresInSeconds, lifetime] of GET_TOKEN_CASES) {
  await check(label, async () => {
    const { jwt } = await clerk.sessions.getToken(need(session.sessionId, 'the session'), template, expiresInSeconds);
    const claims = claimsOf(jwt);
    expectEqual(claims.exp - claims.iat, lifetime, 'lifetime (exp - iat)');
    expectEqual(claims.sub, USER, 'sub');
    if (template) expectEqual(claims.aud, 'test', 'the template claim aud');
    else expectEqual(claims.sid, session.sessionId, 'sid');
    tokens[label] = jwt;
  });
}

let bapiJwks = false;
await check('Backend API GET /v1/jwks serves the signing key (what secretKey + apiUrl loads)', async () => {
  const response = await fetch(`${EMULATOR}/v1/jwks`, { headers: { authorization: `Bearer ${SECRET_KEY}` } });
  expectEqual(response.status, 200, 'status');
  const served = await response.json();
  expectEqual(served.keys?.map((k) => k.kid), [jwks.keys[0].kid], 'kids');
  bapiJwks = true;
});

const VERIFIED = [
  ['Frontend API session token', true],
  ['sessions.getToken(sid)', true],
  ['sessions.getToken(sid, "test")', false],
];
for (const [source, isSessionToken] of VERIFIED) {
  for (const [mode, keys] of Object.entries(MODES)) {
    await check(`verifyToken (${mode}) on the ${source}`, async () => {
      const jwt = need(tokens[source], source);
      const payload = await verifyToken(jwt, { ...keys, ...VERIFY });
      expectEqual(payload.sub, USER, 'sub');
      if (isSessionToken) expectEqual(payload.sid, session.sessionId, 'sid');
    });
  }
}

/** The auth object an app backend reads for a request that carries `jwt` as its Bearer token. */
async function toAuth(jwt) {
  const request = new Request('http://127.0.0.1/api', { headers: { authorization: `Bearer ${jwt}` } });
  const state = await clerk.authenticateRequest(request, {
    publishableKey: PUBLISHABLE_KEY,
    jwtKey: PEM,
    authorizedParties: [AZP],
  });
  if (!state.isAuthenticated) throw new Error(`not authenticated: ${state.reason} ${state.message ?? ''}`);
  const auth = state.toAuth();
  const { userId, sessionId, orgId, orgRole, orgSlug, sessionStatus } = auth;
  return { userId, sessionId, orgId: orgId ?? null, orgRole: orgRole ?? null, orgSlug: orgSlug ?? null, sessionStatus };
}

const PERSONAL = { orgId: null, orgRole: null, orgSlug: null, sessionStatus: 'active' };
for (const source of ['Frontend API session token', 'sessions.getToken(sid)']) {
  await check(`authenticateRequest(...).toAuth() on the ${source}`, async () => {
    const auth = await toAuth(need(tokens[source], source));
    expectEqual(auth, { userId: USER, sessionId: session.sessionId, ...PERSONAL }, 'toAuth()');
  });
}

// A session in an organization (the membership from the shared set-up): the client lists the
// membership, and the token carries the role and slug listed there.
await check(`toAuth() of a session signed in to an organization (sign-in token orgId)`, async () => {
  const inOrg = await signIn({ orgId: ORG }, session.deviceToken);
  const inClient = inOrg.client?.sessions?.find((s) => s.id === inOrg.sessionId);
  expectEqual(inClient?.last_active_organization_id, ORG, 'the session\'s organization');
  const listed = inClient?.user?.organization_memberships?.map((m) => [m.organization?.id, m.role, m.organization?.slug, m.organization?.name]);
  expectEqual(listed, [[ORG, ORG_ROLE, ORG_SLUG, ORG_NAME]], 'organization_memberships in /v1/client');
  const { jwt } = await clerk.sessions.getToken(inOrg.sessionId);
  const auth = await toAuth(jwt);
  expectEqual(
    auth,
    {
      userId: USER,
      sessionId: inOrg.sessionId,
      orgId: ORG,
      orgRole: ORG_ROLE,
      orgSlug: ORG_SLUG,
      sessionStatus: 'active',
    },
    'toAuth()',
  );
});

// ---------------------------------------------------------------------------------------------
// Part 2: one corpus, two judges

const now = Math.floor(Date.now() / 1000);
await control('/clock/set', { now_ms: now * 1000 });

const base = () => ({
  azp: AZP,
  exp: now + 600,
  iat: now - 5,
  iss: EMULATOR,
  jti: `corpus_${Math.random().toString(36).slice(2)}`,
  nbf: now - 15,
  sid: 'sess_corpus',
  sub: 'user_corpus',
});

async function mint(claims, header) {
  return (await control('/jwt', { claims, header })).jwt;
}

function without(object, key) {
  const { [key]: _, ...rest } = object;
  return rest;
}

const ACCEPT = { pem: true, jwks: true };
const REJECT = { pem: false, jwks: false };
const validToken = await mint(base());
const [header64, payload64, signature64] = validToken.split('.');
const signingInput = (header, claims) => `${encode(header)}.${encode(claims)}`;
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const kid = jwks.keys[0].kid;

/** Emulator tokens minted now by the real routes, for the corpus. */
async function liveToken(label, fetchToken) {
  try {
    return await fetchToken();
  } catch (error) {
    console.log(`FAIL  corpus token "${label}" could not be minted: ${describe(error)}`);
    results.push({ name: `corpus token: ${label}`, ok: false });
    return 'unavailable.unavailable.unavailable';
  }
}

// [name, token, expected verdict with the PEM key and with the JWKS]
const CASES = [
  ['valid', validToken, ACCEPT],
  [
    'valid: Frontend API session token',
    await liveToken('Frontend API session token', async () =>
      (await fapi(`/v1/client/sessions/${need(session.sessionId, 'the session')}/tokens`, {
        deviceToken: session.deviceToken,
        form: {},
      })).body.jwt),
    ACCEPT,
  ],
  [
    'valid: Backend API session token',
    await liveToken('Backend API session token', async () =>
      (await clerk.sessions.getToken(need(session.sessionId, 'the session'))).jwt),
    ACCEPT,
  ],
  [
    'valid: Backend API template token',
    await liveToken('Backend API template token', async () =>
      (await clerk.sessions.getToken(need(session.sessionId, 'the session'), 'test')).jwt),
    ACCEPT,
  ],
  ['valid: no typ header', await mint(base(), { typ: null }), ACCEPT],
  ['expired 60 s ago', await mint({ ...base(), exp: now - 60, iat: now - 120, nbf: now - 130 }), REJECT],
  ['expired at the leeway (exp = now - 5 s)', await mint({ ...base(), exp: now - LEEWAY_SECS, iat: now - 65, nbf: now - 75 }), REJECT],
  ['not yet valid (nbf in 60 s)', await mint({ ...base(), nbf: now + 60 }), REJECT],
  ['issued in the future (iat in 60 s)', await mint({ ...base(), iat: now + 60 }), REJECT],
  ['wrong issuer', await mint({ ...base(), iss: 'https://clerk.other.example' }), REJECT],
  ['issuer with a trailing slash', await mint({ ...base(), iss: `${EMULATOR}/` }), REJECT],
  ['wrong authorized party (azp)', await mint({ ...base(), azp: 'https://other.example' }), REJECT],
  ['no authorized party (azp)', await mint(without(base(), 'azp')), REJECT],
  ['no exp', await mint(without(base(), 'exp')), REJECT],
  ['tampered payload (sub changed)', `${header64}.${encode({ ...decode(payload64), sub: 'user_admin' })}.${signature64}`, REJECT],
  ['alg: none', `${signingInput({ alg: 'none', typ: 'JWT', kid }, base())}.`, REJECT],
  [
    'HS256 keyed with the public key',
    (() => {
      const input = signingInput({ alg: 'HS256', typ: 'JWT', kid }, base());
      return `${input}.${createHmac('sha256', PEM).update(input).digest('base64url')}`;
    })(),
    REJECT,
  ],
  [
    'signed by another RSA key, same kid',
    (() => {
      const input = signingInput({ alg: 'RS256', typ: 'JWT', kid }, base());
      return `${input}.${createSign('RSA-SHA256').update(input).sign(otherKey, 'base64url')}`;
    })(),
    REJECT,
  ],
  // One configured key is used whatever the kid (both SDKs); a JWKS has no key by that name.
  ['unknown kid', await mint(base(), { kid: 'ins_unknown' }), { pem: true, jwks: false }],
  // No kid: a JWKS key is picked by an equal kid, and the JWKS's key has one.
  ['no kid', await mint(base(), { kid: null }), { pem: true, jwks: false }],
  ['wrong typ ("at+jwt")', await mint(base(), { typ: 'at+jwt' }), REJECT],
];

const corpusPath = join(OUT, 'corpus.json');
writeFileSync(
  corpusPath,
  `${JSON.stringify(
    {
      now_secs: now,
      leeway_secs: LEEWAY_SECS,
      issuer: EMULATOR,
      authorized_parties: [AZP],
      pem: PEM,
      jwks_url: `${EMULATOR}/.well-known/jwks.json`,
      cases: CASES.map(([name, token, expect]) => ({ name, token, expect })),
    },
    null,
    2,
  )}\n`,
);
const corpus = JSON.parse(readFileSync(corpusPath, 'utf8'));

/** @clerk/backend's verdict, in the judge's shape. */
async function clerkVerdict(token, keys) {
  try {
    const payload = await verifyToken(token, { ...keys, ...VERIFY });
    return { valid: true, user_id: payload.sub, session_id: payload.sid ?? null };
  } catch (error) {
    return { valid: false, reason: error?.reason ?? String(error?.message ?? error) };
  }
}

const clerkVerdicts = [];
for (const { token } of corpus.cases) {
  clerkVerdicts.push({
    pem: await clerkVerdict(token, MODES.jwtKey),
    // Without the Backend API's JWKS every load would be retried for seconds; the failed check
    // above already says why, and the comparison below fails for every token it would accept.
    jwks: bapiJwks
      ? await clerkVerdict(token, MODES['secretKey + apiUrl'])
      : { valid: false, reason: 'no JWKS: GET /v1/jwks failed' },
  });
}

let projectVerdicts = [];
try {
  projectVerdicts = JSON.parse(execFileSync(JUDGE, [corpusPath], { encoding: 'utf8' })).verdicts;
} catch (error) {
  console.log(`FAIL  the project's judge (${JUDGE}) did not run: ${describe(error)}`);
  results.push({ name: "the project's judge", ok: false });
}

const show = (verdict) => (verdict === undefined ? '-' : verdict.valid ? 'accept' : `reject: ${verdict.reason}`);
const agree = (a, b) =>
  a !== undefined &&
  b !== undefined &&
  a.valid === b.valid &&
  (!a.valid || (a.user_id === b.user_id && (a.session_id ?? null) === (b.session_id ?? null)));

const rows = corpus.cases.map(({ name, expect }, i) => {
  const theirs = clerkVerdicts[i];
  const ours = projectVerdicts.find((v) => v.name === name);
  const problems = [];
  for (const mode of ['pem', 'jwks']) {
    if (!agree(theirs[mode], ours?.[mode])) problems.push(`${mode}: the judges disagree`);
    else if (theirs[mode].valid !== expect[mode]) problems.push(`${mode}: both ${theirs[mode].valid ? 'accept' : 'reject'}`);
  }
  results.push({ name: `corpus: ${name}`, ok: problems.length === 0 });
  return [
    name,
    show(theirs.pem),
    show(ours?.pem),
    show(theirs.jwks),
    show(ours?.jwks),
    problems.length ? `FAIL (${problems.join('; ')})` : 'ok',
  ];
});

const HEADINGS = ['case', '@clerk/backend jwtKey', 'project PEM', '@clerk/backend secretKey+apiUrl', 'project JWKS', ''];
const widths = HEADINGS.map((h, c) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[c].length))));
const line = (cells) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.slice(0, widths[c]).padEnd(widths[c]))).join(' | ');
console.log(`\nCorpus (${corpusPath}): each token judged with the PEM public key and with the JWKS`);
console.log(line(HEADINGS));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(row));

const failed = results.filter((r) => !r.ok).length;
console.log(`\n@clerk/backend: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
