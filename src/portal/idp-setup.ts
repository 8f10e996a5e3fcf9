/**
 * What a customer's IT admin does in each IdP to connect it, in one table that the admin
 * portal's pages and the guides in docs/ (scripts/render-idp-guides.ts) both render. The facts
 * are those of docs/guide-*.md, which were checked against the IdPs' own documentation.
 * @module
 */
import type { SetupPlaceholder } from './setup-text.js';

/** An IdP the portal has setup steps for; `other` is any SCIM 2.0 client. */
export type PortalIdp = 'entra' | 'okta' | 'google' | 'onelogin' | 'jumpcloud' | 'ping' | 'other';

/** A credential an IdP can send: the secret token (`Authorization: Bearer`) or an OAuth 2.0 client (client credentials grant). */
export type SetupCredential = 'bearer' | 'oauthClient';

/** The placeholders a step fills in for each credential: the IdP's fields for it. */
export const CREDENTIAL_PLACEHOLDERS: Readonly<Record<SetupCredential, readonly SetupPlaceholder[]>> = {
  bearer: ['secret'],
  oauthClient: ['tokenEndpoint', 'clientId', 'clientSecret'],
};

/**
 * How to connect one IdP. `steps[].text`, `mappings[].source` and `.note`, and
 * `troubleshooting[].symptom` and `.fix` are setup-text markup (parseSetupText); a step's
 * `title` is plain words; a mapping's `attribute` is a SCIM attribute path, a literal.
 */
export interface IdpSetup {
  /** Which IdP. */
  id: PortalIdp;
  /** The name a person reads, as CLIENT_NAMES has it. */
  name: string;
  /** The guide in docs/ (e.g. 'guide-okta.md'), or null. */
  guide: string | null;
  /** What this IdP can send for SCIM, preferred first. */
  credentials: readonly SetupCredential[];
  /** In order, as the admin clicks through the IdP's UI. */
  steps: readonly {
    /** The step in a few plain words. */
    title: string;
    /** What to do, in setup-text markup. */
    text: string;
  }[];
  /** The attributes the IdP must send, and from which of its own. */
  mappings: readonly {
    /** The SCIM attribute (a literal path). */
    attribute: string;
    /** The IdP's own attribute it comes from (markup). */
    source: string;
    /** Why, or what to watch for (markup). */
    note?: string;
  }[];
  /** What the IdP shows when it fails, and what to change. */
  troubleshooting: readonly {
    /** What the IdP shows (markup). */
    symptom: string;
    /** What to change (markup). */
    fix: string;
  }[];
}

type Trouble = IdpSetup['troubleshooting'][number];

// the failures every IdP can meet, worded with the field the IdP names its token in

const tokenNotValid = (field: string): Trouble => ({
  symptom: '401 `The bearer token is not valid`',
  fix: `${field} does not hold this connection's secret token: paste the current one.`,
});

const tokenEnded = (field: string): Trouble => ({
  symptom: '401 `The token has expired` or `The token has been revoked`',
  fix: `The token was rotated or revoked and ${field} still holds the old one: paste the current secret token.`,
});

const userNameTaken = (idp: string): Trouble => ({
  symptom: '409 `userName "…" is already taken`',
  fix: `The app already has a user with that userName (made by hand or by another IdP): delete it in the app, or give it the ${idp} user's \`externalId\`.`,
});

const slowDown = (idp: string): Trouble => ({
  symptom: '429 Too Many Requests',
  fix: `Nothing to change: the app asked ${idp} to slow down, and ${idp} sends the request again later. If it never clears, ask the app's support.`,
});

