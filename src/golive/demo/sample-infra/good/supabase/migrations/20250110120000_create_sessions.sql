-- アプリのセッション。期限切れは /api/cron/cleanup-sessions (Vercel Cron) が毎日削除する。
create table if not exists public.sessions (
  id         uuid primary key default gen_random_uuid(),
  user_id    uuid not null references auth.users (id) on delete cascade,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index if not exists sessions_expires_at_idx on public.sessions (expires_at);

alter table public.sessions enable row level security;

-- 本人のセッションだけが見える。削除 (期限切れの掃除) は service_role が行う。
create policy sessions_select_own on public.sessions
  for select to authenticated using (user_id = auth.uid());
