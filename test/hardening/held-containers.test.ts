// Every Map, Set, WeakMap, Lru or object cache that can outlive a call (declared at module
// level, as a class field, or in a factory's closure) is listed here with what bounds it. A
// new one fails this test until it is added with its bound: one keyed by request data with
// only a count for a bound (or none) is how a stranger made the server hold 300 MB (#29).
// Per-call containers at the top of a plain function are listed as such.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

const PER_CALL = 'per call: built and dropped by one call';
const CONSTANT = 'constant: fixed at load';
const CONFIG = 'per server: keyed by its configuration (schemas, types, options), not by requests';
const BY_OBJECT = 'WeakMap keyed by objects: an entry goes with its key';

/** file → declared name → what bounds it. */
const HELD: Record<string, Record<string, string>> = {
  'src/server/activity/console-logger.ts': { seen: PER_CALL },
  'src/server/activity/mask.ts': { '#names': CONFIG },
  'src/stores/memory/activity-log.ts': {
    '#map': 'Rings: at most maxTenants keys (tenant, or the tenant named cut to 200 characters), each a ring of fixed capacity',
  },
  'src/stores/activity-log.ts': { STATUS_CLASSES: CONSTANT },
  'src/check/capabilities.ts': { features: PER_CALL },
  'src/check/http.ts': { IDEMPOTENT: CONSTANT, '#secretHeaders': 'per checker run: the header names its caller gave' },
  'src/check/reporters/junit.ts': { groups: PER_CALL },
  'src/server/events/dispatcher.ts': {
    '#inFlight': 'deliveries under way: at most the claimed batch',
    '#deferred': 'events put back in one turn of the event loop, by due time: at most the claimed batch, cleared each turn',
    '#waiting': 'beforeResponse waiters: one per request in flight, removed when its event settles',
    '#settledRecently': 'Lru of 10,000 event ids (server-made)',
  },
  'src/server/events/fan-out.ts': {
    took: 'Lru of 10,000 event ids (server-made)',
    gates: 'consumer × authenticated tenant with deliveries moving or failing; an idle gate is dropped',
  },
  'src/core/filter/cache.ts': { '#lru': 'Lru of 1,000 filters of at most maxFilterLength characters, parsed for authenticated requests only' },
  'src/core/filter/cost.ts': { byType: BY_OBJECT },
  'src/core/filter/parse.ts': { OPERATORS: CONSTANT },
  'src/core/lru.ts': { '#map': 'the Lru itself: at most max entries' },
  'src/core/patch/apply.ts': { compiled: BY_OBJECT, ctx: PER_CALL },
  'src/core/patch/dialects/common.ts': { MEMBER_KEYS: CONSTANT },
  'src/core/patch/dialects/entra.ts': { hasBooleanCache: BY_OBJECT },
  'src/core/patch/dialects/index.ts': { byClient: CONSTANT },
  'src/core/rules/members.ts': { seen: PER_CALL, wasSet: PER_CALL, isSet: PER_CALL, addingSet: PER_CALL, out: PER_CALL, '#changes': PER_CALL },
  'src/core/path/parse.ts': { '#lru': 'Lru of 1,000 paths (PATCH paths, attributes) of authenticated requests' },
  'src/server/auth.ts': { told: 'Lru of 10,000 token hashes that authenticated (64 characters each)' },
  'src/server/bulk.ts': { byBulkId: PER_CALL, state: PER_CALL, ids: PER_CALL, results: PER_CALL },
  'src/server/client-profiles.ts': { copies: CONFIG },
  'src/server/concurrency.ts': { '#lanes': 'one lane per authenticated tenant with requests running or waiting; dropped when idle' },
  'src/server/failed-auth.ts': {
    '#blocked': 'Lru of 10,000 fixed-size digests (22 characters), entries expire',
    '#known': 'Lru of 10,000 fixed-size digests of credentials that authenticated',
  },
  'src/server/keyed-queue.ts': { '#tails': 'one per resource with a write running, removed when its last write settles' },
  'src/server/linking.ts': { seen: PER_CALL },
  'src/server/ratelimit.ts': { '#buckets': 'maxKeys (100,000) buckets, keys over 64 characters kept as a 43-character digest; refilled ones dropped' },
  'src/server/router.ts': { ROUTED_FIRST: CONSTANT },
  'src/server/server.ts': { admissions: BY_OBJECT },
  'src/server/tokens.ts': { '#byHash': "the host's own token records" },
  'src/server/connections/connection-auth.ts': { authenticators: BY_OBJECT },
  'src/server/connections/credential-changes.ts': {
    '#queues': 'credential changes under way on this instance: one per connection with a change running, removed when its last one settles',
  },
  'src/addons/postgres/processed-events.ts': { CREATED_CONCURRENTLY: CONSTANT },
  'src/cli/connection.ts': { COMMANDS: CONSTANT },
  'src/server/connections/lookups.ts': {
    '#entries':
      'Lru of 10,000 per cache: credentials by 64-character hash (unknown secrets as null), connections and entitlements by server-made id; each trusted cacheMs',
    '#loading': 'look-ups under way: one per distinct key in flight, removed when it settles',
  },
  'src/server/connections/usage.ts': {
    '#written': 'Lru of 10,000 server-made credential ids with the time their use was last written',
    '#activated': 'Lru of 10,000 server-made connection ids made active here',
  },
  'src/core/rules/equality.ts': { seen: PER_CALL },
  'src/core/schema/json-schema.ts': { '#cache': BY_OBJECT },
  'src/core/schema/project.ts': { sel: PER_CALL },
  'src/core/schema/registry.ts': { m: PER_CALL, subMaps: BY_OBJECT, '#extensions': CONFIG, TYPES: CONSTANT, '#schemas': CONFIG, '#types': CONFIG },
  'src/core/schema/shape-validator.ts': { byKey: CONFIG },
  'src/core/schema/storable.ts': { LOOKUP_PATHS: CONSTANT },
  'src/stores/memory/outbox.ts': {
    '#byTenant': 'the store: events of authenticated writes, pruned by retention',
    '#seq': 'the store: one sequence per authenticated tenant',
    '#pending': 'the store: events not yet delivered',
    '#queues': 'the store: events not yet delivered, by resource (the same events as #pending)',
    '#dead': 'the store: dead letters, pruned by retention',
    '#parked': 'the store: pending events of tenants in preview, set aside by tenant (moved from #pending, not copied), emptied at approval or discard',
  },
  'src/stores/memory/connections.ts': {
    '#byId': 'the store: connections the host created, at most one per tenant',
    '#byTenant': 'the store: one key per connection (#byId)',
    '#credentials': 'the store: credentials the server issued; expired access tokens removed by deleteExpiredCredentials',
    '#byHash': 'the store: one key per credential (#credentials)',
    '#byClientId': 'the store: one key per OAuth client credential (#credentials)',
    '#ofConnection': 'the store: one set per connection with credentials, the ids of #credentials',
  },
  'src/stores/memory/entries.ts': { indexPlans: BY_OBJECT },
  'src/stores/memory/scan.ts': { relations: BY_OBJECT, compiled: BY_OBJECT, compiledNoMatch: BY_OBJECT },
  'src/stores/memory/store.ts': {
    '#tenants': 'the store: authenticated tenants’ data',
  },
  'src/addons/postgres/connection-records.ts': { REFUSED_VALUES: CONSTANT },
  'src/addons/postgres/deadline.ts': { sessionTimeouts: BY_OBJECT },
  'src/addons/postgres/errors.ts': { SOCKET_CODES: CONSTANT, RETRYABLE_SQLSTATES: CONSTANT },
  'src/addons/postgres/folded.ts': { FOLDING: CONSTANT, byId: PER_CALL },
  'src/addons/postgres/liveness.ts': { '#out': 'the statements on the wire: at most the pool size', states: PER_CALL },
  'src/addons/postgres/members.ts': { out: PER_CALL, now: PER_CALL, kept: PER_CALL },
  'src/addons/postgres/unique-keys.ts': { taken: PER_CALL },
  'src/addons/postgres/member-delta.ts': { removed: PER_CALL },
  'src/stores/memory/scan-turns.ts': { '#waiting': 'one entry per authenticated tenant with a scan waiting, removed when its line is empty' },
  'src/stores/soft-delete.ts': { shadows: BY_OBJECT, combined: BY_OBJECT },
  'src/server/connections/probe.ts': { probes: BY_OBJECT },
  'src/server/connections/approval.ts': { links: PER_CALL, skipped: PER_CALL },
  'src/server/connections/preview-report.ts': { byAccount: PER_CALL, stored: PER_CALL, out: PER_CALL },
  'src/server/connections/write-rules.ts': { '#cache': 'Lru of MAX_TENANTS tenants (authenticated), each entry expiring' },
  'src/portal/action-budget.ts': { '#windows': 'one-minute windows of at most 10,000 keys (viewers, or addresses opening links); the oldest goes first' },
  'src/portal/links.ts': { '#used': 'link ids until their link expires, at most 100,000 unexpired (past that a link is refused, never forgotten)' },
  'src/portal/options.ts': { names: PER_CALL },
  'src/portal/portal.ts': { UNSAFE: CONSTANT },
};

