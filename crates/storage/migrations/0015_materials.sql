-- 申报材料: the files each material of a project holds. A file is never deleted: one taken
-- out of its material (replaced after a return, or removed) stays readable as an earlier
-- version. The bytes live in the file store under `object_key` (named by their SM3 digest).
CREATE TABLE material_files (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    material TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sm3 TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_key TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at_ms BIGINT NOT NULL,
    removed_by BIGINT REFERENCES users(id),
    removed_at_ms BIGINT
);
CREATE INDEX material_files_project ON material_files (project_id, material, id);

-- Whether the unit has marked a material complete (已完成), and its version: every upload,
-- removal and mark bumps it, so a mark made on a list of files the user no longer sees is
-- refused as stale.
CREATE TABLE material_marks (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    material TEXT NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 0,
    marked_by BIGINT REFERENCES users(id),
    marked_at_ms BIGINT,
    PRIMARY KEY (project_id, material)
);
