-- A finding (认定) names the materials of the declaration it relied on, besides its written
-- basis: the profile's document ids, comma-separated ('' when it names none).
ALTER TABLE project_facts ADD COLUMN materials TEXT NOT NULL DEFAULT '';
