// Replays of what JumpCloud, Google Workspace, OneLogin and Ping Identity send, from their
// documentation and from captures others published (each fixture names its source; the
// research is in docs/idp-compatibility.md). Each cycle runs in lenient and in strict mode.
import { describe, expect, it } from 'vitest';
import { fixture } from '../fixtures.js';
import { E, G, PATCH, setup, U } from './helpers.js';

/** A fixture without its `_source` note: the body as the IdP sent it. */
function body(name: string, replace: Record<string, string> = {}): Record<string, unknown> {
  let text = JSON.stringify(fixture(name));
  for (const [k, v] of Object.entries(replace)) text = text.replaceAll(`{${k}}`, v);
  const { _source: _, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return rest;
}
const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;
const modes = ['lenient', 'strict'] as const;

describe.each(modes)('JumpCloud provisioning cycle (%s)', (compatibility) => {
  it('connection test (a test user and group, created and deleted), create, full and minimal PUTs, groups by name with value-array member changes, deactivate, delete', async () => {
    const { call } = setup({ compatibility, uniqueGroupDisplayName: true });
    // Test connection: a test user and a test group (JumpCloud never creates an empty group), then both deleted
    const testUser = await call('POST', '/Users', {
      schemas: [U],
      userName: 'jc-test@example.io',
      emails: [{ value: 'jc-test@example.io', type: 'work', primary: true }],
      active: true,
    });
    expect(testUser.status).toBe(201);
    const testGroup = await call('POST', '/Groups', { schemas: [G], displayName: 'JumpCloud Test Group', members: [{ value: testUser.body.id }] });
    expect(testGroup.status).toBe(201);
    expect((await call('DELETE', `/Groups/${testGroup.body.id}`)).status).toBe(204);
    expect((await call('DELETE', `/Users/${testUser.body.id}`)).status).toBe(204);

    // Look-up, then create as captured: the enterprise URN without enterprise attributes, tel: numbers
    expect((await call('GET', `/Users?${q('userName eq "testuser@example.io"')}`)).body.totalResults).toBe(0);
    const created = await call('POST', '/Users', body('jumpcloud/create-user.json'));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.phoneNumbers).toEqual([{ primary: true, type: 'work', value: 'tel:+1-555-555-5555' }]);

    // Updates are whole PUTs: the extension URN first, [] for empty attributes, then null on a minimal one
    const full = await call('PUT', `/Users/${id}`, { ...body('jumpcloud/put-user-full.json'), id });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ userName: 'john.doe@example.com', title: 'Captain', [E]: { department: 'C-Suite' } });
    expect(full.body.phoneNumbers).toBeUndefined();
    const minimal = await call('PUT', `/Users/${id}`, { ...body('jumpcloud/put-user-minimal.json'), id });
    expect(minimal.status).toBe(200);
    expect(minimal.body.emails).toBeUndefined();
    expect(minimal.body.title).toBeUndefined();

    // Groups: an existing group of the same name is adopted (found by displayName), never created empty
    const other = (await call('POST', '/Users', { schemas: [U], userName: 'other@example.io', active: true })).body.id as string;
    const existing = await call('POST', '/Groups', { schemas: [G], displayName: 'Engineering', members: [{ value: other }] });
    const found = await call('GET', `/Groups?${q('displayName eq "Engineering"')}`);
    expect(found.body.Resources?.map((g) => g.id)).toEqual([existing.body.id]);
    const gid = existing.body.id as string;
    const add = await call('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
    expect([200, 204]).toContain(add.status);

    // The member removal JumpCloud sends: path members with a value array, no filter
    const remove = await call('PATCH', `/Groups/${gid}`, body('jumpcloud/remove-member-with-value.json', { userId: id }));
    const members = ((await call('GET', `/Groups/${gid}`)).body.members as { value: string }[] | undefined)?.map((m) => m.value) ?? [];
    if (compatibility === 'lenient') {
      // lenient: only the listed member goes, as JumpCloud means
      expect([200, 204]).toContain(remove.status);
      expect(members).toEqual([other]);
    } else {
      // strict: RFC 7644 §3.5.2.2 gives remove no value; refused, and nothing is lost
      expect(remove.status).toBe(400);
      expect(members.sort()).toEqual([id, other].sort());
    }

    // Deactivate (a PUT with active false), then delete
    const off = await call('PUT', `/Users/${id}`, { ...body('jumpcloud/put-user-minimal.json'), id, active: false });
    expect(off.body.active).toBe(false);
    expect((await call('DELETE', `/Users/${id}`)).status).toBe(204);
    expect((await call('GET', `/Users/${id}`)).status).toBe(404);
  });
});

describe.each(modes)('Google Workspace auto-provisioning cycle (%s)', (compatibility) => {
  it('the count=1 probe, a look-up with startIndex, a create with application/json and the SCIM 1.1 URN, suspend, delete', async () => {
    const { call } = setup({ compatibility });
    const json = { 'content-type': 'application/json', 'user-agent': 'Google-Auto-Provisioning' };
    const probe = await call('GET', '/Users?count=1', undefined, { 'user-agent': 'Google-Auto-Provisioning' });
    expect(probe.status).toBe(200);
    expect(probe.body.totalResults).toBe(0);
    expect((await call('GET', `/Users?${q('userName eq "username@domain.com"')}&startIndex=1`)).body.totalResults).toBe(0);
    const created = await call('POST', '/Users', body('google/create-user.json'), json);
    expect(created.status).toBe(201);
    expect(created.body.schemas).toEqual([U]);
    const id = created.body.id as string;
    // suspended in Google: active false; deleted: DELETE (both after a delay the admin chose)
    const suspended = await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] }, json);
    expect(suspended.body.active).toBe(false);
    expect((await call('DELETE', `/Users/${id}`)).status).toBe(204);
  });
});

