/**
 * The RFC 7644 §3.5.2 PATCH engine: add, replace and remove, all-or-nothing, never
 * mutating its input. IdP dialects run before it (dialects/).
 *
 * Longer than 400 lines because the three operations share one walk of the target (a path,
 * a value filter, an extension) and one set of decisions about it (RFC 7644 §3.5.2.1–3): split
 * by operation, each file would repeat the walk. What stands alone is elsewhere: the body's
 * shape (request.ts), the target (target.ts), the dialects (dialects/), member identity and
 * deltas (rules/members.ts), sameness of values (rules/equality.ts).
 * @module
 */
import { ScimError } from '../errors.js';
import type { Filter } from '../filter/ast.js';
import { compileValueFilter } from '../filter/compile.js';
import { filterCostError, valueFilterCost } from '../filter/cost.js';
import type { PathCache } from '../path/parse.js';
import { appendDistinct } from '../rules/equality.js';
import { idsNamed, type Member, type MemberDelta, MemberDeltaBuilder, memberId, touchesMembers } from '../rules/members.js';
import { valueChanged } from '../rules/version.js';
import type { AttributeDefinition } from '../schema/attribute.js';
import { type ResourceType, subAttribute } from '../schema/registry.js';
import { cloneJson, isObject, type ScimResource } from '../schema/resource.js';
import { canonicaliseValue, type Touched, tooManyValues, type ValidationPolicy, validatePatched } from '../schema/validate.js';
import { normalizeOperations, type PatchCompatibility, quirksOf } from './dialects/index.js';
import type { PatchQuirkName } from './dialects/quirk.js';
import { type PatchOperation, type PatchRequest, type PatchRequestOptions, parsePatchRequest } from './request.js';
import { type ResolvedOperation, resolveTarget, type Target, targetOf, withParsedPath } from './target.js';

/** The {@link ValidationPolicy} fields of {@link ApplyPatchOptions}, copied into the policy validation gets. */
const POLICY_KEYS = [
  'unknownAttributes',
  'canonicalValues',
  'maxValues',
  'maxStringLength',
  'maxBinaryLength',
  'maxIndexedStringLength',
] as const satisfies readonly (keyof ValidationPolicy)[];

/** Options of {@link applyPatch}. */
export interface ApplyPatchOptions extends PatchRequestOptions, ValidationPolicy {
  /** The resource type of the resource. */
  type: ResourceType;
  /** Which client quirks are accepted (default `lenient`). */
  compatibility?: PatchCompatibility;
  /**
   * `inline` (default): `members` is in the resource and patched there. `delta`: the
   * resource was loaded without `members`; member operations become a {@link MemberDelta}
   * and cost O(changes). Operations that need the member list throw {@link NeedsMembers}.
   */
  members?: 'inline' | 'delta';
  /** A per-server cache of parsed paths (the protocol engine passes its own). */
  paths?: PathCache;
  /**
   * The most a path's value filter (`emails[type eq "work"]`) may cost per value it tests
   * (`valueFilterCost`, docs/filters.md "Cost"); beyond it 400 invalidFilter. Default: no bound.
   */
  maxFilterCost?: number;
}

/** The outcome of a PATCH. */
export interface PatchResult {
  /** The new resource, validated and canonical (without `members` in delta mode). */
  resource: ScimResource;
  /** Whether anything changed. */
  changed: boolean;
  /** In delta mode, what happened to `members`. */
  members?: MemberDelta;
}

/** Thrown in delta mode when an operation needs the group's member list; retry with `members: 'inline'`. */
export class NeedsMembers extends Error {
  /** Builds the signal. */
  constructor() {
    super('This PATCH needs the member list');
    this.name = 'NeedsMembers';
  }
}

interface Ctx {
  /** Per schema URN, the attributes already deep-copied in this request (copy-on-write: the input is shared until touched). */
  owned: Touched;
  type: ResourceType;
  quirks: ReadonlySet<PatchQuirkName>;
  policy: ValidationPolicy;
  delta: MemberDeltaBuilder | undefined;
}

/**
 * The object holding the target attribute (the resource, or its extension object), with
 * that attribute's value deep-copied the first time this request touches it.
 */
