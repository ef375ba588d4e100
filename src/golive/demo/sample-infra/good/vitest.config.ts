import { fileURLToPath } from "node:url";

import { defineConfig } from "vitest/config";

// ユニットテスト: src 配下の *.test.ts。結合テスト (tests/integration) は
// vitest.integration.config.ts で別に実行する (データベースが必要なため)。
export default defineConfig({
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