describe.each(modes)('OneLogin provisioning cycle (%s)', (compatibility) => {
  it('the connection test (a userName that does not exist), a look-up with + for spaces, a create from the enterprise template, a PUT with its own schema URNs, delete', async () => {
    const { call } = setup({ compatibility });
    // Test: a userName OneLogin knows does not exist; an empty list (or 404) confirms the endpoint
    const test = await call('GET', '/Users?filter=userName+eq+%22onelogin-test-user01%22&');
    expect(test.status).toBe(200);
    expect(test.body.totalResults).toBe(0);
    const created = await call('POST', '/Users', body('onelogin/create-user-enterprise-template.json'));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // empty macros are empty strings: kept as the template filled them, the manager without a value dropped
    expect(created.body[E]).toMatchObject({ organization: 'Example', department: 'Risk' });
    // an unmapped manager macro ("value": ""): no manager in lenient (managerAsString), kept as sent in strict
    expect((created.body[E] as Record<string, unknown>).manager).toEqual(compatibility === 'lenient' ? undefined : { value: '' });
    expect((await call('GET', `/Users?filter=userName+eq+%22jane.roe%40example.com%22&`)).body.Resources?.[0]?.id).toBe(id);
    const put = await call('PUT', `/Users/${id}`, { ...body('onelogin/put-user.json'), userName: 'jane.roe@example.com' });
    expect(put.status).toBe(compatibility === 'lenient' ? 200 : 400);
    if (compatibility === 'strict') expect(put.body.detail).toMatch(/schemas must include urn:ietf:params:scim:schemas:core:2\.0:User/);
    else expect(put.body.name).toEqual({ familyName: ' User 01', givenName: 'AAA Test' });
    expect((await call('DELETE', `/Users/${id}`)).status).toBe(204);

    // a template that quotes its macros, and e-mails as one object: read by booleanStrings and objectForMultiValued
    const quoted = await call('POST', '/Users', body('onelogin/create-user-quoted.json'));
    if (compatibility === 'strict')
      expect([quoted.status, quoted.body.detail]).toEqual([400, expect.stringMatching(/active must be of type boolean|emails must be a multi-valued array/)]);
    else expect(quoted.body).toMatchObject({ active: true, emails: [{ value: 'sam.poe@example.com', type: 'work', primary: true }] });
    // the same attribute named with the schema's URN is read the same way
    const qualified = await call('POST', '/Users', { schemas: [U], userName: 'urn.named@example.com', [`${U}:active`]: 'true' });
    expect(qualified.status).toBe(compatibility === 'strict' ? 400 : 201);
    if (compatibility === 'lenient') expect(qualified.body.active).toBe(true);
  });
});

describe.each(modes)('Ping Identity provisioning cycle (%s)', (compatibility) => {
  it("look-ups by userName in PingOne's case and by e-mail, create, PUT updates, disable, groups found by listing them all, member PATCHes", async () => {
    const { call } = setup({ compatibility });
    const json = { 'content-type': 'application/json' };
    expect((await call('GET', `/Users?${q('username Eq "jsmith"')}`)).body.totalResults).toBe(0);
    const created = await call('POST', '/Users', body('ping/create-user.json'), json);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await call('GET', `/Users?${q('username Eq "JSMITH"')}`)).body.Resources?.[0]?.id).toBe(id);
    expect((await call('GET', `/Users?${q('emails eq "jsmith@example.com"')}`)).body.Resources?.[0]?.id).toBe(id);
    // PingFederate updates users with PUT only
    const put = await call('PUT', `/Users/${id}`, { ...body('ping/create-user.json'), id, name: { givenName: 'Jan', familyName: 'Smith' } }, json);
    expect(put.body.name).toEqual({ givenName: 'Jan', familyName: 'Smith' });
    // groups: PingFederate lists them all and matches by name; members by PATCH
    for (let i = 0; i < 3; i++) await call('POST', '/Groups', { schemas: [G], displayName: `Team ${i}` }, json);
    const page1 = await call('GET', '/Groups?startIndex=1&count=2');
    const page2 = await call('GET', '/Groups?startIndex=3&count=2');
    expect(page1.body.totalResults).toBe(3);
    const all = [...(page1.body.Resources ?? []), ...(page2.body.Resources ?? [])].map((g) => g.displayName);
    expect(all.sort()).toEqual(['Team 0', 'Team 1', 'Team 2']);
    const gid = page1.body.Resources![0]!.id as string;
    const add = await call('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] }, json);
    expect([200, 204]).toContain(add.status);
    const rm = await call('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] }, json);
    expect([200, 204]).toContain(rm.status);
    // Remove User Action "Disable" (the default): a PUT with active false
    const off = await call('PUT', `/Users/${id}`, { ...body('ping/create-user.json'), id, active: false }, json);
    expect(off.body.active).toBe(false);
  });
});
