-- Webhooks (issue 13, part 3): what an endpoint needs beyond 0018's columns.
--   prev_secret / prev_secret_until   after POST /api/v1/webhooks/{id}/rotate-secret the old key
--                                     keeps signing beside the new one (two v1 signatures in
--                                     webhook-signature) until prev_secret_until
--                                     (config webhook_secret_grace_s), so a receiver can switch
--                                     keys without dropping deliveries
--   disabled_reason                   why delivery stopped: failures in a row, or 410 Gone
--   updated_at                        last change through the API
ALTER TABLE webhook_endpoints ADD COLUMN prev_secret VARCHAR(128) NULL;
ALTER TABLE webhook_endpoints ADD COLUMN prev_secret_until DATETIME(3) NULL;
ALTER TABLE webhook_endpoints ADD COLUMN disabled_reason VARCHAR(200) NULL;
ALTER TABLE webhook_endpoints ADD COLUMN updated_at DATETIME(3) NULL;