const entra: IdpSetup = {
  id: 'entra',
  name: 'Entra ID',
  guide: 'guide-entra-id.md',
  // both work; security reviews prefer short-lived access tokens to a long-lived secret
  credentials: ['oauthClient', 'bearer'],
  steps: [
    {
      title: 'Create the application',
      text: "In the Microsoft Entra admin center: **Enterprise applications → New application → Create your own application**, then **Integrate any other application you don't find in the gallery (Non-gallery)**.",
    },
    { title: 'Turn on provisioning', text: 'In the application: **Provisioning → Get started**, _Provisioning Mode_ = **Automatic**.' },
    {
      title: 'Enter the credentials',
      text: 'Under **Admin Credentials**, _Authentication Method_ = **OAuth2 Client Credentials Grant**: _Tenant URL_ = {tenantUrl}, _Token Endpoint_ = {tokenEndpoint}, _Client Identifier_ = {clientId}, _Client Secret_ = {clientSecret}. Or **Bearer authentication**: _Tenant URL_ = {tenantUrl}, _Secret Token_ = {secret}.',
    },
    {
      title: 'Test the connection',
      text: '**Test Connection**: Entra ID looks up a userName that does not exist and expects an empty list. Then **Save**.',
    },
    {
      title: 'Check the mappings',
      text: 'Under **Mappings**, keep _Provision Microsoft Entra ID Users_ and _Provision Microsoft Entra ID Groups_ enabled: the defaults send what the app needs.',
    },
    { title: 'Assign users and groups', text: 'In the application: **Users and groups → Add user/group**, and choose who is provisioned.' },
    {
      title: 'Start provisioning',
      text: '**Provisioning → Start provisioning**. The first cycle provisions everyone assigned; then a cycle runs about every 40 minutes.',
    },
  ],
  mappings: [
    { attribute: 'userName', source: '`userPrincipalName`', note: 'the matching attribute: a user is found by it' },
    { attribute: 'active', source: '`Switch([IsSoftDeleted], , "False", "True", "True", "False")`', note: 'the default: a soft-deleted user is deactivated' },
    { attribute: 'emails[type eq "work"].value', source: '`mail`' },
    { attribute: 'displayName', source: '`displayName`', note: 'of groups: groups are matched by name, so two groups may not share one' },
  ],
  troubleshooting: [
    tokenNotValid('_Secret Token_'),
    {
      symptom: '401 `The bearer token is not valid for this tenant`',
      fix: '_Tenant URL_ lacks the tenant (it ends in `/scim/v2`): paste {tenantUrl} exactly.',
    },
    { symptom: '404 with an HTML page, not a SCIM error', fix: '_Tenant URL_ lacks the `/scim/v2` part: paste {tenantUrl} exactly.' },
    tokenEnded('_Secret Token_'),
    {
      symptom: '`invalid_client` from the token endpoint',
      fix: '_Client Identifier_ or _Client Secret_ is not the current OAuth client (a new one ends the old after a while): paste both again.',
    },
    userNameTaken('Entra ID'),
    { symptom: '409 `uniqueness` on `displayName` of a group', fix: 'Two Entra ID groups have one name: rename one.' },
    { symptom: '400 `invalidValue` naming an attribute', fix: 'A mapping sends a value of the wrong type: fix the attribute mapping the message names.' },
    {
      symptom: '400 `invalidFilter`: `… is not an attribute of this resource type`',
      fix: 'A mapping uses a custom attribute the app does not have: remove that mapping.',
    },
    slowDown('Entra ID'),
  ],
};