function containerOf(res: ScimResource, t: Extract<Target, { kind: 'attribute' }>, create: boolean, ctx: Ctx): Record<string, unknown> | undefined {
  let container: Record<string, unknown> = res;
  if (t.attr.extension) {
    const ext = res[t.attr.schema];
    if (!isObject(ext) && !create) return undefined;
    if (!ctx.owned.has(t.attr.schema)) {
      res[t.attr.schema] = isObject(ext) ? { ...ext } : {};
      ctx.owned.set(t.attr.schema, new Set());
    }
    container = res[t.attr.schema] as Record<string, unknown>;
  }
  let names = ctx.owned.get(t.attr.schema);
  if (!names) ctx.owned.set(t.attr.schema, (names = new Set()));
  const name = t.attr.attribute.name;
  if (!names.has(name)) {
    const v = container[name];
    if (v !== undefined) container[name] = cloneJson(v);
    names.add(name);
  }
  return container;
}

function checkWritable(t: Extract<Target, { kind: 'attribute' }>, label: string): void {
  if (t.attr.attribute.mutability === 'readOnly' || t.attr.sub?.mutability === 'readOnly' || t.sub?.mutability === 'readOnly') {
    throw ScimError.mutability(`${label} is readOnly`);
  }
}

function isMembers(ctx: Ctx, t: Extract<Target, { kind: 'attribute' }>): boolean {
  return ctx.delta !== undefined && !t.attr.extension && t.attr.attribute.name === 'members' && t.attr.attribute === ctx.type.coreAttribute('members');
}

function asMembers(values: unknown[]): Member[] {
  return values.filter((m): m is Member => memberId(m) !== undefined);
}

/** Clears `primary` on every other value when the written values set one. */
function onePrimary(list: unknown[], written: readonly unknown[]): void {
  const chosen = [...written].reverse().find((v) => isObject(v) && v.primary === true);
  if (!chosen) return;
  for (const v of list) if (v !== chosen && isObject(v) && v.primary === true) delete v.primary;
}

/** add or replace of a whole attribute (or a sub-attribute of a single-valued complex one). */
function write(res: ScimResource, op: 'add' | 'replace', t: Extract<Target, { kind: 'attribute' }>, raw: unknown, ctx: Ctx): void {
  const label = t.attr.path;
  checkWritable(t, label);
  const attr = t.attr.attribute;
  if (isMembers(ctx, t)) {
    if (t.attr.sub) throw new NeedsMembers();
    const values = asMembers(toArray(canonicaliseValue(attr, toArray(raw), label, ctx.policy)));
    if (op === 'replace') ctx.delta!.removeAll();
    for (const m of values) ctx.delta!.add(m);
    return;
  }
  const container = containerOf(res, t, true, ctx)!;
  if (t.attr.sub) {
    if (attr.multiValued) throw ScimError.invalidPath(`${label}: choose the values with a filter, e.g. ${attr.name}[type eq "work"].${t.attr.sub.name}`);
    const value = canonicaliseValue(t.attr.sub, raw, label, ctx.policy);
    const parent = isObject(container[attr.name]) ? (container[attr.name] as Record<string, unknown>) : {};
    if (value === undefined) delete parent[t.attr.sub.name];
    else parent[t.attr.sub.name] = value;
    if (Object.keys(parent).length) container[attr.name] = parent;
    else delete container[attr.name];
    return;
  }
  const value = canonicaliseValue(attr, attr.multiValued ? toArray(raw) : raw, label, ctx.policy);
  if (value === undefined) {
    delete container[attr.name];
    return;
  }
  if (attr.multiValued) {
    const incoming = value as unknown[];
    // the equality rule (core/rules/equality.ts): an add of a value already there, in any case
    // where the attribute is not caseExact, changes nothing; O(n) over keys
    const current = op === 'replace' ? [] : Array.isArray(container[attr.name]) ? (container[attr.name] as unknown[]) : [];
    const list = appendDistinct(attr, current, incoming);
    const over = tooManyValues(attr, list.length, label, ctx.policy.maxValues);
    if (over) throw ScimError.invalidValue(over.message, [over]);
    const kept = new Set(list);
    onePrimary(
      list,
      incoming.filter((v) => kept.has(v)),
    );
    container[attr.name] = list;
    return;
  }
  if (attr.type === 'complex' && isObject(value) && isObject(container[attr.name])) {
    // RFC 7644 §3.5.2.1/3: sub-attributes not given are left unchanged, for add and replace alike.
    Object.assign(container[attr.name] as object, value);
    return;
  }
  container[attr.name] = value;
}

function toArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

/** The single `sub eq "literal"` a filter is made of, for creating the missing element. */
function typedCondition(f: Filter): { name: string; value: string } | undefined {
  if (f.op === 'eq' && typeof f.value === 'string' && f.attr.uri === undefined && f.attr.sub === undefined) return { name: f.attr.name, value: f.value };
  return undefined;
}

