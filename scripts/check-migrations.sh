#!/usr/bin/env bash
# Fails when src/db/schema differs from the committed migrations: drizzle-kit generates into a
# scratch copy of the migrations folder, and any change there is drift.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=node_modules/.cache/porchlight-migration-check # drizzle-kit wants a relative path
rm -rf "$scratch" && mkdir -p "$scratch"
trap 'rm -rf "$scratch"' EXIT
cp -r src/db/migrations/. "$scratch/"
if ! out=$(npx drizzle-kit generate --dialect=postgresql --schema=src/db/schema/index.ts --out="$scratch" 2>&1) ||
  grep -qiE 'error|ENOENT' <<<"$out"; then
  echo "$out"
  echo "drizzle-kit generate failed"
  exit 1
fi
if ! diff -rq src/db/migrations "$scratch" >/dev/null; then
  echo "Migration drift: src/db/schema has changes with no migration. Run 'npm run db:generate', read the SQL, commit it."
  diff -r src/db/migrations "$scratch" | head -40 || true
  exit 1
fi
echo "migrations match the schema"
