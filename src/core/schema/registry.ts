/**
 * The schema registry: resource types with their core schema and extensions,
 * and attribute-name resolution (case-insensitive, URN-aware) against them.
 * @module
 */
import { type AttributeDefinition, type AttributeInput, defineAttribute, type SchemaDefinition } from './attribute.js';
import { COMMON_ATTRIBUTES, SCHEMAS_ATTRIBUTE } from './builtin/common.js';
import { ENTERPRISE_USER_SCHEMA_ID, EnterpriseUserSchema } from './builtin/enterprise-user.js';
import { GROUP_SCHEMA_ID, GroupSchema } from './builtin/group.js';
import { USER_SCHEMA_ID, UserSchema } from './builtin/user.js';

/** A resource type as configured (the shape `/ResourceTypes` serves, RFC 7643 §6). */
export interface ResourceTypeInput {
  /** The name, e.g. `User`; also the `meta.resourceType` value. */
  name: string;
  /** The endpoint relative to the base URL, e.g. `/Users`. */
  endpoint: string;
  /** A human description. */
  description?: string;
  /** The URN of the core schema. */
  schema: string;
  /** The extension schemas and whether each is required. */
  schemaExtensions?: SchemaExtensionInput[];
  /**
   * Top-level attributes that must be unique per tenant beyond those marked
   * `uniqueness: server` (e.g. `['displayName']` for groups).
   */
  unique?: string[];
}

/** An extension of a resource type as configured. */
export interface SchemaExtensionInput {
  /** The extension's schema URN. */
  schema: string;
  /** Whether every resource must carry it (default false). */
  required?: boolean;
}

/** An extension of a resource type, resolved. */
export interface SchemaExtension {
  /** The extension's schema. */
  schema: SchemaDefinition;
  /** Whether every resource must carry it. */
  required: boolean;
}

/** The parts of an attribute path: `[uri ":"] name ["." sub]`. */
export interface AttributePathParts {
  /** The schema URN, when the path was qualified. */
  uri?: string;
  /** The top-level attribute name. */
  name: string;
  /** The sub-attribute name. */
  sub?: string;
}

/** An attribute found by name: its definition, the schema that owns it, and where it lives in a resource. */
export interface ResolvedAttribute {
  /** URN of the schema that defines the attribute (the core schema for `id`, `externalId`, `meta`). */
  schema: string;
  /** Whether it lives under the extension's URN key in a resource. */
  extension: boolean;
  /** The top-level attribute. */
  attribute: AttributeDefinition;
  /** The sub-attribute, when one was named. */
  sub?: AttributeDefinition;
  /** The definition that values compare against: `sub` when present, else `attribute`. */
  target: AttributeDefinition;
  /** The canonical path, e.g. `name.givenName` or `urn:…:User:manager.value`. */
  path: string;
}

/** Names → definitions, under the canonical spelling and the lower-cased one: canonical input (the usual case) skips toLowerCase. */
function lowerMap(attrs: readonly AttributeDefinition[]): Map<string, AttributeDefinition> {
  const m = new Map<string, AttributeDefinition>();
  for (const a of attrs) {
    m.set(a.name.toLowerCase(), a);
    m.set(a.name, a);
  }
  return m;
}

function lookup(m: Map<string, AttributeDefinition> | undefined, name: string): AttributeDefinition | undefined {
  return m?.get(name) ?? m?.get(name.toLowerCase());
}

const subMaps = new WeakMap<AttributeDefinition, Map<string, AttributeDefinition>>();

/** Finds a sub-attribute of a complex attribute by name, case-insensitively. */
export function subAttribute(parent: AttributeDefinition, name: string): AttributeDefinition | undefined {
  if (!parent.subAttributes) return undefined;
  let map = subMaps.get(parent);
  if (!map) {
    map = lowerMap(parent.subAttributes);
    subMaps.set(parent, map);
  }
  return lookup(map, name);
}

/** A resource type with its schemas, resolved and indexed for name look-ups. */
export class ResourceType {
  /** The name, e.g. `User`. */
  readonly name: string;
  /** The endpoint, e.g. `/Users`. */
  readonly endpoint: string;
  /** A human description. */
  readonly description: string;
  /** The core schema. */
  readonly schema: SchemaDefinition;
  /** The extension schemas. */
  readonly extensions: readonly SchemaExtension[];
  /** Top-level attributes (core or common) whose values are unique per tenant. */
  readonly uniqueAttributes: readonly string[];
  readonly #core: Map<string, AttributeDefinition>;
  readonly #extensions: Map<string, { schema: SchemaDefinition; attrs: Map<string, AttributeDefinition> }>;

