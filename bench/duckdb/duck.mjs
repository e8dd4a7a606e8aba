// bench/duckdb/duck.mjs: DuckDB as a peer of sluice in bench/run.sh (issue #16).
// Runs SQL statements in one DuckDB instance (@duckdb/node-api, pinned in
// package.json / package-lock.json beside this file; bench/lib.sh installs it
// with `npm ci` on first use) and prints the first column of the last
// statement's first row, so that a benchmark can check the row count it made.
//
// Usage: node bench/duckdb/duck.mjs DATABASE SQL [SQL...]
//   DATABASE  a DuckDB file (made if missing) or :memory:
//   SQL       statements run in order on one connection
// Environment: DUCK_THREADS=N sets DuckDB's worker threads (default: DuckDB's
// own choice, one per core). Exit status 1 with DuckDB's message on an error.
import { DuckDBInstance } from '@duckdb/node-api';

const [database, ...statements] = process.argv.slice(2);
if (!database || statements.length === 0) {
  console.error('usage: node duck.mjs DATABASE SQL [SQL...]');
  process.exit(2);
}
const config = process.env.DUCK_THREADS ? { threads: process.env.DUCK_THREADS } : {};
try {
  const instance = await DuckDBInstance.create(database, config);
  const connection = await instance.connect();
  let last = null;
  for (const sql of statements) last = await connection.runAndReadAll(sql);
  const rows = last ? last.getRows() : [];
  if (rows.length && rows[0].length) console.log(String(rows[0][0]));
  connection.closeSync();
  instance.closeSync();
} catch (e) {
  console.error(`duck.mjs: ${e.message}`);
  process.exit(1);
}