function writeFiltered(res: ScimResource, op: 'add' | 'replace', t: Extract<Target, { kind: 'attribute' }>, raw: unknown, ctx: Ctx, text: string): void {
  checkWritable(t, text);
  const attr = t.attr.attribute;
  if (isMembers(ctx, t)) throw new NeedsMembers();
  const container = containerOf(res, t, true, ctx)!;
  const current = container[attr.name];
  const list = attr.multiValued ? (Array.isArray(current) ? current : []) : isObject(current) ? [current] : [];
  const matches = matcher(t.filter!, attr, ctx);
  const hits = list.filter((el) => isObject(el) && matches(el)) as Record<string, unknown>[];
  if (hits.length === 0) {
    const cond = typedCondition(t.filter!);
    const sub = cond && subAttribute(attr, cond.name);
    if (t.sub && sub && attr.multiValued && ctx.quirks.has('createMissingTypedElement')) {
      const value = canonicaliseValue(t.sub, raw, text, ctx.policy);
      if (value === undefined) return;
      const el = { [sub.name]: cond.value, [t.sub.name]: value };
      const over = tooManyValues(attr, list.length + 1, text, ctx.policy.maxValues);
      if (over) throw ScimError.invalidValue(over.message, [over]);
      list.push(el);
      container[attr.name] = list;
      onePrimary(list, [el]);
      return;
    }
    throw ScimError.noTarget(`${text} matches no value`);
  }
  if (t.sub) {
    const value = canonicaliseValue(t.sub, raw, text, ctx.policy);
    for (const el of hits) {
      if (value === undefined) delete el[t.sub.name];
      else el[t.sub.name] = value;
    }
    onePrimary(list, t.sub.name === 'primary' && value === true ? hits.slice(-1) : []);
    return;
  }
  const value = canonicaliseValue({ ...attr, multiValued: false }, raw, text, ctx.policy);
  if (!isObject(value)) throw ScimError.invalidValue(`${text}: the value must be an object of ${attr.name} sub-attributes`);
  for (const el of hits) {
    if (op === 'replace') {
      for (const k of Object.keys(el)) delete el[k];
    }
    Object.assign(el, cloneJson(value));
  }
  onePrimary(list, value.primary === true ? hits.slice(-1) : []);
}

type Matcher = (el: Record<string, unknown>) => boolean;
/** Compiled value filters, kept with the (cached, immutable) filter objects they came from. */
const compiled = new WeakMap<Filter, Map<AttributeDefinition, Matcher>>();

function matcher(filter: Filter, attr: AttributeDefinition, _ctx: Ctx): Matcher {
  let byAttr = compiled.get(filter);
  const hit = byAttr?.get(attr);
  if (hit) return hit;
  let m: Matcher;
  const named = attr.name === 'members' ? idsNamed(filter) : undefined;
  if (named) {
    const ids = new Set(named);
    m = (el) => typeof el.value === 'string' && ids.has(el.value);
  } else {
    try {
      m = compileValueFilter(filter, attr);
    } catch (e) {
      if (e instanceof ScimError) throw ScimError.invalidPath(e.detail);
      throw e;
    }
  }
  if (!byAttr) compiled.set(filter, (byAttr = new Map()));
  byAttr.set(attr, m);
  return m;
}

function removeTarget(res: ScimResource, t: Target, ctx: Ctx, text: string): void {
  if (t.kind === 'extension') {
    delete res[t.schema.id];
    if (!ctx.owned.has(t.schema.id)) ctx.owned.set(t.schema.id, new Set());
    return;
  }
  checkWritable(t, text);
  const attr = t.attr.attribute;
  if (isMembers(ctx, t)) {
    if (t.attr.sub || t.sub) throw new NeedsMembers();
    if (!t.filter) {
      ctx.delta!.removeAll();
      return;
    }
    const ids = idsNamed(t.filter);
    if (!ids) throw new NeedsMembers();
    for (const id of ids) ctx.delta!.remove(id);
    return;
  }
  const container = containerOf(res, t, false, ctx);
  if (!container || container[attr.name] === undefined) return;
  if (!t.filter) {
    if (t.attr.sub) {
      const sub = t.attr.sub.name;
      for (const el of toArray(container[attr.name])) if (isObject(el)) delete el[sub];
      if (!attr.multiValued && isObject(container[attr.name]) && Object.keys(container[attr.name] as object).length === 0) delete container[attr.name];
    } else delete container[attr.name];
    return;
  }
  const matches = matcher(t.filter, attr, ctx);
  if (!attr.multiValued) {
    const v = container[attr.name];
    if (isObject(v) && matches(v)) {
      if (t.sub) delete v[t.sub.name];
      else delete container[attr.name];
    }
    return;
  }
  const list = container[attr.name] as unknown[];
  if (t.sub) {
    for (const el of list) if (isObject(el) && matches(el)) delete el[t.sub.name];
    return;
  }
  const kept = list.filter((el) => !(isObject(el) && matches(el)));
  if (kept.length) container[attr.name] = kept;
  else delete container[attr.name];
}