  /** Builds a resource type; use {@link SchemaRegistry.addResourceType}. */
  constructor(input: ResourceTypeInput, schema: SchemaDefinition, extensions: SchemaExtension[]) {
    this.name = input.name;
    this.endpoint = input.endpoint.startsWith('/') ? input.endpoint : `/${input.endpoint}`;
    this.description = input.description ?? input.name;
    this.schema = schema;
    this.extensions = extensions;
    this.#core = lowerMap([...COMMON_ATTRIBUTES, ...schema.attributes]);
    this.#extensions = new Map();
    for (const e of extensions) {
      const entry = { schema: e.schema, attrs: lowerMap(e.schema.attributes) };
      this.#extensions.set(e.schema.id.toLowerCase(), entry);
      this.#extensions.set(e.schema.id, entry);
    }
    const unique = new Set<string>(['externalId']);
    for (const a of schema.attributes) if (a.uniqueness !== 'none') unique.add(a.name);
    for (const name of input.unique ?? []) {
      const def = this.#core.get(name.toLowerCase());
      if (!def || def.multiValued || def.type === 'complex') throw new TypeError(`unique: ${name} is not a single-valued simple attribute of ${input.name}`);
      unique.add(def.name);
    }
    this.uniqueAttributes = [...unique];
  }

  /** All schema URNs of this type: the core schema first. */
  get schemaIds(): string[] {
    return [this.schema.id, ...this.extensions.map((e) => e.schema.id)];
  }

  /** The extension schema with this URN (case-insensitive), if the type has it. */
  extension(urn: string): SchemaDefinition | undefined {
    return (this.#extensions.get(urn) ?? this.#extensions.get(urn.toLowerCase()))?.schema;
  }

