// The token of a data folder: `npm start` makes it at the first start and keeps only its hash,
// in the same embedded database as the SCIM data, so the token pasted into the IdP keeps
// working across restarts and goes away with the data. The secret is printed once, when it is
// made; `npm start -- --new-token` makes another and the old one stops working.
import type { PGlite } from '@electric-sql/pglite';
import { generateToken, hashToken } from 'scimkit';

/** The data folder's token as this start has it. */
export interface DataToken {
  /** {@link hashToken} of the secret: what is stored and what requests are checked against. */
  tokenHash: string;
  /** When the token was made. */
  madeAt: Date;
  /** The secret, only when it was made by this start (it is never stored). */
  secret?: string;
}

/**
 * The token kept with the data in `db`: the stored one, or a new one when there is none yet
 * or `renew` asks for it (replacing the stored hash, so the old token is refused).
 */
export async function dataToken(db: PGlite, renew: boolean): Promise<DataToken> {
  // one row at most: the key can only be true
  await db.query(
    'CREATE TABLE IF NOT EXISTS app_scim_token (one boolean PRIMARY KEY DEFAULT true CHECK (one), token_hash text NOT NULL, made_at timestamptz NOT NULL DEFAULT now())',
  );
  if (!renew) {
    const { rows } = await db.query<{ token_hash: string; made_at: Date }>('SELECT token_hash, made_at FROM app_scim_token');
    if (rows[0]) return { tokenHash: rows[0].token_hash, madeAt: new Date(rows[0].made_at) };
  }
  const secret = generateToken();
  const tokenHash = hashToken(secret);
  const { rows } = await db.query<{ made_at: Date }>(
    `INSERT INTO app_scim_token (token_hash) VALUES ($1)
     ON CONFLICT (one) DO UPDATE SET token_hash = EXCLUDED.token_hash, made_at = now() RETURNING made_at`,
    [tokenHash],
  );
  return { tokenHash, madeAt: new Date(rows[0]!.made_at), secret };
}
