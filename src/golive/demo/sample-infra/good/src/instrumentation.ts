// Next.js の起動フック: サーバー起動時に一度だけ環境変数を検証する。
export async function register(): Promise<void> {
  await import("./lib/env-validation");
}