  /** A top-level core or common attribute by name, case-insensitively. */
  coreAttribute(name: string): AttributeDefinition | undefined {
    return lookup(this.#core, name);
  }

  /** A top-level attribute of an extension, case-insensitively. */
  extensionAttribute(urn: string, name: string): AttributeDefinition | undefined {
    return lookup((this.#extensions.get(urn) ?? this.#extensions.get(urn.toLowerCase()))?.attrs, name);
  }

  /**
   * Resolves an attribute by its parts: an optional schema URN, a name and an optional sub-attribute name.
   * Without a URN, the core schema is searched first, then each extension in order.
   */
  resolve(uri: string | undefined, name: string, sub?: string): ResolvedAttribute | undefined {
    let schemaId: string;
    let attribute: AttributeDefinition | undefined;
    let extension = false;
    if (uri !== undefined) {
      const lower = uri.toLowerCase();
      if (lower === this.schema.id.toLowerCase()) {
        schemaId = this.schema.id;
        attribute = lookup(this.#core, name);
      } else {
        const ext = this.#extensions.get(lower);
        if (!ext) return undefined;
        schemaId = ext.schema.id;
        attribute = lookup(ext.attrs, name);
        extension = true;
      }
    } else {
      schemaId = this.schema.id;
      attribute = lookup(this.#core, name) ?? (name.toLowerCase() === 'schemas' ? SCHEMAS_ATTRIBUTE : undefined);
      if (!attribute) {
        for (const e of this.extensions) {
          const ext = this.#extensions.get(e.schema.id)!;
          attribute = lookup(ext.attrs, name);
          if (attribute) {
            schemaId = ext.schema.id;
            extension = true;
            break;
          }
        }
      }
    }
    if (!attribute) return undefined;
    let subDef: AttributeDefinition | undefined;
    if (sub !== undefined) {
      subDef = subAttribute(attribute, sub);
      if (!subDef) return undefined;
    }
    const local = subDef ? `${attribute.name}.${subDef.name}` : attribute.name;
    const resolved: ResolvedAttribute = {
      schema: schemaId,
      extension,
      attribute,
      target: subDef ?? attribute,
      path: extension ? `${schemaId}:${local}` : local,
    };
    if (subDef) resolved.sub = subDef;
    return resolved;
  }

  /**
   * Resolves a dotted attribute path as written in a filter, sort or `attributes` list:
   * `userName`, `name.givenName`, `urn:…:User:name.givenName`, `urn:…:enterprise:2.0:User:manager.value`.
   */
  resolvePath(text: string): ResolvedAttribute | undefined {
    const parts = splitAttributePath(text);
    return parts && this.resolve(parts.uri, parts.name, parts.sub);
  }
}

/** Splits `[URI ":"] name ["." sub]` into its parts; undefined when it does not have that shape. @internal */
export function splitAttributePath(text: string): AttributePathParts | undefined {
  const colon = text.lastIndexOf(':');
  const uri = colon >= 0 ? text.slice(0, colon) : undefined;
  const local = colon >= 0 ? text.slice(colon + 1) : text;
  const dot = local.indexOf('.');
  const name = dot >= 0 ? local.slice(0, dot) : local;
  const sub = dot >= 0 ? local.slice(dot + 1) : undefined;
  if (!ATTR_NAME.test(name) || (sub !== undefined && !ATTR_NAME.test(sub))) return undefined;
  const out: AttributePathParts = { name };
  if (uri !== undefined) out.uri = uri;
  if (sub !== undefined) out.sub = sub;
  return out;
}

/** ATTRNAME of RFC 7644 §3.10 (plus `$ref`). */
const ATTR_NAME = /^(?:\$ref|[A-Za-z][\w-]*)$/;

const TYPES = new Set(['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary', 'complex']);

function checkAttribute(a: AttributeInput, where: string): void {
  if (typeof a !== 'object' || a === null || typeof a.name !== 'string' || !ATTR_NAME.test(a.name))
    throw new TypeError(`${where}: attribute without a valid name`);
  if (a.type !== undefined && !TYPES.has(a.type)) throw new TypeError(`${where}.${a.name}: unknown type ${String(a.type)}`);
  for (const s of a.subAttributes ?? []) checkAttribute(s, `${where}.${a.name}`);
}

/** Holds schemas and resource types. One per server: registries are never global. */
export class SchemaRegistry {
  readonly #schemas = new Map<string, SchemaDefinition>();
  readonly #types = new Map<string, ResourceType>();

  /**
   * A registry; with `defaults` (the default) it holds User (with the Enterprise User extension) and Group.
   * `uniqueGroupDisplayName` makes group `displayName` unique per tenant (Entra ID matches groups by it).
   */
  constructor(options: { defaults?: boolean; uniqueGroupDisplayName?: boolean } = {}) {
    if (options.defaults === false) return;
    this.addSchema(UserSchema);
    // the rule is said in /Schemas too: a client (Entra ID, `scimkit check`) reads uniqueness there
    this.addSchema(
      options.uniqueGroupDisplayName
        ? { ...GroupSchema, attributes: GroupSchema.attributes.map((a) => (a.name === 'displayName' ? { ...a, uniqueness: 'server' as const } : a)) }
        : GroupSchema,
    );
    this.addSchema(EnterpriseUserSchema);
    this.addResourceType({
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: USER_SCHEMA_ID,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA_ID, required: false }],
    });
    this.addResourceType({
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: GROUP_SCHEMA_ID,
    });
  }

  /** Adds a schema, given in the JSON shape `/Schemas` serves; missing characteristics take the RFC defaults. */
  addSchema(input: { id: string; name?: string; description?: string; attributes: AttributeInput[] }): SchemaDefinition {
    if (typeof input?.id !== 'string' || !input.id.includes(':')) throw new TypeError('schema: id must be a URN');
    if (!Array.isArray(input.attributes)) throw new TypeError(`schema ${input.id}: attributes must be an array`);
    for (const a of input.attributes) checkAttribute(a, input.id);
    const def: SchemaDefinition = {
      id: input.id,
      name: input.name ?? input.id.slice(input.id.lastIndexOf(':') + 1),
      attributes: input.attributes.map(defineAttribute),
    };
    if (input.description !== undefined) def.description = input.description;
    this.#schemas.set(input.id.toLowerCase(), def);
    return def;
  }

  /** Adds a resource type; its schemas must be added first. */
  addResourceType(input: ResourceTypeInput): ResourceType {
    const core = this.schema(input.schema);
    if (!core) throw new TypeError(`resource type ${input.name}: unknown schema ${input.schema}`);
    const extensions = (input.schemaExtensions ?? []).map((e) => {
      const schema = this.schema(e.schema);
      if (!schema) throw new TypeError(`resource type ${input.name}: unknown extension ${e.schema}`);
      return { schema, required: e.required ?? false };
    });
    const type = new ResourceType(input, core, extensions);
    this.#types.set(type.name.toLowerCase(), type);
    return type;
  }

  /** A schema by URN, case-insensitively. */
  schema(urn: string): SchemaDefinition | undefined {
    return this.#schemas.get(urn.toLowerCase());
  }

  /** Every schema. */
  schemas(): SchemaDefinition[] {
    return [...this.#schemas.values()];
  }

  /** A resource type by name, case-insensitively. */
  resourceType(name: string): ResourceType | undefined {
    return this.#types.get(name.toLowerCase());
  }

  /** A resource type by its endpoint segment (`Users` or `/Users`), case-insensitively. */
  byEndpoint(segment: string): ResourceType | undefined {
    const wanted = (segment.startsWith('/') ? segment : `/${segment}`).toLowerCase();
    for (const t of this.#types.values()) if (t.endpoint.toLowerCase() === wanted) return t;
    return undefined;
  }

  /** Every resource type. */
  resourceTypes(): ResourceType[] {
    return [...this.#types.values()];
  }
}
