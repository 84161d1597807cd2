-- E-mail addresses are compared in one canonical form (handlers/users.c:
-- users_email_canonical: trimmed, ASCII lower-cased, everything else byte for byte), and the
-- database must match exactly that form and nothing more. Under utf8mb4_unicode_ci the lookup
-- also matched trailing spaces and accents ('a@x.com ', 'À@x.com' found 'a@x.com'), while the
-- per-account login limit counted each spelling on its own: so the column becomes binary.
-- VARBINARY compares bytes without padding, the same on MySQL 8 and MariaDB. 1016 bytes hold
-- every address stored so far (254 characters of up to 4 bytes); new ones have at most 254.
-- Values already stored are in canonical form (signup lower-cased ASCII and refused white
-- space), so the unique key holds as it is.

ALTER TABLE users MODIFY email_lower VARBINARY(1016) NOT NULL;
