// The page's module rule (www/js/module-rule.js) against every row of the table the Rust rule
// is tested against too (tests/fixtures/module-rule.json). Run: node tests/js/module-rule.mjs
import { readFile } from "node:fs/promises";
import { moduleFor } from "../../www/js/module-rule.js";

const table = JSON.parse(await readFile(new URL("../fixtures/module-rule.json", import.meta.url), "utf8"));
let failures = 0;
for (const row of table.rows) {
  const got = moduleFor(row.backend, row.adapter, row.any);
  if (got !== row.module) {
    failures++;
    console.log(`FAIL backend=${row.backend} adapter=${row.adapter} any=${row.any}: ${got}, the table says ${row.module}`);
  }
}
console.log(`module rule: ${table.rows.length - failures} of ${table.rows.length} rows agree with the table`);
process.exit(failures === 0 && table.rows.length >= 20 ? 0 : 1);
