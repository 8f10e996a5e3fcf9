// The part of better-sqlite3 12's API bench/embedded.bench.ts uses. It is not a dependency
// (`npm install --no-save better-sqlite3@12` before that benchmark), so its types are declared here.
declare module 'better-sqlite3' {
  interface Statement {
    run(...params: unknown[]): unknown;
    get(...params: unknown[]): unknown;
    all(...params: unknown[]): unknown[];
  }
  interface Database {
    pragma(source: string): unknown;
    exec(source: string): void;
    prepare(source: string): Statement;
    transaction<F extends (...args: never[]) => unknown>(fn: F): F;
    close(): void;
  }
  const Database: new (file: string) => Database;
  export default Database;
}
