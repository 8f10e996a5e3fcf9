/**
 * The `scimkit` command: `npx scimkit check <base-url>` runs the conformance catalogue against a
 * SCIM server; `npx scimkit token` prints a new bearer token and the hash `bearerTokens` stores;
 * `npx scimkit connection …` manages the connections of a PostgreSQL database.
 * @module
 */
import { generateToken, hashToken } from 'scimkit';
import { type CommandIO, check } from './check.js';
import { connection } from './connection.js';

const USAGE = `usage: scimkit <command>

commands:
  check <base-url> --token <token>   run the conformance catalogue against a SCIM server (check --help)
  token [--json]   a new bearer token for an IdP, and the hash to store for it (bearerTokens)
  connection create|rotate|disable|enable|list   the connections at $DATABASE_URL (connection --help)
`;

/** Runs the command line `args` (without node and the script); the exit code. */
export async function main(
  args: readonly string[],
  io: CommandIO = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t), tty: process.stdout.isTTY, env: process.env },
): Promise<number> {
  const { out, err } = io;
  const [command, ...rest] = args;
  if (command === 'check') return check(rest, io);
  if (command === 'connection') return connection(rest, io);
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
