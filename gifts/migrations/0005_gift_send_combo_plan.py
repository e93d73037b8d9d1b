"""The gift function: a combo lookup that does not depend on statistics, kept plans, time-ordered ids.

The combo lookup (this sender's recent same gifts here) filtered on sender,
time, stream and gift at once, and where statistics were missing or stale
(a new table, autovacuum off, a burst since the last ANALYZE) the planner
answered it through the gift_id index: every sent gift of a popular gift,
read on every gift (milliseconds each, growing with the table; measured in
bench/gifts.py and shown by gifts/tests/test_gift_function.py). It now reads
the sender's gifts of the last few seconds first, a MATERIALIZED CTE the
planner cannot flatten, and filters those.

``plan_cache_mode = force_generic_plan``: every statement in the function is
a keyed lookup or insert whose best plan does not depend on the values, but
plpgsql re-planned several of them on every call (custom plans cost no more
than the generic one, so the plan cache kept choosing them): about 15 % of
PostgreSQL's time per gift under load.

Time-ordered ids (UUID version 7, RFC 9562: 48 bits of Unix milliseconds,
then random bits) for the ledger transaction and the sent gift: random
version-4 ids land on a random leaf of each of four indexes (two primary
keys, the sent gift's transaction, the entries' transaction), and after every
checkpoint each such leaf is first written to the WAL whole. With ids that
grow, inserts go to the right-hand leaves: 2.6 KB of WAL per gift instead of
7 KB in the 15 s after a checkpoint (pgbench calling this function). Python's
uuid4 ids elsewhere mix with them freely.

Refusals in the ORM path's order and words: a stream the sender may not see
(public, unlisted or their own, as streams.selectors.stream_visible_q), then
the gift, then their own stream (``own_stream``: its own message, same code).
Everything else is 0003.
"""

from django.db import migrations

UUID7 = r"""
CREATE OR REPLACE FUNCTION livestream_uuid7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    -- gen_random_uuid()'s 16 random bytes (version 4), the first 6 replaced by the Unix time in milliseconds
    -- (big-endian), and the version nibble turned from 0100 to 0111 by setting its two low bits.
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;
"""

