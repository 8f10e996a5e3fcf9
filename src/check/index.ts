/**
 * `scimkit/check`: the conformance checker behind `npx scimkit check`, as a library. It talks
 * HTTP to any SCIM 2.0 server, so a host's own test suite can run the catalogue against its
 * whole server (the contract kit, `scimkit/testing`, checks the store alone).
 * @packageDocumentation
 * @module scimkit/check
 */
export type { Capabilities, Feature } from './capabilities.js';
export { CATALOGUE } from './catalogue/index.js';
export type { Exchange, ReceivedResponse, SentRequest } from './exchange.js';
export type { CheckResponse, FetchFunction, SendOptions } from './http.js';
export { reportJUnit } from './reporters/junit.js';
export { reportText, resultText, summaryText, type TextReportOptions } from './reporters/text.js';
export { type CheckOptions, type CheckProgress, type CheckReport, type CheckResult, type CheckStatus, runChecks, selectScenarios } from './runner.js';
export { type CheckContext, CheckFailure, CheckSkip, type Created, type Scenario, type ScenarioGroup } from './scenario.js';
