/**
 * sessions テーブルの結合テスト: マイグレーションを適用したデータベースで、
 * RLS が本人のセッションだけを見せること、期限切れの削除が service_role でできることを確認する。
 * psql を使う (CI の runner とローカルの docker compose の db の両方にある)。
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  throw new Error("DATABASE_URL must point at a database with the migrations applied");
}

function sql(statement: string): string {
  return execFileSync("psql", [databaseUrl as string, "-v", "ON_ERROR_STOP=1", "-tAqc", statement], {
    encoding: "utf8",
  }).trim();
}

function asUser(userId: string, statement: string): string {
  return sql(
    `begin; set local role authenticated; ` +
      `select set_config('request.jwt.claims', '{"sub":"${userId}","role":"authenticated"}', true); ` +
      `${statement}; commit;`,
  );
}

const alice = randomUUID();
const bob = randomUUID();

beforeAll(() => {
  for (const id of [alice, bob]) {
    sql(`insert into auth.users (id, email) values ('${id}', '${id}@example.test')`);
  }
  sql(`insert into public.sessions (user_id, expires_at) values
       ('${alice}', now() + interval '1 day'),
       ('${bob}', now() + interval '1 day'),
       ('${bob}', now() - interval '1 day')`);
});

afterAll(() => {
  sql(`delete from auth.users where id in ('${alice}', '${bob}')`);
});

describe("sessions", () => {
  it("shows a user only their own sessions", () => {
    const seen = asUser(alice, "select count(*) from public.sessions").split("\n").pop();
    expect(seen).toBe("1");
  });

  it("lets service_role delete expired sessions", () => {
    const deleted = sql(
      `with gone as (delete from public.sessions where user_id = '${bob}' and expires_at < now() returning 1) ` +
        `select count(*) from gone`,
    );
    expect(deleted).toBe("1");
  });
});
