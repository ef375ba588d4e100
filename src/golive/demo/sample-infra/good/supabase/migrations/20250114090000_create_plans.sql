-- 料金プラン (参照データ)。中身は seed.sql が入れる。ログイン済みの利用者だけが読める。
create table if not exists public.plans (
  id           text primary key,
  name         text not null,
  max_projects integer not null check (max_projects > 0),
  price_jpy    integer not null default 0 check (price_jpy >= 0)
);

alter table public.plans enable row level security;

create policy plans_select_authenticated on public.plans
  for select to authenticated using (true);
