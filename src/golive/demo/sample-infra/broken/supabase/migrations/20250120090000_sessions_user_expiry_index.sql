-- 利用者ごとの期限切れセッション検索を速くする。
create index if not exists sessions_user_expires_idx on public.sessions (user_id, expires);
