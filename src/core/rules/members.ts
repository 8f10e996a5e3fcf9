/**
 * The member rule (RFC 7643 §4.2, docs/stores.md): a group member is the resource its `value`
 * names, so two members are the same member exactly when they name the same id, whatever
 * their `display`, `$ref` or `type` say. A member list names each id once, in the order the
 * ids first appear (a later duplicate changes nothing, as a repeated value in any multi-valued
 * attribute: equality.ts `appendDistinct` keys a member by its id). The order is part of what
 * a GET returns, so a list of the same ids in another order is a change (version.ts).
 *
 * One home for what the PATCH engine, the stores, the server's events and the SQL compiler
 * each need: a member's id ({@link memberId}), the ids of a list ({@link memberIdsOf}), their
 * order ({@link sameMemberOrder}), what changed between two lists ({@link memberDiff}), what a
 * {@link MemberDelta} changes against the current members ({@link planMemberDelta},
 * {@link deltaChangesMembers}), and the ids a `value eq` filter names ({@link idsNamed}).
 * @module
 */
import type { Filter } from '../filter/ast.js';

/** A group member as stored: `value` is the member's id. */
export interface Member {
  /** The member's id. */
  value: string;
  /** `User` or `Group`. */
  type?: string;
  /** A display name. */
  display?: string;
  /** The member's URI. */
  $ref?: string;
}

/** What a PATCH did to `members`: clear first (when `removeAll`), then remove, then add. */
export interface MemberDelta {
  /** Whether every member was removed first (remove or replace of `members`). */
  removeAll: boolean;
  /** Members to add (adding a current member is a no-op). */
  added: Member[];
  /** Ids to remove (removing a non-member is a no-op). */
  removed: string[];
}

/** The ids a write really added to a group and removed from it. */
export interface MemberChanges {
  /** Ids that were not members before and are now. */
  added: string[];
  /** Ids that were members before and are not now. */
  removed: string[];
}

/** The id a member value names: its `value` when that is a string, else undefined (a value naming nothing). */
export function memberId(member: unknown): string | undefined {
  if (member === null || typeof member !== 'object') return undefined;
  const value = (member as { value?: unknown }).value;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The ids of a member list in order, each once: the first occurrence of an id keeps its place
 * (the order every store keeps and a GET returns). Values naming no id are left out.
 */
export function memberIdsOf(members: Iterable<unknown> | undefined): string[] {
  const seen = new Set<string>();
  for (const m of members ?? []) {
    const id = memberId(m);
    if (id !== undefined) seen.add(id);
  }
  return [...seen];
}

/** Whether two member lists name the same ids in the same order (the order a GET returns, so a change of it is a change). */
export function sameMemberOrder(a: Iterable<string>, b: readonly string[]): boolean {
  let i = 0;
  for (const x of a) if (x !== b[i++]) return false;
  return i === b.length;
}

/**
 * What changed between two member lists (`members` of a group before and after a write; not
 * an array is no members): the ids only `after` names, in its order, and those only `before`
 * names, in its order.
 */
export function memberDiff(before: unknown, after: unknown): MemberChanges {
  const was = memberIdsOf(Array.isArray(before) ? before : undefined);
  const is = memberIdsOf(Array.isArray(after) ? after : undefined);
  const wasSet = new Set(was);
  const isSet = new Set(is);
  return { added: is.filter((id) => !wasSet.has(id)), removed: was.filter((id) => !isSet.has(id)) };
}

/** Whether a delta asks for anything: a clear, an add or a removal (each may still turn out a no-op against the members). */
export function touchesMembers(delta: MemberDelta | undefined): boolean {
  return delta !== undefined && (delta.removeAll || delta.added.length > 0 || delta.removed.length > 0);
}

/** The current member ids of a group, as a store holds them: a Set of ids or a Map keyed by id. */
export type CurrentMembers = ReadonlySet<string> | ReadonlyMap<string, unknown>;

/**
 * What a delta changes against the current members, without changing anything: the ids it
 * adds that are not members (each once, in the delta's order) and the current members it
 * removes (by `removeAll`, every one it does not add back; else those named in `removed` and
 * not added back).
 */
export function planMemberDelta(current: CurrentMembers, delta: MemberDelta): MemberChanges {
  const adding = memberIdsOf(delta.added);
  const addingSet = new Set(adding);
  const added = adding.filter((id) => !current.has(id));
  const removed: string[] = [];
  if (delta.removeAll) {
    for (const id of current.keys()) if (!addingSet.has(id)) removed.push(id);
  } else for (const id of new Set(delta.removed)) if (current.has(id) && !addingSet.has(id)) removed.push(id);
  return { added, removed };
}

/**
 * Whether a delta that did `changes` changed what a GET returns for the group: members came or
 * went, or (a replace of all members, which takes the request's order) the same members now
 * stand in another order. `before`: the member ids in their order before the write (read only
 * with `removeAll`).
 */
export function deltaChangesMembers(changes: MemberChanges, delta: MemberDelta, before: Iterable<string> | undefined): boolean {
  if (changes.added.length > 0 || changes.removed.length > 0) return true;
  return delta.removeAll && !sameMemberOrder(before ?? [], memberIdsOf(delta.added));
}

/**
 * The ids a filter over member values names exactly: `value eq "x"`, or an `or` of those,
 * each id once in order; undefined for any other filter (`value ne "x"`, `type eq "User"`, an
 * `and`), which a caller then evaluates as a filter. Ids compare exactly (`members.value` is
 * caseExact, RFC 7643 §4.2).
 */
export function idsNamed(filter: Filter): string[] | undefined {
  const out = new Set<string>();
  const collect = (f: Filter): boolean => {
    if (f.op === 'or') return f.filters.every(collect);
    if (f.op !== 'eq' || typeof f.value !== 'string' || f.attr.uri !== undefined || f.attr.sub !== undefined || f.attr.name.toLowerCase() !== 'value')
      return false;
    out.add(f.value);
    return true;
  };
  return collect(filter) ? [...out] : undefined;
}

/**
 * Builds a {@link MemberDelta} from PATCH operations in request order: the last operation on
 * an id wins (an add after a remove adds it, a remove after an add removes it), and an id
 * added twice is added once, at its first place, as {@link memberIdsOf} keeps a list.
 * @internal
 */
export class MemberDeltaBuilder {
  #removeAll = false;
  readonly #changes = new Map<string, Member | null>();

  /** Records that every member is removed. */
  removeAll(): void {
    this.#removeAll = true;
    this.#changes.clear();
  }

  /** Records an added member. */
  add(member: Member): void {
    // added already: the first keeps its place (and its value), as in a member list
    if (this.#changes.get(member.value)) return;
    this.#changes.delete(member.value);
    this.#changes.set(member.value, member);
  }

  /** Records a removed id. */
  remove(id: string): void {
    this.#changes.delete(id);
    if (!this.#removeAll) this.#changes.set(id, null);
  }

  /** Whether anything was recorded. */
  get empty(): boolean {
    return !this.#removeAll && this.#changes.size === 0;
  }

  /** The netted delta. */
  result(): MemberDelta {
    const added: Member[] = [];
    const removed: string[] = [];
    for (const [id, m] of this.#changes) {
      if (m) added.push(m);
      else removed.push(id);
    }
    return { removeAll: this.#removeAll, added, removed };
  }
}
