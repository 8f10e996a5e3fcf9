/**
 * scimkit: a SCIM 2.0 service provider toolkit for Node.js.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './schema/attribute.js';
export * from './schema/builtin/common.js';
export * from './schema/builtin/discovery.js';
export * from './schema/builtin/enterprise-user.js';
export * from './schema/builtin/group.js';
export * from './schema/builtin/user.js';
export { CompiledSchemas, isDateTime } from './schema/json-schema.js';
export * from './schema/project.js';
export * from './schema/registry.js';
export * from './schema/resource.js';
export * from './schema/validate.js';
