/**
 * The cost of a filter: the one model every store is held to (docs/filters.md, "Cost").
 *
 * A filter costs what testing one resource against it takes, in units of one comparison of
 * one value: each comparison costs 1, `co`, `sw` and `ew` 2 (a substring search, which no
 * index answers), and a comparison that reaches a multi-valued attribute (`emails.value`,
 * `groups.value`, the terms of `emails[…]`) 4 times as much, for the values it walks; `and`,
 * `or` and `not` add up their operands, as a resource that matches none of an `or` chain's
 * terms is tested with every one. The work of a search is that cost times the resources it
 * tests. The engine checks the cost before any store is asked (`ScimLimits.maxFilterCost`);
 * a store that scans counts the work as it goes (`SearchQuery.maxFilterWork`).
 * @module
 */
import { ScimError } from '../errors.js';
import type { AttributeDefinition } from '../schema/attribute.js';
import { type ResourceType, subAttribute } from '../schema/registry.js';
import type { AttrPath, Filter } from './ast.js';

/** One comparison of one value. */
const COMPARISON = 1;
/** `co`, `sw`, `ew`: a search through the value, never answered by an index. */
const SUBSTRING = 2;
/** A multi-valued attribute: its values are walked, a few per resource (and as many as 1,000). */
const MULTI_VALUED = 4;

/** Whether the attribute a path names (in a type, or inside a value filter of `parent`) is multi-valued. */
type Multiplicity = (path: AttrPath) => boolean;

function costOf(f: Filter, multi: Multiplicity, elementOf: (path: AttrPath) => AttributeDefinition | undefined): number {
  switch (f.op) {
    case 'and':
    case 'or': {
      let sum = 0;
      for (const x of f.filters) sum += costOf(x, multi, elementOf);
      return sum;
    }
    case 'not':
      return costOf(f.filter, multi, elementOf);
    case 'valuePath': {
      const parent = elementOf(f.attr);
      // the inner terms name sub-attributes of one value: weighed once, then for every value walked
      const inner = costOf(f.filter, parent ? elementMultiplicity(parent) : () => false, () => undefined);
      return inner * (multi(f.attr) ? MULTI_VALUED : 1);
    }
    default: {
      const substring = f.op === 'co' || f.op === 'sw' || f.op === 'ew';
      return (substring ? SUBSTRING : COMPARISON) * (multi(f.attr) ? MULTI_VALUED : 1);
    }
  }
}

/** Inside `parent[…]`: a sub-attribute, multi-valued only when its definition says so. */
function elementMultiplicity(parent: AttributeDefinition): Multiplicity {
  return (path) => path.uri === undefined && subAttribute(parent, path.name)?.multiValued === true;
}

const byType = new WeakMap<Filter, Map<ResourceType, number>>();

/**
 * What testing one resource of `type` against `filter` costs (see the module's model):
 * `userName eq "a"` 1, `title co "a"` 2, `emails[type eq "work" and value co "@x"]` 12, an
 * `or` chain of 290 `emails[value co …]` terms 2,320. An attribute no schema defines costs
 * like any other comparison. Kept per (parsed, immutable) filter and type.
 */
export function filterCost(filter: Filter, type: ResourceType): number {
  let m = byType.get(filter);
  let cost = m?.get(type);
  if (cost === undefined) {
    cost = costOf(
      filter,
      (path) => type.resolve(path.uri, path.name, path.sub)?.attribute.multiValued === true,
      (path) => type.resolve(path.uri, path.name, path.sub)?.attribute,
    );
    if (!m) byType.set(filter, (m = new Map()));
    m.set(type, cost);
  }
  return cost;
}

/**
 * What testing one value of the complex attribute `attribute` against a PATCH path's value
 * filter (`emails[type eq "work"]`) costs: its terms, as {@link filterCost} weighs them.
 */
export function valueFilterCost(filter: Filter, attribute: AttributeDefinition): number {
  return costOf(filter, elementMultiplicity(attribute), () => undefined);
}

/** The 400 of a filter whose cost per resource is over `max`; the limit's name is for the server log only. @internal */
export function filterCostError(cost: number, max: number): ScimError {
  // one error, hint and all: a refusal a client may repeat in a loop should cost little (withHint makes a second)
  return new ScimError(400, `the filter costs ${cost}, over this server's budget of ${max}; use fewer or more selective terms`, 'invalidFilter', [], {
    hint: `a filter's cost per resource is bounded by limits.maxFilterCost (${max}); docs/filters.md, "Cost"`,
  });
}

/** Throws the 400 of {@link filterCostError} when `filter` costs more than `max` per resource of `type`. @internal */
export function checkFilterCost(filter: Filter, type: ResourceType, max: number): void {
  const cost = filterCost(filter, type);
  if (cost > max) throw filterCostError(cost, max);
}

/**
 * The 400 a store answers when a search's filter work, `cost` per resource over `tested`
 * resources, is past `max` (`SearchQuery.maxFilterWork`): a store that scans counts the work
 * as it goes, and refuses before it scans when it knows how many resources it would test.
 */
export function filterWorkError(cost: number, tested: number, max: number): ScimError {
  return ScimError.invalidFilter(
    `the filter costs ${cost * tested} over the ${tested} resources it tests (${cost} each), over this server's budget of ${max}; use fewer or more selective terms`,
  ).withHint(`the work of a search (resources tested × the filter's cost) is bounded by limits.maxFilterWork (${max}); docs/filters.md, "Cost"`);
}