const CONTAINER = /new (?:Map|Set|WeakMap|WeakSet|Lru)\b|Object\.create\(null\)/;
/** A declaration that can outlive a call: module level, a factory's top level, a class field, a field set in a constructor. */
const HELD_AT =
  /^(?:(?:export )?(?:const|let) (\w+)| {2}(?:const|let) (\w+)|\s+(?:(?:static|readonly|private|protected|public) )*(#?\w+)\??(?::[^=]+)? = new |.*\bthis\.(#?\w+) = (?:new|Object\.create))/;
/** A plain object used as a map at module level or as a class field (a statement: a parameter's default is not one). */
const OBJECT_MAP = /^(?:(?:export )?(?:const|let) (\w+)|\s+(?:(?:static|readonly|private) )*(#?\w+)): Record<string, [^=]+= \{\};\s*$/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every held container in src/: `file name`, and the line it is on. */
function found(): Map<string, string> {
  const out = new Map<string, string>();
  for (const path of sources(join(root, 'src'))) {
    const file = relative(root, path).split('\\').join('/');
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const m = (CONTAINER.test(line) && HELD_AT.exec(line)) || OBJECT_MAP.exec(line);
      const name = m?.slice(1).find((g) => g !== undefined);
      if (name) out.set(`${file} ${name}`, line.trim());
    }
  }
  return out;
}

describe('containers that outlive a call', () => {
  it('each is listed with what bounds it (add a new one to HELD, with its bound)', () => {
    const unlisted = [...found()].filter(([key]) => {
      const [file, name] = key.split(' ') as [string, string];
      return HELD[file]?.[name] === undefined;
    });
    expect(unlisted.map(([key, line]) => `${key}: ${line}`)).toEqual([]);
  });

  it('each listed one is still there (the list says what the code holds, no more)', () => {
    const have = found();
    const stale = Object.entries(HELD).flatMap(([file, names]) =>
      Object.keys(names)
        .filter((name) => !have.has(`${file} ${name}`))
        .map((n) => `${file} ${n}`),
    );
    expect(stale).toEqual([]);
  });

  it('finds a new one: a module-level cache, a class field and a factory closure', () => {
    const probes = [
      'const seenTenants = new Map<string, number>();',
      '  readonly #byPath = new Map<string, string>();',
      '  const cache = new Lru<string, string>(100);',
      '    this.#names = Object.create(null);',
      'const byName: Record<string, number> = {};',
    ];
    expect(
      probes.map((line) => (CONTAINER.test(line) && HELD_AT.exec(line)) || OBJECT_MAP.exec(line)).map((m) => m?.slice(1).find((g) => g !== undefined)),
    ).toEqual(['seenTenants', '#byPath', 'cache', '#names', 'byName']);
  });
});
