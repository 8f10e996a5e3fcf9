/**
 * What a PATCH path points at in a resource type: a whole extension, or an attribute
 * (with an optional value filter and sub-attribute).
 * @module
 */
import { ScimError } from '../errors.js';
import type { Filter } from '../filter/ast.js';
import { type PatchPath, type PathCache, parsePath } from '../path/parse.js';
import type { AttributeDefinition, SchemaDefinition } from '../schema/attribute.js';
import { type ResolvedAttribute, type ResourceType, subAttribute } from '../schema/registry.js';
import { isObject, setOwn } from '../schema/resource.js';

/** An operation after its path was parsed; what the dialects and the engine work on. */
export interface ResolvedOperation {
  /** The operation name; lower-case once the dialects ran. */
  op: string;
  /** The parsed path. */
  path?: PatchPath;
  /** The path as sent, for messages. */
  pathText?: string;
  /** The value. */
  value?: unknown;
  /** The resolved target, cached once resolved; null when the path names nothing. */
  target?: Target | null;
}

/** The operation's target, resolved once and cached on the operation; null when the path names nothing. @internal */
export function targetOf(type: ResourceType, op: ResolvedOperation): Target | null {
  if (op.target !== undefined || !op.path) return op.target ?? null;
  try {
    op.target = resolveTarget(type, op.path, op.pathText ?? '');
  } catch {
    op.target = null;
  }
  return op.target;
}

/** A path naming a whole extension (`urn:…:enterprise:2.0:User`). */
export interface ExtensionTarget {
  /** Always `extension`. */
  kind: 'extension';
  /** The extension schema. */
  schema: SchemaDefinition;
}

/** A path naming an attribute, maybe through a value filter and a sub-attribute. */
export interface AttributeTarget {
  /** Always `attribute`. */
  kind: 'attribute';
  /** The attribute (and sub-attribute, for `name.givenName`). */
  attr: ResolvedAttribute;
  /** The value filter of `attr[filter]`. */
  filter?: Filter;
  /** The sub-attribute after the filter: `emails[type eq "work"].value`. */
  sub?: AttributeDefinition;
}

/** A resolved PATCH target. */
export type Target = ExtensionTarget | AttributeTarget;

/** Resolves a parsed path against a type; unknown names are 400 invalidPath. @internal */
export function resolveTarget(type: ResourceType, path: PatchPath, text: string): Target {
  const { attr } = path;
  if (attr.uri !== undefined && attr.sub === undefined && !path.filter) {
    const ext = type.extension(`${attr.uri}:${attr.name}`);
    if (ext) return { kind: 'extension', schema: ext };
  }
  const r = type.resolve(attr.uri, attr.name, attr.sub);
  if (!r) throw ScimError.invalidPath(`path ${JSON.stringify(text)} names no attribute of ${type.name}`);
  if (!path.filter) return { kind: 'attribute', attr: r };
  if (r.attribute.type !== 'complex') throw ScimError.invalidPath(`path ${JSON.stringify(text)}: ${r.path} is not complex and takes no value filter`);
  const out: Target = { kind: 'attribute', attr: r, filter: path.filter };
  if (path.sub !== undefined) {
    const sub = subAttribute(r.attribute, path.sub);
    if (!sub) throw ScimError.invalidPath(`path ${JSON.stringify(text)}: ${r.attribute.name} has no sub-attribute ${path.sub}`);
    out.sub = sub;
  }
  return out;
}

/** Parses an operation's path, keeping the text for messages. */
export function withParsedPath(op: { op: string; path?: string; value?: unknown }, paths?: PathCache): ResolvedOperation {
  // one shape for every operation: quirks rewrite these per-request objects in place
  return {
    op: op.op,
    path: op.path === undefined ? undefined : paths ? paths.parse(op.path) : parsePath(op.path),
    pathText: op.path,
    value: op.value,
    target: undefined,
  };
}

/** A new operation in the same shape as every parsed operation. */
export function operation(op: string, path: PatchPath | undefined, pathText: string | undefined, value: unknown, target?: Target | null): ResolvedOperation {
  return { op, path, pathText, value, target };
}

/**
 * Rewrites an operation's value attribute by attribute: `visit(def, value)` is called
 * for each top-level target the value holds (each key of a path-less object, each
 * attribute of an extension object, or the one target of a path).
 */
export function mapTargetValues(type: ResourceType, op: ResolvedOperation, visit: (def: AttributeDefinition, value: unknown) => unknown): unknown {
  const value = op.value;
  const mapObject = (obj: Record<string, unknown>, lookup: (k: string) => AttributeDefinition | undefined) => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(obj)) {
      const ext = type.extension(k);
      if (ext && isObject(obj[k]))
        setOwn(
          out,
          k,
          mapObject(obj[k] as Record<string, unknown>, (n) => type.extensionAttribute(ext.id, n)),
        );
      else {
        const def = lookup(k);
        setOwn(out, k, def ? visit(def, obj[k]) : obj[k]);
      }
    }
    return out;
  };
  if (!op.path) return isObject(value) ? mapObject(value, (k) => type.coreAttribute(k)) : value;
  const target = targetOf(type, op);
  if (!target) return value; // the engine reports the bad path
  if (target.kind === 'extension') return isObject(value) ? mapObject(value, (k) => type.extensionAttribute(target.schema.id, k)) : value;
  if (target.sub) return visit(target.sub, value);
  if (target.filter) return visit({ ...target.attr.attribute, multiValued: false }, value);
  return visit(target.attr.target, value);
}