const okta: IdpSetup = {
  id: 'okta',
  name: 'Okta',
  guide: 'guide-okta.md',
  // Okta's other modes are Basic auth and the authorization code grant: neither is served
  credentials: ['bearer'],
  steps: [
    {
      title: 'Create the app integration',
      text: "**Applications → Create App Integration** (SAML 2.0 or OIDC, for sign-in). In the app's **General** tab: _Provisioning_ = **SCIM**, **Save**.",
    },
    {
      title: 'Enter the connection',
      text: '**Provisioning → Integration**: _SCIM connector base URL_ = {tenantUrl}; _Unique identifier field for users_ = `userName`.',
    },
    {
      title: 'Choose the provisioning actions',
      text: '_Supported provisioning actions_: **Import New Users and Profile Updates**, **Push New Users**, **Push Profile Updates**, **Push Groups**.',
    },
    {
      title: 'Enter the token',
      text: '_Authentication Mode_ = **HTTP Header**, _Authorization_ = {secret} (Okta sends it as `Authorization: Bearer …`). **Test Connector Configuration**, then **Save**.',
    },
    {
      title: 'Turn on provisioning to the app',
      text: '**Provisioning → To App**: enable **Create Users**, **Update User Attributes** and **Deactivate Users**. Enable **Sync Password** only if the app signs users in with a password of its own.',
    },
    { title: 'Assign users and push groups', text: '**Assignments**: assign the users to provision. **Push Groups**: push the groups to provision.' },
  ],
  mappings: [
    { attribute: 'userName', source: 'Okta username', note: 'the unique identifier field for users' },
    { attribute: 'active', source: 'the assignment', note: '`false` when the user is unassigned or deactivated, with **Deactivate Users** on' },
    { attribute: 'displayName', source: "the pushed group's name", note: 'of groups, with **Push Groups**' },
  ],
  troubleshooting: [
    tokenNotValid('_Authorization_'),
    tokenEnded('_Authorization_'),
    userNameTaken('Okta'),
    {
      symptom: '400 naming an attribute or a filter position',
      fix: "The task's message quotes the app's detail: fix the attribute mapping it names, or remove a custom attribute the app does not have.",
    },
    slowDown('Okta'),
  ],
};

const google: IdpSetup = {
  id: 'google',
  name: 'Google Workspace',
  guide: 'guide-google-workspace.md',
  credentials: ['bearer'],
  steps: [
    {
      title: 'Add the app',
      text: "In the Google Admin console: **Apps → Web and mobile apps → Add app → Add custom SAML app** (the app's SAML sign-in), or the app's entry in Google's catalog.",
    },
    {
      title: 'Set up auto-provisioning',
      text: 'In the app: **Auto-provisioning → Set up auto-provisioning**. _Access token_ = {secret}, **Continue**; _Endpoint URL_ = {tenantUrl}, **Continue**: Google tests the connection.',
    },
    {
      title: 'Map the attributes',
      text: '**Attribute mapping**: _Primary email_ → `userName`, _First name_ → `name.givenName`, _Last name_ → `name.familyName` (the defaults). **Continue**.',
    },
    { title: 'Choose who is provisioned', text: '**Provisioning scope**: the groups or organizational units whose users are provisioned. **Continue**.' },
    {
      title: 'Choose deprovisioning',
      text: '**Deprovisioning**: for a user whose app is turned off, who is suspended, or deleted, choose when and what: **Suspend** deactivates the user in the app, **Delete** deletes them. **Finish**.',
    },
    { title: 'Turn it on', text: 'Turn auto-provisioning **ON**. Google provisions users (not groups) and syncs every few hours.' },
  ],
  mappings: [
    { attribute: 'userName', source: '_Primary email_' },
    { attribute: 'name.givenName', source: '_First name_' },
    { attribute: 'name.familyName', source: '_Last name_' },
  ],
  troubleshooting: [
    tokenNotValid('The _access token_'),
    tokenEnded('the _access token_'),
    {
      symptom: '409 `userName "…" is already taken`',
      fix: "The app already has a user with the Google user's primary e-mail as userName (made by hand or by another IdP): delete it in the app, or give it the Google user's `externalId`.",
    },
    slowDown('Google'),
  ],
};

