namespace Appliance.Storage;

/// <summary>
/// The schema's history. Never edit a migration that has shipped: add the next number. A store can be
/// at any version and is brought forward at start by <see cref="Migrator"/>.
/// </summary>
public static class Migrations
{
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "settings, accounts and audit log", """
            CREATE TABLE settings (
                key   TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            CREATE TABLE domains (
                id         INTEGER PRIMARY KEY,
                name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
                created_at TEXT NOT NULL
            );
            CREATE TABLE users (
                id             INTEGER PRIMARY KEY,
                address        TEXT NOT NULL UNIQUE COLLATE NOCASE,
                domain_id      INTEGER NOT NULL REFERENCES domains(id),
                display_name   TEXT NOT NULL DEFAULT '',
                password_hash  TEXT NOT NULL,
                quota_bytes    INTEGER NOT NULL DEFAULT 0,
                is_admin       INTEGER NOT NULL DEFAULT 0,
                disabled       INTEGER NOT NULL DEFAULT 0,
                failed_logins  INTEGER NOT NULL DEFAULT 0,
                locked_until   TEXT NULL,
                security_stamp TEXT NOT NULL,
                created_at     TEXT NOT NULL
            );
            CREATE INDEX users_domain ON users(domain_id);
            CREATE TABLE aliases (
                id         INTEGER PRIMARY KEY,
                address    TEXT NOT NULL UNIQUE COLLATE NOCASE,
                domain_id  INTEGER NOT NULL REFERENCES domains(id),
                created_at TEXT NOT NULL
            );
            CREATE TABLE alias_targets (
                alias_id INTEGER NOT NULL REFERENCES aliases(id) ON DELETE CASCADE,
                target   TEXT NOT NULL COLLATE NOCASE,
                PRIMARY KEY (alias_id, target)
            );
            CREATE TABLE groups (
                id           INTEGER PRIMARY KEY,
                address      TEXT NOT NULL UNIQUE COLLATE NOCASE,
                domain_id    INTEGER NOT NULL REFERENCES domains(id),
                display_name TEXT NOT NULL DEFAULT '',
                created_at   TEXT NOT NULL
            );
            CREATE TABLE group_members (
                group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                PRIMARY KEY (group_id, user_id)
            );
            CREATE TABLE audit_log (
                id     INTEGER PRIMARY KEY,
                at     TEXT NOT NULL,
                actor  TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT ''
            );
            CREATE INDEX audit_log_at ON audit_log(at);
            """),
        new(2, "blob reference counts", """
            CREATE TABLE blobs (
                hash     TEXT PRIMARY KEY,
                size     INTEGER NOT NULL,
                refcount INTEGER NOT NULL CHECK (refcount >= 0)
            );
            """),
        new(3, "mail store, outbound queue and message log", """
            ALTER TABLE blobs ADD COLUMN released_at TEXT NULL;
            CREATE INDEX blobs_unreferenced ON blobs(released_at) WHERE refcount = 0;

            CREATE TABLE mailboxes (
                id          INTEGER PRIMARY KEY,
                user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name        TEXT NOT NULL,
                special_use TEXT NULL,
                uidvalidity INTEGER NOT NULL,
                uidnext     INTEGER NOT NULL DEFAULT 1,
                created_at  TEXT NOT NULL,
                UNIQUE (user_id, name)
            );
            CREATE TABLE messages (
                id            INTEGER PRIMARY KEY,
                mailbox_id    INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                uid           INTEGER NOT NULL,
                blob_hash     TEXT NOT NULL REFERENCES blobs(hash),
                size          INTEGER NOT NULL,
                internal_date TEXT NOT NULL,
                flags         TEXT NOT NULL DEFAULT '',
                UNIQUE (mailbox_id, uid)
            );
            CREATE INDEX messages_blob ON messages(blob_hash);

            CREATE TABLE queue_messages (
                id           INTEGER PRIMARY KEY,
                blob_hash    TEXT NOT NULL REFERENCES blobs(hash),
                size         INTEGER NOT NULL,
                sender       TEXT NOT NULL,
                created_at   TEXT NOT NULL,
                -- A delivery status notification this server made: never bounced again (no loops).
                is_bounce    INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE queue_recipients (
                id              INTEGER PRIMARY KEY,
                message_id      INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
                recipient       TEXT NOT NULL,
                domain          TEXT NOT NULL,
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT NOT NULL,
                last_attempt_at TEXT NULL,
                last_error      TEXT NULL
            );
            CREATE INDEX queue_recipients_due ON queue_recipients(next_attempt_at);

            CREATE TABLE message_log (
                id          INTEGER PRIMARY KEY,
                at          TEXT NOT NULL,
                status      TEXT NOT NULL,
                sender      TEXT NOT NULL,
                recipient   TEXT NOT NULL,
                remote      TEXT NOT NULL DEFAULT '',
                message_id  TEXT NOT NULL DEFAULT '',
                size        INTEGER NOT NULL DEFAULT 0,
                detail      TEXT NOT NULL DEFAULT ''
            );
            CREATE INDEX message_log_at ON message_log(at);

            -- Times are written as .NET's round-trip format in UTC ("O"), so they compare as text.
            -- Blob references are counted by the rows that hold them, in the same transaction, so a
            -- crash can never leave a count that disagrees with the rows.
            CREATE TRIGGER messages_reference AFTER INSERT ON messages BEGIN
                UPDATE blobs SET refcount = refcount + 1, released_at = NULL WHERE hash = NEW.blob_hash;
            END;
            CREATE TRIGGER messages_release AFTER DELETE ON messages BEGIN
                UPDATE blobs SET refcount = refcount - 1,
                                 released_at = CASE WHEN refcount = 1 THEN strftime('%Y-%m-%dT%H:%M:%f0000+00:00', 'now') ELSE released_at END
                WHERE hash = OLD.blob_hash;
            END;
            CREATE TRIGGER queue_reference AFTER INSERT ON queue_messages BEGIN
                UPDATE blobs SET refcount = refcount + 1, released_at = NULL WHERE hash = NEW.blob_hash;
            END;
            CREATE TRIGGER queue_release AFTER DELETE ON queue_messages BEGIN
                UPDATE blobs SET refcount = refcount - 1,
                                 released_at = CASE WHEN refcount = 1 THEN strftime('%Y-%m-%dT%H:%M:%f0000+00:00', 'now') ELSE released_at END
                WHERE hash = OLD.blob_hash;
            END;
            -- A queued message with no recipient left is done.
            CREATE TRIGGER queue_done AFTER DELETE ON queue_recipients
            WHEN NOT EXISTS (SELECT 1 FROM queue_recipients WHERE message_id = OLD.message_id) BEGIN
                DELETE FROM queue_messages WHERE id = OLD.message_id;
            END;
            """),
        new(4, "IMAP: modification sequences, recent marker, subscriptions", """
            -- RFC 7162 CONDSTORE: every change to a message takes the next value of its mailbox's counter.
            ALTER TABLE mailboxes ADD COLUMN highestmodseq INTEGER NOT NULL DEFAULT 1;
            -- RFC 3501 \Recent: messages from this UID on have not been seen by a read-write session yet.
            ALTER TABLE mailboxes ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE messages ADD COLUMN modseq INTEGER NOT NULL DEFAULT 1;
            CREATE TABLE subscriptions (
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name    TEXT NOT NULL,
                PRIMARY KEY (user_id, name)
            );
            -- The default folders of existing users count as subscribed, as new users' do.
            INSERT INTO subscriptions(user_id, name) SELECT user_id, name FROM mailboxes;
            """),
        new(5, "IMAP ACL: rights other users have on a mailbox", """
            -- RFC 4314: identifier is a user's address or "anyone"; rights are letters of "lrswipkxtea".
            -- The owner's own rights are implicit (all of them) and never stored.
            CREATE TABLE mailbox_acl (
                mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                identifier TEXT NOT NULL,
                rights     TEXT NOT NULL,
                PRIMARY KEY (mailbox_id, identifier)
            );
            CREATE INDEX mailbox_acl_identifier ON mailbox_acl(identifier);
            """),
        new(6, "full-text index of message bodies for IMAP SEARCH", """
            -- Trigram tokens give IMAP's case-insensitive substring match (RFC 3501 §6.4.4) for needles of
            -- three characters or more. One entry per blob: a message stored once is indexed once.
            CREATE VIRTUAL TABLE message_text USING fts5(headers, body, tokenize = 'trigram case_sensitive 0');
            CREATE TABLE message_text_index (
                hash       TEXT PRIMARY KEY,
                text_rowid INTEGER NOT NULL
            );
            CREATE TRIGGER blobs_unindex AFTER DELETE ON blobs BEGIN
                DELETE FROM message_text WHERE rowid = (SELECT text_rowid FROM message_text_index WHERE hash = OLD.hash);
                DELETE FROM message_text_index WHERE hash = OLD.hash;
            END;
            """),
        new(7, "public folders: mailboxes without an owner", """
            -- A public folder (under "Shared Folders/") belongs to no user: user_id becomes optional.
            CREATE TABLE mailboxes_new (
                id            INTEGER PRIMARY KEY,
                user_id       INTEGER NULL REFERENCES users(id) ON DELETE CASCADE,
                name          TEXT NOT NULL,
                special_use   TEXT NULL,
                uidvalidity   INTEGER NOT NULL,
                uidnext       INTEGER NOT NULL DEFAULT 1,
                created_at    TEXT NOT NULL,
                highestmodseq INTEGER NOT NULL DEFAULT 1,
                recent_uid    INTEGER NOT NULL DEFAULT 1,
                UNIQUE (user_id, name)
            );
            INSERT INTO mailboxes_new(id, user_id, name, special_use, uidvalidity, uidnext, created_at, highestmodseq, recent_uid)
                SELECT id, user_id, name, special_use, uidvalidity, uidnext, created_at, highestmodseq, recent_uid FROM mailboxes;
            DROP TABLE mailboxes;
            ALTER TABLE mailboxes_new RENAME TO mailboxes;
            -- NULLs are distinct in UNIQUE: public names need their own index.
            CREATE UNIQUE INDEX mailboxes_public_name ON mailboxes(name) WHERE user_id IS NULL;
            """, RebuildsTables: true),
        new(8, "message summaries for the webmail's message list", """
            -- What a message list shows, taken from each body (blob) once: a message stored once is summarized
            -- once, like the text index. *_sort hold the sort keys (lower case, "Re:"/"Fwd:" stripped) so
            -- that sorting a large folder compares stored text. thread_key groups a conversation under its
            -- root: the first References id, else In-Reply-To, else the own Message-ID, else the hash.
            CREATE TABLE message_summaries (
                hash            TEXT PRIMARY KEY,
                subject         TEXT NOT NULL DEFAULT '',
                subject_sort    TEXT NOT NULL DEFAULT '',
                from_name       TEXT NOT NULL DEFAULT '',
                from_address    TEXT NOT NULL DEFAULT '',
                from_sort       TEXT NOT NULL DEFAULT '',
                to_text         TEXT NOT NULL DEFAULT '',
                cc_text         TEXT NOT NULL DEFAULT '',
                sent_at         TEXT NULL,
                message_id      TEXT NULL,
                in_reply_to     TEXT NULL,
                thread_key      TEXT NOT NULL,
                has_attachments INTEGER NOT NULL DEFAULT 0,
                preview         TEXT NOT NULL DEFAULT ''
            );
            CREATE INDEX message_summaries_thread ON message_summaries(thread_key);
            CREATE TRIGGER blobs_unsummarize AFTER DELETE ON blobs BEGIN
                DELETE FROM message_summaries WHERE hash = OLD.hash;
            END;
            -- A folder's newest messages first without sorting the folder.
            CREATE INDEX messages_mailbox_date ON messages(mailbox_id, internal_date);
            """),
        new(9, "senders whose remote images a webmail user always loads", """
            CREATE TABLE trusted_senders (
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                address TEXT NOT NULL,
                PRIMARY KEY (user_id, address)
            );
            """),
        new(10, "a queue of messages to summarize and index; the text index looked up by its row", """
            -- The messages whose body may still lack a summary or a text-index entry: what the background
            -- indexer works through, and all a list or a search has to check before it trusts the index (a
            -- check over the whole folder took half a second at 100,000 messages, bench/webmail.sh). A copy or
            -- move of an indexed body is not queued.
            CREATE TABLE index_queue (message_id INTEGER PRIMARY KEY);
            INSERT INTO index_queue(message_id) SELECT m.id FROM messages m
                WHERE NOT EXISTS (SELECT 1 FROM message_summaries s WHERE s.hash = m.blob_hash)
                   OR NOT EXISTS (SELECT 1 FROM message_text_index i WHERE i.hash = m.blob_hash);
            CREATE TRIGGER messages_queue_index AFTER INSERT ON messages
            WHEN NOT EXISTS (SELECT 1 FROM message_summaries WHERE hash = NEW.blob_hash)
              OR NOT EXISTS (SELECT 1 FROM message_text_index WHERE hash = NEW.blob_hash)
            BEGIN
                INSERT OR IGNORE INTO index_queue(message_id) VALUES (NEW.id);
            END;
            CREATE TRIGGER messages_unqueue_index AFTER DELETE ON messages BEGIN
                DELETE FROM index_queue WHERE message_id = OLD.id;
            END;
            -- From a full-text match to its body: without it SQLite scanned the entries once per match.
            CREATE INDEX message_text_index_rowid ON message_text_index(text_rowid);
            """),
        new(11, "expunged UIDs remembered per mailbox for QRESYNC", """
            -- RFC 7162 §3.2: which UIDs an expunge (IMAP EXPUNGE, CLOSE, MOVE, POP3, webmail) removed, with the
            -- mailbox's mod-sequence it took, so that a client coming back with an older one hears exactly what
            -- vanished. Written in the expunge's own transaction; kept for Appliance:Mailstore:ExpungedUidRetentionDays.
            CREATE TABLE expunged_uids (
                mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                uid         INTEGER NOT NULL,
                modseq      INTEGER NOT NULL,
                expunged_at INTEGER NOT NULL,
                PRIMARY KEY (mailbox_id, uid)
            ) WITHOUT ROWID;
            CREATE INDEX expunged_uids_modseq ON expunged_uids(mailbox_id, modseq);
            -- Every expunge with a higher mod-sequence than this is in expunged_uids: what the retention pruned, and
            -- for folders that existed before this table, everything up to now, is not.
            ALTER TABLE mailboxes ADD COLUMN expunges_known_after INTEGER NOT NULL DEFAULT 0;
            UPDATE mailboxes SET expunges_known_after = highestmodseq;
            """),
        new(12, "the date each message was saved in its folder, for IMAP SAVEDATE", """
            -- RFC 8514: when the message came into this folder (delivery, APPEND, COPY, MOVE), which the internal date
            -- is not after a COPY or an APPEND with a date. Messages stored before this column came in on their internal
            -- date as far as anyone can tell now: delivery sets it to the arrival, and most APPENDs to the moment.
            ALTER TABLE messages ADD COLUMN saved_at TEXT NULL;
            UPDATE messages SET saved_at = internal_date;
            """),
        new(13, "RFC 5256 sort keys and References in the message summaries, for IMAP SORT and THREAD", """
            -- SORT SUBJECT and FROM compare the base subject and the first From's local part under i;ascii-casemap
            -- (RFC 5256 §2.1, RFC 4790 §9.2), SORT DATE the Date field (Unix ms; NULL: none, the arrival date
            -- counts); THREAD=REFERENCES links by refs (the References msg-ids, else In-Reply-To's first, space-
            -- separated). Made with the summary, so that SQLite orders 100,000 UIDs without reading a message.
            ALTER TABLE message_summaries ADD COLUMN sort_subject TEXT NULL;
            ALTER TABLE message_summaries ADD COLUMN sort_from TEXT NULL;
            ALTER TABLE message_summaries ADD COLUMN sort_date INTEGER NULL;
            ALTER TABLE message_summaries ADD COLUMN refs TEXT NULL;
            -- Summaries made before have no keys (sort_subject NULL) and need their message read again for refs:
            -- the background indexer does it, and a SORT or THREAD on such a folder first does what is still queued.
            INSERT OR IGNORE INTO index_queue(message_id)
                SELECT m.id FROM messages m JOIN message_summaries s ON s.hash = m.blob_hash WHERE s.sort_subject IS NULL;
            -- SORT's keys copied into each message row (sort_date there is the Date field, else the arrival), so that
            -- ordering a folder reads its own rows: joining 100,000 of them to their summaries took 300 ms of a
            -- 360 ms SORT. Written when the body is summarized, or by this trigger when it was already.
            ALTER TABLE messages ADD COLUMN sort_subject TEXT NULL;
            ALTER TABLE messages ADD COLUMN sort_from TEXT NULL;
            ALTER TABLE messages ADD COLUMN sort_date INTEGER NULL;
            CREATE TRIGGER messages_sort_keys AFTER INSERT ON messages
            WHEN EXISTS (SELECT 1 FROM message_summaries WHERE hash = NEW.blob_hash AND sort_subject IS NOT NULL)
            BEGIN
                UPDATE messages SET (sort_subject, sort_from, sort_date) = (
                    SELECT s.sort_subject, s.sort_from,
                           COALESCE(s.sort_date, CAST(round(unixepoch(NEW.internal_date, 'subsec') * 1000) AS INTEGER))
                    FROM message_summaries s WHERE s.hash = NEW.blob_hash)
                WHERE id = NEW.id;
            END;
            """),
        new(14, "IMAP METADATA entries of the server and of mailboxes", """
            -- RFC 5464: annotations on the server (mailbox_id NULL) or on a mailbox, which go when it is deleted and
            -- stay with its id through RENAME. A /private/ entry belongs to user_id and only that user sees it; a
            -- /shared/ one has user_id NULL. name is lower case (entry names are case-insensitive) and keeps its
            -- /private or /shared prefix. set_by is whose Appliance:Imap:MetadataMaxBytesPerUser the value counts against.
            CREATE TABLE metadata (
                id         INTEGER PRIMARY KEY,
                mailbox_id INTEGER NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                user_id    INTEGER NULL REFERENCES users(id) ON DELETE CASCADE,
                name       TEXT NOT NULL,
                value      BLOB NOT NULL,
                set_by     INTEGER NULL REFERENCES users(id) ON DELETE SET NULL
            );
            -- NULLs are distinct in UNIQUE: server and shared entries need the expressions.
            CREATE UNIQUE INDEX metadata_entry ON metadata(ifnull(mailbox_id, 0), ifnull(user_id, 0), name);
            CREATE INDEX metadata_set_by ON metadata(set_by);
            """),
        new(15, "per-user \\Seen on shared and public folders", """
            -- Whether readers other than the owner keep their own \Seen here (everyone, in a public folder): on by default,
            -- so that one reader's reading does not mark a shared message read for all. The owner's \Seen stays the
            -- message's own flag, as it always was.
            ALTER TABLE mailboxes ADD COLUMN private_seen INTEGER NOT NULL DEFAULT 1;
            -- One row per reader and message they changed \Seen on; seen = 0 keeps the mod-sequence of an unset, so that
            -- CONDSTORE clients of that reader hear of it (RFC 7162 §3.1). Goes with the message, the mailbox and the user.
            CREATE TABLE private_seen (
                mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                uid        INTEGER NOT NULL,
                seen       INTEGER NOT NULL,
                modseq     INTEGER NOT NULL,
                PRIMARY KEY (mailbox_id, user_id, uid)
            ) WITHOUT ROWID;
            CREATE INDEX private_seen_message ON private_seen(mailbox_id, uid);
            CREATE INDEX private_seen_user ON private_seen(user_id);
            CREATE TRIGGER messages_forget_private_seen AFTER DELETE ON messages BEGIN
                DELETE FROM private_seen WHERE mailbox_id = OLD.mailbox_id AND uid = OLD.uid;
            END;
            """),
        new(16, "what THREAD reads of each message, in the folder's UID order", """
            -- IMAP THREAD and the webmail's conversations thread a whole folder: its messages' Message-ID, References
            -- (refs), decoded subject, sent date (the Date field, else the arrival) and arrival, in Unix ms. Copied from
            -- the summary into a narrow table clustered by folder and UID, so that threading 100,000 messages reads one
            -- range of it: probing the wide summaries by hash for each message was 134 of a 200 ms query
            -- (bench/imap.sh sort). Written when the body is summarized (with refs), or by trigger when it was already;
            -- it goes and moves with its message.
            CREATE TABLE message_threads (
                mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                uid        INTEGER NOT NULL,
                message_id TEXT NULL,
                refs       TEXT NOT NULL,
                subject    TEXT NOT NULL,
                sent_ms    INTEGER NOT NULL,
                arrival_ms INTEGER NOT NULL,
                PRIMARY KEY (mailbox_id, uid)
            ) WITHOUT ROWID;
            CREATE TRIGGER messages_thread_row AFTER INSERT ON messages
            WHEN EXISTS (SELECT 1 FROM message_summaries WHERE hash = NEW.blob_hash AND refs IS NOT NULL)
            BEGIN
                INSERT OR REPLACE INTO message_threads(mailbox_id, uid, message_id, refs, subject, sent_ms, arrival_ms)
                    SELECT NEW.mailbox_id, NEW.uid, s.message_id, s.refs, COALESCE(s.subject, ''),
                           COALESCE(s.sort_date, CAST(round(unixepoch(NEW.internal_date, 'subsec') * 1000) AS INTEGER)),
                           CAST(round(unixepoch(NEW.internal_date, 'subsec') * 1000) AS INTEGER)
                    FROM message_summaries s WHERE s.hash = NEW.blob_hash;
            END;
            CREATE TRIGGER messages_thread_row_gone AFTER DELETE ON messages BEGIN
                DELETE FROM message_threads WHERE mailbox_id = OLD.mailbox_id AND uid = OLD.uid;
            END;
            -- RENAME INBOX moves its messages, UIDs and all, to the new folder.
            CREATE TRIGGER messages_thread_row_moved AFTER UPDATE OF mailbox_id, uid ON messages BEGIN
                UPDATE message_threads SET mailbox_id = NEW.mailbox_id, uid = NEW.uid WHERE mailbox_id = OLD.mailbox_id AND uid = OLD.uid;
            END;
            INSERT OR REPLACE INTO message_threads(mailbox_id, uid, message_id, refs, subject, sent_ms, arrival_ms)
                SELECT m.mailbox_id, m.uid, s.message_id, s.refs, COALESCE(s.subject, ''),
                       COALESCE(s.sort_date, CAST(round(unixepoch(m.internal_date, 'subsec') * 1000) AS INTEGER)),
                       CAST(round(unixepoch(m.internal_date, 'subsec') * 1000) AS INTEGER)
                FROM messages m JOIN message_summaries s ON s.hash = m.blob_hash WHERE s.refs IS NOT NULL;
            """),
        new(17, "per-user Bayesian spam classifier: token counts, totals, learned messages", """
            -- Filtering/Bayes: what each user taught their classifier by moving mail into and out of Junk. A token is the
            -- first 8 bytes of the SHA-256 of its text, as a signed integer (SpamAssassin keeps 5 bytes of SHA-1): the
            -- text is never needed again, and 8 bytes make a collision among a user's 150,000 tokens unlikely (about
            -- 1 in 10^9). atime is Unix seconds of the last learn or classification that used it, for expiry.
            CREATE TABLE bayes_tokens (
                user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                token      INTEGER NOT NULL,
                spam_count INTEGER NOT NULL DEFAULT 0,
                ham_count  INTEGER NOT NULL DEFAULT 0,
                atime      INTEGER NOT NULL,
                PRIMARY KEY (user_id, token)
            ) WITHOUT ROWID;
            CREATE INDEX bayes_tokens_atime ON bayes_tokens(user_id, atime);
            -- How many spam and ham messages the user's counts hold (SpamAssassin's nspam/nham): the classifier says
            -- nothing until both reach Appliance:Filtering:Bayes:MinSpam and MinHam.
            CREATE TABLE bayes_totals (
                user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                nspam   INTEGER NOT NULL DEFAULT 0,
                nham    INTEGER NOT NULL DEFAULT 0
            );
            -- Each message learned, by the caller's key (a Message-ID or a blob hash), with its label and the tokens it
            -- added (8 bytes each, little-endian): learning it again the same way does nothing, the other way takes
            -- exactly those tokens back first ("untrain, then train"), even if the tokenizer has changed since.
            CREATE TABLE bayes_learned (
                user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                message_key TEXT NOT NULL,
                is_spam     INTEGER NOT NULL,
                tokens      BLOB NOT NULL,
                learned_at  INTEGER NOT NULL,
                PRIMARY KEY (user_id, message_key)
            ) WITHOUT ROWID;
            CREATE INDEX bayes_learned_age ON bayes_learned(user_id, learned_at);
            """),
        new(18, "greylisting: triplets and the clients that passed often enough to skip it", """
            -- Filtering/Uce/Greylisting.cs owns these. A triplet is (client /24 or /64, sender, recipient), times in Unix ms;
            -- passed = 1 once a retry came within the window. greylist_clients counts passed triplets per network for the
            -- automatic allow list. last_seen is indexed for the purge of expired rows.
            CREATE TABLE greylist (
                client     TEXT NOT NULL,
                sender     TEXT NOT NULL,
                recipient  TEXT NOT NULL,
                first_seen INTEGER NOT NULL,
                last_seen  INTEGER NOT NULL,
                passed     INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (client, sender, recipient)
            ) WITHOUT ROWID;
            CREATE INDEX greylist_last_seen ON greylist(last_seen);
            CREATE TABLE greylist_clients (
                client    TEXT PRIMARY KEY,
                passes    INTEGER NOT NULL,
                last_seen INTEGER NOT NULL
            ) WITHOUT ROWID;
            """),
        new(19, "the quarantine: messages held for a virus or as spam, per recipient, until released or expired", """
            -- One row per held copy, named by the message's queue id and its recipient (a user here, or an address
            -- elsewhere for a queued copy), why it was held (virus / spam) with the detail (the virus's name, the score) and the verdict's symbols as JSON, so
            -- that the user's list, the digest and the administrator's page explain it. The row holds its blob like a
            -- message does, so the sweeper keeps the body until the row goes (released, deleted or expired).
            CREATE TABLE quarantine (
                id          TEXT NOT NULL,
                user_id     INTEGER NULL REFERENCES users(id) ON DELETE CASCADE,
                recipient   TEXT NOT NULL,
                sender      TEXT NOT NULL,
                subject     TEXT NOT NULL,
                blob_hash   TEXT NOT NULL REFERENCES blobs(hash),
                size        INTEGER NOT NULL,
                reason      TEXT NOT NULL,
                detail      TEXT NOT NULL,
                verdict     TEXT NOT NULL,
                client      TEXT NOT NULL,
                held_at     TEXT NOT NULL,
                PRIMARY KEY (id, recipient)
            );
            CREATE INDEX quarantine_user ON quarantine(user_id, held_at);
            CREATE INDEX quarantine_held ON quarantine(held_at);
            CREATE TRIGGER quarantine_reference AFTER INSERT ON quarantine BEGIN
                UPDATE blobs SET refcount = refcount + 1, released_at = NULL WHERE hash = NEW.blob_hash;
            END;
            CREATE TRIGGER quarantine_release AFTER DELETE ON quarantine BEGIN
                UPDATE blobs SET refcount = refcount - 1,
                                 released_at = CASE WHEN refcount = 1 THEN strftime('%Y-%m-%dT%H:%M:%f0000+00:00', 'now') ELSE released_at END
                WHERE hash = OLD.blob_hash;
            END;
            """),
        new(20, "Sieve scripts: each user's, at most one active, and the administrator's global before and after scripts", """
            -- kind 'user' rows belong to a user (ManageSieve, the Filters page); 'before' and 'after' are the administrator's
            -- global scripts (user_id NULL, one each) that run around every user's. Names are RFC 5804 §1.6 strings,
            -- compared exactly (case-sensitive). The partial index is both the "one active script" rule and what
            -- delivery reads per message: the user's active script in one indexed lookup.
            CREATE TABLE sieve_scripts (
                id         INTEGER PRIMARY KEY,
                user_id    INTEGER NULL REFERENCES users(id) ON DELETE CASCADE,
                kind       TEXT NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'before', 'after')),
                name       TEXT NOT NULL,
                content    TEXT NOT NULL,
                is_active  INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0, 1)),
                updated_at TEXT NOT NULL,
                CHECK ((kind = 'user') = (user_id IS NOT NULL))
            );
            CREATE UNIQUE INDEX sieve_scripts_name ON sieve_scripts(user_id, name) WHERE user_id IS NOT NULL;
            CREATE UNIQUE INDEX sieve_scripts_active ON sieve_scripts(user_id) WHERE is_active = 1;
            CREATE UNIQUE INDEX sieve_scripts_global ON sieve_scripts(kind) WHERE user_id IS NULL;
            """),
        new(21, "Vacation replies sent: one row per (user, sender, handle) with the time of the last reply, so an auto-reply goes once per interval across restarts", """
            -- RFC 5230 §4.1: the tracker of replies already sent. Rows older than the longest interval are deleted as
            -- new replies are recorded; recipient and sender are stored lower-case.
            CREATE TABLE vacation_replies (
                recipient  TEXT NOT NULL,
                sender     TEXT NOT NULL,
                handle     TEXT NOT NULL,
                replied_at INTEGER NOT NULL, -- Unix seconds
                PRIMARY KEY (recipient, sender, handle)
            ) WITHOUT ROWID;
            CREATE INDEX vacation_replies_age ON vacation_replies(replied_at);
            """),
        new(22, "each user's junk settings: their own threshold and action, and the senders they always allow or block", """
            -- Null columns mean "as the domain says" (settings key junk.domain.<name>), which in turn falls back to
            -- Appliance:Filtering. Entries are a lower-cased address or "@domain"; an entry is in one list at most.
            CREATE TABLE user_junk_settings (
                user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                junk_score REAL NULL,
                action     TEXT NULL CHECK (action IN ('Junk', 'Quarantine'))
            );
            CREATE TABLE user_junk_senders (
                user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                entry      TEXT NOT NULL,
                kind       TEXT NOT NULL CHECK (kind IN ('allow', 'block')),
                created_at TEXT NOT NULL,
                PRIMARY KEY (user_id, entry)
            ) WITHOUT ROWID;
            """),
    ];
}
