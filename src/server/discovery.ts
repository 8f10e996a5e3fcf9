/**
 * /ServiceProviderConfig, /ResourceTypes and /Schemas, generated from the registry and
 * the features that are on: the server advertises exactly what works.
 * @module
 */
import { ScimError } from '../core/errors.js';
import type { SchemaDefinition } from '../core/schema/attribute.js';
import {
  RESOURCE_TYPE_SCHEMA_ID,
  ResourceTypeSchema,
  SCHEMA_SCHEMA_ID,
  SchemaSchema,
  SERVICE_PROVIDER_CONFIG_SCHEMA_ID,
  ServiceProviderConfigSchema,
} from '../core/schema/builtin/discovery.js';
import type { ResourceType } from '../core/schema/registry.js';
import type { Engine, RequestScope } from './engine.js';
import { LIST_RESPONSE_SCHEMA } from './list.js';

/** The ServiceProviderConfig document (RFC 7643 §5, with RFC 9865's pagination). */
export function serviceProviderConfig(engine: Engine, scope: RequestScope): Record<string, unknown> {
  const l = engine.limits;
  const out: Record<string, unknown> = {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA_ID],
    patch: { supported: true },
    bulk: {
      supported: engine.features.bulk,
      maxOperations: engine.features.bulk ? l.maxBulkOperations : 0,
      maxPayloadSize: engine.features.bulk ? l.maxBodyBytes : 0,
    },
    filter: { supported: true, maxResults: l.maxResults },
    changePassword: { supported: engine.hooks.setPassword !== undefined },
    sort: { supported: engine.features.sort },
    etag: { supported: engine.features.etag },
    pagination: {
      cursor: engine.features.cursor,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: l.defaultPageSize,
      maxPageSize: l.maxResults,
      ...(engine.features.cursor ? { cursorTimeout: l.cursorTimeout } : {}),
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with a bearer token (the secret token of the SCIM connection)',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${scope.base}/ServiceProviderConfig` },
  };
  if (engine.documentationUri) out.documentationUri = engine.documentationUri;
  return out;
}

function resourceTypeDoc(scope: RequestScope, t: ResourceType): Record<string, unknown> {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA_ID],
    id: t.name,
    name: t.name,
    endpoint: t.endpoint,
    description: t.description,
    schema: t.schema.id,
    schemaExtensions: t.extensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${scope.base}/ResourceTypes/${t.name}` },
  };
}

function schemaDoc(scope: RequestScope, s: SchemaDefinition): Record<string, unknown> {
  return { schemas: [SCHEMA_SCHEMA_ID], ...s, meta: { resourceType: 'Schema', location: `${scope.base}/Schemas/${s.id}` } };
}

function list(resources: Record<string, unknown>[]): Record<string, unknown> {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources };
}

/** GET /ResourceTypes or /ResourceTypes/{name}. */
export function resourceTypes(engine: Engine, scope: RequestScope, name: string | undefined): Record<string, unknown> {
  if (name === undefined) return list(engine.registry.resourceTypes().map((t) => resourceTypeDoc(scope, t)));
  const t = engine.registry.resourceType(name);
  if (!t) throw ScimError.notFound(`ResourceType ${JSON.stringify(name.slice(0, 60))} not found`);
  return resourceTypeDoc(scope, t);
}

/** GET /Schemas or /Schemas/{urn}: the registry's schemas and the discovery schemas. */
export function schemas(engine: Engine, scope: RequestScope, urn: string | undefined): Record<string, unknown> {
  const all = [...engine.registry.schemas(), ServiceProviderConfigSchema, ResourceTypeSchema, SchemaSchema];
  if (urn === undefined) return list(all.map((s) => schemaDoc(scope, s)));
  const s = all.find((x) => x.id.toLowerCase() === urn.toLowerCase());
  if (!s) throw ScimError.notFound(`Schema ${JSON.stringify(urn.slice(0, 100))} not found`);
  return schemaDoc(scope, s);
}
