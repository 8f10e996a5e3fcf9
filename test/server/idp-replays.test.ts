// Replays of the request sequences Microsoft Entra ID and Okta send, with their exact bodies.
import { describe, expect, it } from 'vitest';
import { fixture } from '../fixtures.js';
import { E, G, PATCH, setup, U } from './helpers.js';

describe('Microsoft Entra ID provisioning run', () => {
  it('test connection, create, look-ups, dialect updates, groups with member batches, deactivate, delete', async () => {
    const { call } = setup({ uniqueGroupDisplayName: true });
    // Test connection: a random userName that does not exist
    const probe = await call('GET', `/Users?filter=${encodeURIComponent('userName eq "7b1f1a40-8b3a-4bd1-9e3b-6a0c7c6f3f0e"')}`);
    expect(probe.status).toBe(200);
    expect(probe.body.totalResults).toBe(0);

    // Look-up before create, then create (Entra sends the enterprise extension and nulls)
    expect((await call('GET', `/Users?filter=${encodeURIComponent('userName eq "ryan@contoso.com"')}`)).body.totalResults).toBe(0);
    const created = await call('POST', '/Users', {
      schemas: [U, E],
      externalId: 'ryan',
      userName: 'ryan@contoso.com',
      active: true,
      displayName: 'Ryan Leenay',
      emails: [{ primary: true, type: 'work', value: 'ryan@contoso.com' }],
      name: { formatted: 'Ryan Leenay', familyName: 'Leenay', givenName: 'Ryan' },
      phoneNumbers: null,
      [E]: { department: 'Sales', employeeNumber: null },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body[E]).toEqual({ department: 'Sales' });

    // Look-ups by userName (another case) and by externalId
    expect((await call('GET', `/Users?filter=${encodeURIComponent('userName eq "Ryan@Contoso.com"')}`)).body.Resources?.[0]?.id).toBe(id);
    expect((await call('GET', `/Users?filter=${encodeURIComponent('externalId eq "ryan"')}`)).body.Resources?.[0]?.id).toBe(id);

    // Updates in Entra's dialect
    const upd = await call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ryan.leenay@contoso.com' },
        { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
        { op: 'Replace', path: `${E}:manager`, value: '26118915-6090-4610-87e4-49d8ca9f808d' },
        { op: 'Add', value: { 'name.givenName': 'Ry', title: 'AE' } },
      ],
    });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({
      emails: [{ primary: true, type: 'work', value: 'ryan.leenay@contoso.com' }],
      phoneNumbers: [{ type: 'mobile', value: '+1 555 0100' }],
      title: 'AE',
      name: { givenName: 'Ry' },
      [E]: { department: 'Sales', manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } },
    });
    const others = [];
    for (let i = 0; i < 5; i++) others.push((await call('POST', '/Users', { schemas: [U], userName: `u${i}@contoso.com`, active: true })).body.id as string);

    // Groups: look-up by displayName without members, create, members in batches
    expect((await call('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Sales"')}`)).body.totalResults).toBe(0);
    const g = await call('POST', '/Groups', {
      schemas: [G, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      displayName: 'Sales',
      externalId: 'sales',
      members: [],
    });
    expect(g.status).toBe(201);
    const gid = g.body.id as string;
    const found = await call('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Sales"')}`);
    expect(found.body.Resources?.[0]).toMatchObject({ id: gid, displayName: 'Sales' });
    expect(found.body.Resources?.[0]?.members).toBeUndefined();
    await call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Add', path: 'members', value: [id, ...others.slice(0, 3)].map((value) => ({ value })) }],
    });
    await call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Add', path: 'members', value: others.slice(3).map((value) => ({ value })) }],
    });
    await call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Remove', path: 'members', value: [{ value: others[0] }, { value: others[1] }] }],
    });
    const members = ((await call('GET', `/Groups/${gid}`)).body.members as { value: string }[]).map((m) => m.value).sort();
    expect(members).toEqual([id, others[2], others[3], others[4]].sort());
    expect((await call('GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${id}"]`)}`)).body.totalResults).toBe(1);
    expect(((await call('GET', `/Users/${id}`)).body.groups as { value: string }[]).map((x) => x.value)).toEqual([gid]);
    // a second group named Sales is refused: Entra matches groups by displayName
    expect((await call('POST', '/Groups', { schemas: [G], displayName: 'sales' })).status).toBe(409);

    // Deactivate, then delete
    const off = await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(off.body.active).toBe(false);
    expect((await call('GET', `/Users?filter=${encodeURIComponent('userName eq "ryan@contoso.com"')}`)).body.Resources?.[0]?.active).toBe(false);
    expect((await call('DELETE', `/Users/${id}`)).status).toBe(204);
    expect((await call('GET', `/Users/${id}`)).status).toBe(404);
    expect(((await call('GET', `/Groups/${gid}`)).body.members as unknown[]).length).toBe(3);
  });
});

