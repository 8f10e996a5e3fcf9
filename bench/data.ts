// Deterministic generated data for benchmarks.
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAMILY = ['Smith', 'Smythe', 'Jones', 'Small', 'Garcia', 'smart', 'Brown', 'Nguyen', 'Müller', 'Sm'];
const DOMAINS = ['example.com', 'EXAMPLE.COM', 'example.org', 'home.net', 'mail.example.com'];
const ZONES = ['Z', '+02:00', '-05:00', '+00:00'];

export interface BenchUser {
  schemas: string[];
  id: string;
  userName: string;
  active: boolean;
  name: { givenName: string; familyName: string };
  emails: { value: string; type: string; primary?: boolean }[];
  meta: { resourceType: string; created: string; lastModified: string; version: string };
}

export function makeUsers(n: number, seed = 42): BenchUser[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  const users: BenchUser[] = [];
  for (let i = 0; i < n; i++) {
    const day = Math.floor(r() * 1000);
    const d = new Date(Date.UTC(2022, 6, 1) + day * 86_400_000 + Math.floor(r() * 86_400_000));
    const iso = d.toISOString().replace('.000Z', pick(ZONES) === 'Z' ? 'Z' : 'Z');
    users.push({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      userName: i % 3 === 0 ? `User${i}@Example.com` : `user${i}@example.com`,
      active: r() < 0.8,
      name: { givenName: `Given${i}`, familyName: pick(FAMILY) },
      emails: [
        { value: `u${i}@${pick(DOMAINS)}`, type: r() < 0.5 ? 'work' : 'home', primary: true },
        { value: `p${i}@${pick(DOMAINS)}`, type: r() < 0.5 ? 'work' : 'home' },
      ],
      meta: { resourceType: 'User', created: iso, lastModified: iso, version: 'W/"1"' },
    });
  }
  return users;
}

/** The `i`-th user a bench creates: a work e-mail, an externalId, and one in 7 a Jones. */
export function seedUser(i: number | string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: `user${i}@example.com`,
    externalId: `ext-${i}`,
    active: true,
    name: { givenName: `G${i}`, familyName: Number(i) % 7 ? 'Smith' : 'Jones' },
    emails: [{ value: `user${i}@example.com`, type: 'work', primary: true }],
  };
}

/** What seeding needs of a server, of any build: its `handle`. */
interface Handles {
  handle(req: { method: string; path: string; headers: Record<string, string>; body?: string }): Promise<{ body?: unknown; headers?: Record<string, string> }>;
}

/** Creates `n` users ({@link seedUser}) through `server.handle` (POST /Users); their ids and ETags, in order. */
export async function postUsers(server: Handles, n: number, headers: Record<string, string>): Promise<{ ids: string[]; etags: string[] }> {
  const ids: string[] = [];
  const etags: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await server.handle({
      method: 'POST',
      path: '/Users',
      headers: { ...headers, 'content-type': 'application/scim+json' },
      body: JSON.stringify(seedUser(i)),
    });
    ids.push((r.body as { id: string }).id);
    etags.push(r.headers?.etag ?? '');
  }
  return { ids, etags };
}
