-- ListJobs by state and the restart's scan of unfinished jobs read jobs by state in submission order.
CREATE INDEX jobs_by_state ON jobs (state, seq);