describe('Okta provisioning run', () => {
  it('look-ups with startIndex and count, create, PUT updates, deactivation by PATCH, group push', async () => {
    const { call } = setup();
    const look = await call('GET', `/Users?filter=${encodeURIComponent('userName eq "dana@okta-test.com"')}&startIndex=1&count=100`);
    expect(look.body).toMatchObject({ totalResults: 0, startIndex: 1 });
    const c = await call('POST', '/Users', {
      schemas: [U],
      userName: 'dana@okta-test.com',
      name: { givenName: 'Dana', familyName: 'Scully' },
      emails: [{ primary: true, value: 'dana@okta-test.com', type: 'work' }],
      displayName: 'Dana Scully',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    expect(c.status).toBe(201);
    const id = c.body.id as string;
    expect((await call('GET', `/Users?filter=${encodeURIComponent('userName eq "dana@okta-test.com"')}&startIndex=1&count=100`)).body.totalResults).toBe(1);
    const put = await call('PUT', `/Users/${id}`, {
      schemas: [U],
      id,
      userName: 'dana@okta-test.com',
      name: { givenName: 'Dana', familyName: 'Mulder' },
      emails: [{ primary: true, value: 'dana@okta-test.com', type: 'work' }],
      displayName: 'Dana Mulder',
      active: true,
      groups: [],
      meta: { resourceType: 'User' },
    });
    expect(put.status).toBe(200);
    expect(put.body.name).toEqual({ givenName: 'Dana', familyName: 'Mulder' });
    const off = await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(off.body.active).toBe(false);
    // Group push: create with members, then member changes, then rename with the id repeated
    const g = await call('POST', '/Groups', { schemas: [G], displayName: 'Engineering', members: [{ value: id, display: 'dana@okta-test.com' }] });
    const gid = g.body.id as string;
    await call('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] });
    expect((await call('GET', `/Groups/${gid}`)).body.members).toBeUndefined();
    const ren = await call('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { id: gid, displayName: 'Eng' } }] });
    expect(ren.body.displayName).toBe('Eng');
    expect((await call('DELETE', `/Groups/${gid}`)).status).toBe(204);
  });
});

describe('concurrency', () => {
  it('50 concurrent PATCHes adding distinct members to one group all land', async () => {
    const { call, user } = setup();
    const g = await call('POST', '/Groups', { schemas: [G], displayName: 'Big' });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await call('POST', '/Users', user(`m${i}`))).body.id!);
    const results = await Promise.all(
      ids.map((id) => call('PATCH', `/Groups/${g.body.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })),
    );
    expect(results.every((r) => r.status === 204)).toBe(true);
    expect(((await call('GET', `/Groups/${g.body.id}`)).body.members as unknown[]).length).toBe(50);
  });

  it('concurrent PUTs with the same If-Match: one winner, the rest 412', async () => {
    const { call, user } = setup();
    const u = await call('POST', '/Users', user('race'));
    const rs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call('PUT', `/Users/${u.body.id}`, user('race', { title: `t${i}` }), { 'if-match': 'W/"1"' })),
    );
    expect(rs.filter((r) => r.status === 200)).toHaveLength(1);
    expect(rs.filter((r) => r.status === 412)).toHaveLength(9);
  });

  it('concurrent creates of one userName: one 201, the rest 409', async () => {
    const { call, user } = setup();
    const rs = await Promise.all(Array.from({ length: 10 }, () => call('POST', '/Users', user('same@x.io'))));
    expect(rs.filter((r) => r.status === 201)).toHaveLength(1);
    expect(rs.filter((r) => r.status === 409)).toHaveLength(9);
  });

  it('a PATCH without If-Match re-reads and re-applies when another writer got in between', async () => {
    const s = setup();
    const u = await s.call('POST', '/Users', s.user('cas', { title: 'a' }));
    const type = s.server.registry.resourceType('User')!;
    const ctx = { tenant: 'default', requestId: 't' };
    const realGet = s.store.get.bind(s.store);
    let raced = false;
    s.store.get = async (c, t, id, o) => {
      const r = await realGet(c, t, id, o);
      if (!raced && t === type) {
        raced = true;
        await s.store.replace(ctx, type, id, { ...r!, title: 'changed meanwhile' });
      }
      return r;
    };
    const p = await s.call('PATCH', `/Users/${u.body.id}`, s.patch({ op: 'replace', path: 'displayName', value: 'CAS' }));
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ displayName: 'CAS', title: 'changed meanwhile', meta: { version: 'W/"3"' } });
  });
});

describe('a member user deleted, then its group written (issue: groups became unwritable)', () => {
  it('Entra ID: deprovision a member, then rename and delete the group, with no If-Match', async () => {
    const events: string[] = [];
    const { call, user } = setup({ hooks: { onEvent: (e) => void events.push(`${e.type}:${e.memberIds?.length ?? ''}`) } });
    const a = (await call('POST', '/Users', user('leaver@contoso.com'))).body.id!;
    const b = (await call('POST', '/Users', user('stayer@contoso.com'))).body.id!;
    const g = await call('POST', '/Groups', { schemas: [G], displayName: 'Sales' });
    const add = fixture<{ Operations: { value: { value: string }[] }[] }>('entra/add-member.json');
    add.Operations[0]!.value = [{ value: a }, { value: b }];
    expect((await call('PATCH', `/Groups/${g.body.id}`, add)).status).toBe(204);
    const before = (await call('GET', `/Groups/${g.body.id}`)).headers.etag;
    events.length = 0;
    expect((await call('DELETE', `/Users/${a}`)).status).toBe(204);
    // the host hears that its team lost a member
    await expect.poll(() => events).toEqual(['user.deleted:', 'group.membersRemoved:1']);
    const read = await call('GET', `/Groups/${g.body.id}`);
    expect(read.headers.etag).not.toBe(before);
    expect((read.body.members as { value: string }[]).map((m) => m.value)).toEqual([b]);
    const rename = await call('PATCH', `/Groups/${g.body.id}`, fixture('entra/group-rename.json'));
    expect(rename.status).toBe(200);
    expect(rename.body.displayName).toBe('Sales EMEA');
    expect((await call('DELETE', `/Groups/${g.body.id}`)).status).toBe(204);
  });

  it('Okta: PUT of a group after a member left, with the ETag it read and without one', async () => {
    const { call, user } = setup();
    const a = (await call('POST', '/Users', user('one@example.com'))).body.id!;
    const b = (await call('POST', '/Users', user('two@example.com'))).body.id!;
    const g = await call('POST', '/Groups', { schemas: [G], displayName: 'Okta pushed', members: [{ value: a }, { value: b }] });
    await call('DELETE', `/Users/${a}`);
    const read = await call('GET', `/Groups/${g.body.id}`);
    const put = await call(
      'PUT',
      `/Groups/${g.body.id}`,
      { schemas: [G], displayName: 'Okta pushed 2', members: [{ value: b }] },
      { 'if-match': read.headers.etag! },
    );
    expect(put.status).toBe(200);
    const again = await call('PUT', `/Groups/${g.body.id}`, { schemas: [G], displayName: 'Okta pushed 3', members: [{ value: b }] });
    expect(again.status).toBe(200);
  });

  it('Okta Group Push with an unknown member is a 400 naming it, and changes nothing', async () => {
    const { call, user } = setup();
    const a = (await call('POST', '/Users', user('pushed@example.com'))).body.id!;
    const g = await call('POST', '/Groups', { schemas: [G], displayName: 'Push', members: [{ value: a }] });
    const push = fixture<{ Operations: { path: string; value?: { value: string }[] }[] }>('okta/group-push.json');
    push.Operations[0]!.path = `members[value eq "${a}"]`;
    const r = await call('PATCH', `/Groups/${g.body.id}`, push);
    expect([r.status, r.body.scimType]).toEqual([400, 'invalidValue']);
    expect(r.body.detail).toContain('u-9');
    expect((await call('GET', `/Groups/${g.body.id}`)).body.members).toHaveLength(1);
  });
});

describe('searches across resource types (POST /.search)', () => {
  it('sort and page as one list', async () => {
    const { call, user } = setup();
    for (const n of ['delta', 'alpha']) await call('POST', '/Users', user(n, { displayName: n }));
    for (const n of ['charlie', 'bravo']) await call('POST', '/Groups', { schemas: [G], displayName: n });
    const search = (body: Record<string, unknown>) => call('POST', '/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], ...body });
    const all = await search({ sortBy: 'displayName' });
    expect(all.body.Resources?.map((r) => r.displayName)).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    const desc = await search({ sortBy: 'displayName', sortOrder: 'descending', startIndex: 2, count: 2 });
    expect([desc.body.totalResults, desc.body.Resources?.map((r) => r.displayName)]).toEqual([4, ['charlie', 'bravo']]);
    // an attribute one type lacks: those resources have no value (last ascending)
    const byUserName = await search({ sortBy: 'userName' });
    expect(byUserName.body.Resources?.map((r) => r.displayName).slice(0, 2)).toEqual(['alpha', 'delta']);
  });
});