const onelogin: IdpSetup = {
  id: 'onelogin',
  name: 'OneLogin',
  guide: 'guide-onelogin.md',
  // its SCIM provisioner has a bearer token field and no OAuth client setting
  credentials: ['bearer'],
  steps: [
    { title: 'Add the app', text: '**Applications → Add App**: **SCIM Provisioner with SAML (SCIM v2 Enterprise)** (or the Core Schema one), **Save**.' },
    {
      title: 'Enter the connection',
      text: '**Configuration**: _SCIM Base URL_ = {tenantUrl}; _SCIM Bearer Token_ = {secret}; _SCIM JSON Template_: keep the default, or map your own attributes. **Save**.',
    },
    {
      title: 'Enable the API connection',
      text: '**Configuration → API Connection → Enable**: OneLogin looks up a user that does not exist and expects an empty list.',
    },
    { title: 'Set the username', text: '**Parameters**: _SCIM Username_ = **Email**. **Save**.' },
    {
      title: 'Turn on provisioning',
      text: "**Provisioning**: check _Enable provisioning_; _When users are deleted in OneLogin_ = **Delete** or **Suspend**; choose whether creating, updating and deleting wait for an admin's approval. **Save**.",
    },
    {
      title: 'Map groups and assign users',
      text: "**Parameters** and **Rules** map OneLogin roles and groups to the app's groups (**Refresh Entitlements** reads them). Give the users the app through a role: OneLogin provisions them.",
    },
  ],
  mappings: [
    { attribute: 'userName', source: '`{$parameters.scimusername}`', note: 'the _SCIM Username_ parameter' },
    { attribute: 'name.givenName', source: '`{$user.firstname}`' },
    { attribute: 'name.familyName', source: '`{$user.lastname}`' },
    { attribute: 'emails[type eq "work"].value', source: '`{$user.email}`' },
  ],
  troubleshooting: [
    tokenNotValid('_SCIM Bearer Token_'),
    tokenEnded('_SCIM Bearer Token_'),
    userNameTaken('OneLogin'),
    {
      symptom: '400 `active must be of type boolean` or `emails must be a multi-valued array`',
      fix: 'The _SCIM JSON Template_ quotes `{$user.active}` or gives `emails` as one object: unquote the macro, and wrap `emails` in `[ ]`.',
    },
    slowDown('OneLogin'),
  ],
};

const jumpcloud: IdpSetup = {
  id: 'jumpcloud',
  name: 'JumpCloud',
  guide: 'guide-jumpcloud.md',
  credentials: ['bearer'],
  steps: [
    {
      title: 'Add the application',
      text: "**SSO Applications → + Add New Application → Custom Application** (the app's SAML or OIDC sign-in); then its **Identity Management** tab, **SCIM 2.0**.",
    },
    {
      title: 'Enter the connection',
      text: '_Base URL_ = {tenantUrl}; _Token Key_ = {secret} (sent as `Authorization: Bearer …`); _Test User Email_ = an address in your domain.',
    },
    {
      title: 'Test and activate',
      text: '**Test Connection**: JumpCloud creates a test user (with that e-mail) and a test group in the app, then deletes both. Then **Activate**, and **Save**.',
    },
    {
      title: 'Bind user groups',
      text: '**User Groups**: bind the groups whose members are provisioned. Only members of a bound group are synced; removing a user from it deactivates them in the app.',
    },
  ],
  mappings: [
    { attribute: 'userName', source: "the user's e-mail" },
    { attribute: 'externalId', source: "the JumpCloud user's id" },
    { attribute: 'displayName', source: "the bound group's name", note: 'of groups: an app group of the same name is adopted' },
  ],
  troubleshooting: [tokenNotValid('_Token Key_'), tokenEnded('_Token Key_'), userNameTaken('JumpCloud'), slowDown('JumpCloud')],
};

