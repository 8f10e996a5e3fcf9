/**
 * The `scimkit` command: `npx scimkit token` prints a new bearer token and the hash
 * `bearerTokens` stores for it.
 * @module
 */
import { generateToken, hashToken } from 'scimkit';

const USAGE = `usage: scimkit <command>

commands:
  token [--json]   a new bearer token for an IdP, and the hash to store for it (bearerTokens)
`;

/** Runs the command line `args` (without node and the script); the exit code. */
export function main(
  args: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): number {
  const [command, ...rest] = args;
  if (command === 'token') {
    const token = generateToken();
    const hash = hashToken(token);
    if (rest.includes('--json')) out(`${JSON.stringify({ token, tokenHash: hash })}\n`);
    else
      out(
        `token: ${token}\nhash:  ${hash}\n\nGive the token to the IdP (shown once); store only the hash: bearerTokens([{ tenant, tokenHash: '${hash}' }]).\n`,
      );
    return 0;
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  err(`scimkit: unknown command ${JSON.stringify(command)}\n${USAGE}`);
  return 2;
}
