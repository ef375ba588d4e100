-- Row-level security on every table of the API schema: the API roles see only what a
-- policy grants them. service_role bypasses RLS (BYPASSRLS) for back-office work.
ALTER TABLE public.profiles  ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.projects  ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.audit_log ENABLE ROW LEVEL SECURITY;

CREATE POLICY profiles_select_own ON public.profiles
    FOR SELECT TO authenticated USING (id = auth.uid());
CREATE POLICY profiles_update_own ON public.profiles
    FOR UPDATE TO authenticated USING (id = auth.uid()) WITH CHECK (id = auth.uid());

CREATE POLICY projects_select_public ON public.projects
    FOR SELECT TO anon, authenticated USING (visibility = 'public');
CREATE POLICY projects_select_own ON public.projects
    FOR SELECT TO authenticated USING (owner_id = auth.uid());
CREATE POLICY projects_insert_own ON public.projects
    FOR INSERT TO authenticated WITH CHECK (owner_id = auth.uid());
CREATE POLICY projects_update_own ON public.projects
    FOR UPDATE TO authenticated USING (owner_id = auth.uid()) WITH CHECK (owner_id = auth.uid());
CREATE POLICY projects_delete_own ON public.projects
    FOR DELETE TO authenticated USING (owner_id = auth.uid());

-- Users may append their own audit entries; nobody but service_role reads the log.
CREATE POLICY audit_log_insert_own ON public.audit_log
    FOR INSERT TO authenticated WITH CHECK (actor_id = auth.uid());
