/**
 * Member deltas for large groups: what a PATCH adds to and removes from `members`,
 * netted in request order, so a store can persist it in O(changes).
 * @module
 */

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

/** Builds a {@link MemberDelta}; the last operation on one id wins. @internal */
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
