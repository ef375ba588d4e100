import { fileURLToPath } from "node:url";

import { defineConfig } from "vitest/config";

// 結合テスト: マイグレーション適用済みの PostgreSQL (DATABASE_URL) に対して実行する。
// CI では integration-test.yml、ローカルでは docker compose の db に対して実行する。
export default defineConfig({
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  test: {
    include: ["tests/integration/**/*.test.ts"],
    environment: "node",
    // テスト同士が同じデータベースを使うため直列に実行する
    fileParallelism: false,
    testTimeout: 30_000,
  },
});