const ping: IdpSetup = {
  id: 'ping',
  name: 'Ping Identity',
  guide: 'guide-ping-identity.md',
  // PingOne's choices; PingFederate sends the secret token only (troubleshooting says how)
  credentials: ['oauthClient', 'bearer'],
  steps: [
    { title: 'Create the connection', text: 'In PingOne: **Integrations → Provisioning → + → New connection → Identity Store → SCIM Outbound**.' },
    {
      title: 'Enter the connection',
      text: '_SCIM Base URL_ = {tenantUrl}; _Authentication Method_ = **OAuth 2 Client Credentials**: _OAuth Token Request_ = {tokenEndpoint}, _OAuth Client ID_ = {clientId}, _OAuth Client Secret_ = {clientSecret}, _Auth Type Header_ = **Bearer**. Or _Authentication Method_ = **Bearer**, _Token_ = {secret}. **Test Connection**.',
    },
    {
      title: 'Match and remove users',
      text: '_User filter expression_ = `userName Eq "%s"` (the default: users are matched by username); _Remove action_ = **Disable** (deactivates the user; the default) or **Delete**.',
    },
    { title: 'Choose who is provisioned', text: 'Add a provisioning **rule** for this connection: it chooses the users (and groups) to provision.' },
  ],
  mappings: [{ attribute: 'userName', source: 'Username', note: 'the user filter expression matches on it' }],
  troubleshooting: [
    tokenNotValid('_Token_'),
    tokenEnded('_Token_'),
    {
      symptom: '`invalid_client` from the token endpoint',
      fix: '_OAuth Client ID_ or _OAuth Client Secret_ is not the current OAuth client (a new one ends the old after a while): paste both again.',
    },
    {
      symptom: '400 `at position 12: expected a value: …, found "jsmith"` (`invalidFilter`)',
      fix: 'The _User filter expression_ lacks quotes: write `userName Eq "%s"`.',
    },
    userNameTaken('Ping'),
    {
      symptom: 'You use PingFederate, not PingOne',
      fix: '**SP Connections → Create Connection**, _Outbound Provisioning_ with the **SCIM Connector** (SCIM 2.0): _SCIM URL_ = {tenantUrl}, _Authentication_ = **OAuth 2 Bearer Token** with the secret token, _Unique User Identifier_ = `userName`.',
    },
    slowDown('Ping'),
  ],
};

const other: IdpSetup = {
  id: 'other',
  name: 'Other SCIM 2.0 client',
  guide: null,
  credentials: ['bearer'],
  steps: [
    { title: 'Open the SCIM settings', text: "In your IdP, open the app's SCIM 2.0 provisioning (outbound provisioning) settings." },
    { title: 'Enter the base URL', text: '_Base URL_ (or _Tenant URL_, _SCIM endpoint_) = {tenantUrl}.' },
    {
      title: 'Enter the token',
      text: 'Authentication: **Bearer token** in the HTTP header, token = {secret} (sent as `Authorization: Bearer …`).',
    },
    { title: 'Match users', text: 'Match existing users on `userName`: the unique login, usually the e-mail address.' },
    { title: 'Test, then assign', text: 'Test the connection (the app answers `GET /Users`), then assign the users and groups to provision.' },
  ],
  mappings: [
    { attribute: 'userName', source: 'the unique login, usually the e-mail address' },
    { attribute: 'externalId', source: "the IdP's id for the user" },
    { attribute: 'active', source: 'whether the user is enabled' },
    { attribute: 'name.givenName', source: 'first name' },
    { attribute: 'name.familyName', source: 'last name' },
    { attribute: 'emails[type eq "work"].value', source: 'e-mail address' },
  ],
  troubleshooting: [
    tokenNotValid('The token setting'),
    tokenEnded('the token setting'),
    { symptom: '404, or an HTML page instead of a SCIM error', fix: 'The base URL is not the tenant URL: paste {tenantUrl} exactly.' },
    userNameTaken('IdP'),
    { symptom: '400 `invalidFilter`', fix: 'The IdP filters on an attribute the app does not have, or with a syntax error: the detail names the position.' },
    slowDown('the IdP'),
  ],
};

/** Every IdP's setup, by id. */
export const IDP_SETUPS: Readonly<Record<PortalIdp, IdpSetup>> = { entra, okta, google, onelogin, jumpcloud, ping, other };

/** The IdPs in the order the portal lists them. */
export const PORTAL_IDPS: readonly PortalIdp[] = ['entra', 'okta', 'google', 'onelogin', 'jumpcloud', 'ping', 'other'];