CREATE = r"""
CREATE OR REPLACE FUNCTION livestream_gift_send(
    p_sender uuid, p_stream uuid, p_gift uuid, p_quantity integer, p_message text,
    p_anonymous boolean, p_share numeric, p_platform uuid, p_token text, p_combo_seconds integer
) RETURNS TABLE (sent_id uuid, sent_at timestamptz, total integer, to_creator integer, creator uuid,
                 gift_name text, gift_description text, gift_category text, gift_rarity text, gift_cost integer,
                 gift_naira numeric, gift_image text, gift_animation text, gift_sound text,
                 sender_username text, sender_display_name text, sender_is_verified boolean, sent_combo integer)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_username text;
    v_display_name text;
    v_verified boolean;
    v_combo integer;
    s record;
    g record;
    v_total integer;
    v_creator integer;
    v_wallet uuid;
    v_balance bigint;
    v_earnings uuid;
    v_txn uuid := livestream_uuid7();
    v_sent uuid := livestream_uuid7();
    v_now timestamptz := now();
BEGIN
    IF p_token IS NOT NULL THEN
        SELECT a.username, a.display_name, a.is_verified INTO v_username, v_display_name, v_verified
            FROM authtoken_token t JOIN accounts_user a ON a.id = t.user_id
            WHERE t.key = p_token AND t.user_id = p_sender AND a.is_active;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'not_authenticated' USING ERRCODE = 'P0401';
        END IF;
    END IF;
    -- The checks of gifts.services.gift_send's ORM path, in its order (streams.selectors.stream_visible_q).
    SELECT id, creator_id, status, allow_gifts, visibility INTO s FROM streams_stream WHERE id = p_stream;
    IF NOT FOUND OR NOT (s.visibility IN ('public', 'unlisted') OR s.creator_id = p_sender) THEN
        RAISE EXCEPTION 'not_found' USING ERRCODE = 'P0404';
    END IF;
    SELECT * INTO g FROM gifts_gift WHERE id = p_gift AND is_active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invalid_gift' USING ERRCODE = 'P0400';
    END IF;
    IF s.creator_id = p_sender THEN
        RAISE EXCEPTION 'own_stream' USING ERRCODE = 'P0400';
    END IF;
    IF s.status <> 'live' OR NOT s.allow_gifts THEN
        RAISE EXCEPTION 'gifts_disabled' USING ERRCODE = 'P0400';
    END IF;
    v_total := g.cost_in_coins * p_quantity;
    v_creator := floor(v_total * p_share);
    UPDATE wallet_account SET balance = balance - v_total
        WHERE owner_id = p_sender AND kind = 'wallet' AND balance >= v_total
        RETURNING id, balance INTO v_wallet, v_balance;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'insufficient_coins' USING ERRCODE = 'P0400';
    END IF;
    -- The debit holds the sender's wallet row: their gifts reach this line one at a time. Highest combo,
    -- not latest created_at: gifts in one transaction share now(). MATERIALIZED keeps the planner on the
    -- sender's few recent gifts whatever its statistics say (see the module docstring).
    WITH recent AS MATERIALIZED (
        SELECT g2.combo, g2.stream_id, g2.gift_id FROM gifts_sentgift g2
        WHERE g2.sender_id = p_sender AND g2.created_at > v_now - make_interval(secs => p_combo_seconds))
    SELECT max(r.combo) INTO v_combo FROM recent r WHERE r.stream_id = p_stream AND r.gift_id = p_gift;
    v_combo := coalesce(v_combo, 0) + 1;
    SELECT id INTO v_earnings FROM wallet_account WHERE owner_id = s.creator_id AND kind = 'earnings';
    IF NOT FOUND THEN
        INSERT INTO wallet_account (id, kind, owner_id, balance, created_at)
            VALUES (gen_random_uuid(), 'earnings', s.creator_id, 0, v_now)
            ON CONFLICT (owner_id, kind) WHERE owner_id IS NOT NULL DO NOTHING;
        SELECT id INTO v_earnings FROM wallet_account WHERE owner_id = s.creator_id AND kind = 'earnings';
    END IF;
    INSERT INTO wallet_transaction (id, kind, reference, description, created_at)
        VALUES (v_txn, 'gift', p_stream::text, left(p_quantity || 'x ' || g.name, 200), v_now);
    INSERT INTO wallet_entry (transaction_id, account_id, amount, balance_after, created_at)
        SELECT v_txn, e.account, e.amount, e.balance_after, v_now
        FROM (VALUES (1, v_wallet, -v_total::bigint, v_balance),
                     (2, v_earnings, v_creator::bigint, NULL::bigint),
                     (3, p_platform, (v_total - v_creator)::bigint, NULL::bigint)) AS e(n, account, amount, balance_after)
        WHERE e.amount <> 0 ORDER BY e.n;
    INSERT INTO gifts_sentgift (id, stream_id, gift_id, sender_id, creator_id, quantity, total_coins, creator_coins,
                                message, is_anonymous, combo, ledger_transaction_id, created_at)
        VALUES (v_sent, p_stream, p_gift, p_sender, s.creator_id, p_quantity, v_total, v_creator,
                p_message, p_anonymous, v_combo, v_txn, v_now);
    RETURN QUERY SELECT v_sent, v_now, v_total, v_creator, s.creator_id, g.name::text, g.description::text,
        g.category::text, g.rarity::text, g.cost_in_coins, g.naira_value, g.image::text, g.animation::text,
        g.sound::text, v_username, v_display_name, v_verified, v_combo;
END;
$$;
"""

SIGNATURE = "livestream_gift_send(uuid, uuid, uuid, integer, text, boolean, numeric, uuid, text, integer)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UUID7)
        schema_editor.execute(CREATE)


def restore_0003(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        schema_editor.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE};")
        schema_editor.execute(import_module("gifts.migrations.0003_gift_send_token_and_combo").CREATE)
        schema_editor.execute("DROP FUNCTION IF EXISTS livestream_uuid7();")


class Migration(migrations.Migration):
    dependencies = [("gifts", "0004_sentgift_fk_indexes")]

    operations = [migrations.RunPython(create, restore_0003)]
