/**
 * deployment-config.ts — デプロイ先の型付き設定。
 *
 * アプリとデプロイスクリプト (scripts/deploy.sh, GitHub Actions) が参照する唯一の定義。
 * vercel.json (framework / regions / コマンド) と build-settings.json (環境・ブランチ・ドメイン)
 * と一致させること。golive の platform.deployment-config-ts がずれを検出する。
 */

export type DeploymentEnvironment = "production" | "staging" | "development";

export interface EnvironmentTarget {
  /** Vercel のターゲット (staging は preview 扱い) */
  vercelTarget: "production" | "preview" | "development";
  /** 自動デプロイするブランチ (development はローカルのみ) */
  gitBranch: string | null;
  domain: string;
}

export interface DeploymentConfig {
  project: string;
  framework: "nextjs";
  regions: readonly string[];
  installCommand: string;
  buildCommand: string;
  outputDirectory: string;
  healthCheck: { path: string; timeoutMs: number; retries: number };
  rollback: { strategy: "instant-rollback" | "redeploy"; maxDurationMinutes: number };
  environments: Record<DeploymentEnvironment, EnvironmentTarget>;
}

export const deploymentConfig = {
  project: "acme-web",
  framework: "nextjs",
  regions: ["iad1"], // TODO: 東京に戻す
  installCommand: "npm ci",
  buildCommand: "npm run build",
  outputDirectory: ".next",
  healthCheck: {
    path: "/api/healthz",
    timeoutMs: 5_000,
    retries: 3,
  },
  rollback: {
    strategy: "instant-rollback",
    maxDurationMinutes: 5,
  },
  environments: {
    production: {
      vercelTarget: "production",
      gitBranch: "main",
      domain: "app.example.com",
    },
    staging: {
      vercelTarget: "preview",
      gitBranch: "develop",
      domain: "staging.app.example.com",
    },
    development: {
      vercelTarget: "development",
      gitBranch: null,
      domain: "localhost:3000",
    },
  },
} as const satisfies DeploymentConfig;

export function currentEnvironment(): DeploymentEnvironment {
  const value = process.env.NEXT_PUBLIC_APP_ENV;
  if (value === "production" || value === "staging" || value === "development") {
    return value;
  }
  return "development";
}
