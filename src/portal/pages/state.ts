/**
 * A connection's state as a pill: its words and tone, shared by the pages and the live status.
 * @module
 */
import type { Connection } from 'scimkit';
import type { PortalStrings } from '../strings.js';

/** The words and tone (`ok`, `bad`, `warn` or none) of a state. */
export function stateLabel(state: Connection['state'] | 'none', s: PortalStrings): { label: string; tone: string } {
  switch (state) {
    case 'active':
      return { label: s.stateActive, tone: 'ok' };
    case 'failing':
      return { label: s.stateFailing, tone: 'bad' };
    case 'disabled':
      return { label: s.stateDisabled, tone: 'warn' };
    case 'pending':
      return { label: s.statePending, tone: '' };
    default:
      return { label: s.stateNone, tone: '' };
  }
}
