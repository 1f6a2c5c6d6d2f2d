-- 决定签名: each 通过, 退回 and 不予通过 of a project's path as the platform's signer signed it
-- for its user — the message (the decision, the user, the time, and the SM3 digests of the
-- materials and earlier opinions seen), the public key (hex) and the SM2 signature (hex;
-- both empty when no key was configured). Written in the act's transaction.
CREATE TABLE decision_signatures (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    seq BIGINT NOT NULL,
    message TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (project_id, seq)
);
