"""Campus mentors (pendamping kampus): cohorts of students from Unsoed, UMP
and Amikom who help members sell while their cohort runs (DESIGN.md)."""
