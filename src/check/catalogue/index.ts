/**
 * The catalogue: every scenario, in the order they run (discovery first, hostile input last).
 * @module
 */
import type { Scenario } from '../scenario.js';
import { bulkScenarios } from './bulk.js';
import { discoveryScenarios } from './discovery.js';
import { errorScenarios } from './errors.js';
import { groupScenarios } from './groups.js';
import { queryScenarios } from './query.js';
import { userScenarios } from './users.js';
import { versioningScenarios } from './versioning.js';

/** Every scenario `scimkit check` runs, in order. */
export const CATALOGUE: readonly Scenario[] = [
  ...discoveryScenarios,
  ...userScenarios,
  ...groupScenarios,
  ...queryScenarios,
  ...versioningScenarios,
  ...bulkScenarios,
  ...errorScenarios,
];