function applyOne(res: ScimResource, op: ResolvedOperation, ctx: Ctx): void {
  const name = op.op;
  if (name !== 'add' && name !== 'replace' && name !== 'remove')
    throw ScimError.invalidSyntax(`op must be "add", "remove" or "replace", not ${JSON.stringify(name.slice(0, 20))}`);
  const text = op.pathText ?? '';
  if (name === 'remove') {
    if (!op.path) throw ScimError.noTarget('remove needs a path');
    const target = op.target ?? resolveTarget(ctx.type, op.path, text);
    // RFC 7644 §3.5.2.2 removes every value of a multi-valued path without a filter (or that
    // sub-attribute of every element); a value list beside it says the client meant only those
    // (Entra ID's and JumpCloud's member removals). Taken literally it would remove them all:
    // refused, never widened into data loss. A single-valued target (Entra ID's manager removal
    // names the manager it removes) is removed as the RFC says. null is no value (RFC 7643 §2.5)
    if (op.value !== undefined && op.value !== null && target.kind === 'attribute' && !target.filter && target.attr.attribute.multiValued) {
      const refused = ScimError.invalidValue(
        `remove of ${text} with a value would remove every value (RFC 7644 §3.5.2.2: remove takes no value); name those to remove in a filter, ${target.attr.attribute.name}[value eq "…"]`,
      );
      // the option is the host's to set: it goes to the server log, not to the IdP's admin
      throw target.attr.attribute.name === 'members' && !ctx.quirks.has('removeMembersByValue')
        ? refused.withHint(
            "members removed by value (Entra ID's and JumpCloud's removal) are refused without the removeMembersByValue quirk: compatibility 'lenient', 'entra' or 'jumpcloud' accepts them",
          )
        : refused;
    }
    removeTarget(res, target, ctx, text);
    return;
  }
  if (op.value === undefined) throw ScimError.invalidValue(`${name}${text ? ` of ${text}` : ''} needs a value`);
  if (!op.path) {
    if (!isObject(op.value)) throw ScimError.invalidValue(`${name} without a path needs an object of attributes as its value`);
    for (const key of Object.keys(op.value)) {
      const ext = ctx.type.extension(key);
      if (ext) {
        const inner = op.value[key];
        if (inner === null) {
          delete res[ext.id];
          if (!ctx.owned.has(ext.id)) ctx.owned.set(ext.id, new Set());
          continue;
        }
        if (!isObject(inner)) throw ScimError.invalidValue(`${ext.id} must be an object`);
        for (const k of Object.keys(inner)) {
          const r = ctx.type.resolve(ext.id, k);
          if (!r) throw ScimError.invalidPath(`${ext.id}:${k} is not an attribute of ${ctx.type.name}`);
          write(res, name, { kind: 'attribute', attr: r }, inner[k], ctx);
        }
        continue;
      }
      const r = ctx.type.resolve(undefined, key);
      if (!r) {
        if (ctx.policy.unknownAttributes === 'drop') continue;
        throw ScimError.invalidPath(`${key} is not an attribute of ${ctx.type.name}`);
      }
      write(res, name, { kind: 'attribute', attr: r }, op.value[key], ctx);
    }
    return;
  }
  const t = op.target ?? resolveTarget(ctx.type, op.path, text);
  if (t.kind === 'extension') {
    if (!isObject(op.value)) throw ScimError.invalidValue(`${t.schema.id} must be an object`);
    for (const k of Object.keys(op.value)) {
      const r = ctx.type.resolve(t.schema.id, k);
      if (!r) throw ScimError.invalidPath(`${t.schema.id}:${k} is not an attribute of ${ctx.type.name}`);
      write(res, name, { kind: 'attribute', attr: r }, op.value[k], ctx);
    }
    return;
  }
  if (t.filter) writeFiltered(res, name, t, op.value, ctx, text);
  else write(res, name, t, op.value, ctx);
}

/**
 * Whether any attribute the request touched reads back differently (the change rule of
 * rules/version.ts, which the stores apply to the whole document); untouched ones are the same
 * objects.
 */
