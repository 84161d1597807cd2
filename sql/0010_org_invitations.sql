-- Membership by consent: adding a user to an organization is an invitation that the user
-- accepts or declines (handlers/invitations.c). Pending invitations live here, apart from
-- org_members, so that everything that depends on membership (projects, interests, judges'
-- conflicts of interest, attendance, meetings) keeps reading org_members and ignores them.
-- One row per (organization, user); its status moves pending -> accepted | declined | revoked,
-- and a new invitation after a decline or a revocation reopens the row.

CREATE TABLE IF NOT EXISTS org_invitations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    org_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    invited_by BIGINT NULL,
    status VARCHAR(16) NOT NULL,
    created_at DATETIME NOT NULL,
    responded_at DATETIME NULL,
    UNIQUE KEY uq_org_invitations (org_id, user_id),
    KEY ix_org_invitations_user (user_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Members added before this migration never consented (anyone could add anyone, which let an
-- entrant make a judge "conflicted" or count a stranger's registration as its attendance):
-- they become pending invitations (inviter unknown) and act as members once they accept.
-- Creators ('owner') stay members. Safe to run again.
INSERT INTO org_invitations (org_id, user_id, invited_by, status, created_at)
    SELECT m.org_id, m.user_id, NULL, 'pending', m.created_at FROM org_members m
    WHERE m.member_role <> 'owner' AND NOT EXISTS (
        SELECT 1 FROM org_invitations i WHERE i.org_id = m.org_id AND i.user_id = m.user_id);
DELETE FROM org_members WHERE member_role <> 'owner';
