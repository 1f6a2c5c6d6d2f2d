-- Working-day schedules imported after the build (a new year, or an amended one). They
-- override the schedule built into the binary, year by year.
CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    schedule_json TEXT NOT NULL,
    imported_at_ms BIGINT NOT NULL,
    imported_by TEXT NOT NULL
);