function touchedChanged(type: ResourceType, after: ScimResource, before: ScimResource, touched: Touched): boolean {
  for (const [schema, names] of touched) {
    const core = schema === type.schema.id;
    const a = core ? after : after[schema];
    const b = core ? before : before[schema];
    if (!core && (isObject(a) !== isObject(b) || (names.size === 0 && valueChanged(a, b)))) return true;
    if (!isObject(a) || !isObject(b)) continue;
    for (const name of names) if (valueChanged(a[name], b[name])) return true;
  }
  return false;
}

/** A path's value filter costing more than `max` per value it tests is 400 invalidFilter, before it is tested. */
function checkPathFilterCost(type: ResourceType, op: ResolvedOperation, max: number): void {
  const target = op.path?.filter ? targetOf(type, op) : null;
  if (target?.kind !== 'attribute' || !target.filter) return;
  const cost = valueFilterCost(target.filter, target.attr.attribute);
  if (cost > max) throw filterCostError(cost, max);
}

/**
 * Applies a PATCH request (RFC 7644 §3.5.2) to a stored resource and returns the new
 * resource, validated; all operations apply or none does. The input is never mutated;
 * the result shares the values the PATCH left unchanged with it (treat both as immutable).
 * Errors are ScimErrors naming the operation (1-based) and the attribute.
 */
export function applyPatch(resource: ScimResource, request: unknown, options: ApplyPatchOptions): PatchResult {
  return applyPreparedPatch(resource, preparePatch(request, options), options);
}

/**
 * A PATCH request checked once for every attempt at applying it: the engine applies one
 * request again each time its compare-and-swap loses to another writer, and neither the
 * request's shape nor what its client's quirks make of an operation changes between attempts
 * (a quirk reads the operation, the type and the resource's id, which the attempts share).
 * @internal
 */
export interface PreparedPatch {
  /** The operations as the client sent them, their shape checked. */
  readonly operations: readonly PatchOperation[];
  /** The quirks of the compatibility it was prepared for. */
  readonly quirks: ReadonlySet<PatchQuirkName>;
  /**
   * Operation `i` as the quirks rewrote it, kept from the first attempt that reached it: made
   * in order, operation by operation, so a request's first error is the one it always was.
   */
  readonly normalised: (ResolvedOperation[] | undefined)[];
}

/** Checks a PATCH body's shape (400/413 as {@link applyPatch} would) and readies it for {@link applyPreparedPatch}. @internal */
export function preparePatch(request: unknown, options: PatchRequestOptions & { compatibility?: PatchCompatibility }): PreparedPatch {
  const parsed: PatchRequest = parsePatchRequest(request, options);
  return { operations: parsed.operations, quirks: quirksOf(options.compatibility), normalised: new Array(parsed.operations.length) };
}

/** {@link applyPatch} of a prepared request: its operations are normalised at most once, whatever the attempts. @internal */
export function applyPreparedPatch(resource: ScimResource, patch: PreparedPatch, options: ApplyPatchOptions): PatchResult {
  const quirks = patch.quirks;
  const policy: ValidationPolicy = {};
  for (const key of POLICY_KEYS) if (options[key] !== undefined) Object.assign(policy, { [key]: options[key] });
  const ctx: Ctx = { owned: new Map(), type: options.type, quirks, policy, delta: options.members === 'delta' ? new MemberDeltaBuilder() : undefined };
  // a shallow copy: attributes are deep-copied when first touched (containerOf), and
  // validation below builds a fresh tree, so the result never shares objects with the input
  const work: ScimResource = { ...resource };
  patch.operations.forEach((raw, i) => {
    try {
      // applying never changes an operation (values are canonicalised into new objects), so the
      // quirks' output can serve every later attempt
      const ops = (patch.normalised[i] ??= normalizeOperations([withParsedPath(raw, options.paths)], quirks, { type: options.type, resource }));
      for (const op of ops) {
        if (options.maxFilterCost !== undefined) checkPathFilterCost(options.type, op, options.maxFilterCost);
        applyOne(work, op, ctx);
      }
    } catch (e) {
      if (e instanceof ScimError) throw new ScimError(e.status, `Operations[${i}]: ${e.detail}`, e.scimType, e.problems, { hint: e.hint });
      throw e;
    }
  });
  const out = validatePatched(options.type, work, resource, ctx.owned, policy);
  const members = ctx.delta?.result();
  const changed = touchedChanged(options.type, out, resource, ctx.owned) || touchesMembers(members);
  const result: PatchResult = { resource: out, changed };
  if (members) result.members = members;
  return result;
}
