-- Keys every summitd instance shares, made once by whichever instance starts first
-- (server/secrets.c: INSERT IGNORE of 32 random bytes, then SELECT), e.g. the MAC key of list
-- cursors. In the database so that instances behind one load balancer agree without a config.
CREATE TABLE app_secrets (
    name VARCHAR(32) NOT NULL,
    value VARBINARY(64) NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
