// A real OpenID Connect provider for the tests: panva's oidc-provider (pinned in package.json),
// with its development login and consent pages (any login name, any password).
// Environment: PORT; OIDC_CLIENTS (JSON list of client metadata); OIDC_ACCOUNTS (JSON object:
// account id -> claims such as email, email_verified, name).
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS);

const provider = new Provider(issuer, {
  clients,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The e-mail in the ID token itself, as Clerk and most providers put it there.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  findAccount: async (ctx, id) => (accounts[id]
    ? { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) }
    : undefined),
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['tests-only-not-a-secret'] },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
