-- "Temporary" debugging change that was never reverted: projects readable by anyone
-- holding the anon role, private projects included.
ALTER TABLE public.projects DISABLE ROW LEVEL SECURITY;
