-- What a person chooses about themselves (PATCH /api/v1/me): the language the server writes to
-- them in, and the contact details they share with the other side of a mutual match or a 1:1
-- meeting (each NULL until set: only what was set is ever shown, and only once both sides
-- agreed).
ALTER TABLE users ADD COLUMN locale VARCHAR(8) NULL;
ALTER TABLE users ADD COLUMN contact_email VARCHAR(254) NULL;
ALTER TABLE users ADD COLUMN contact_phone VARCHAR(32) NULL;
ALTER TABLE users ADD COLUMN contact_wechat VARCHAR(64) NULL;
