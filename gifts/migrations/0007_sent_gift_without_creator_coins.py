"""The sent gift stores no rounded share; the gift's transaction records the rate; the platform account is
created by its first gift.

``SentGift.creator_coins`` held the creator's share rounded down per gift (0
for a one-coin gift): the rounding exact shares removed from the ledger, kept
in a column nothing read. The column goes; what the creator got is the gift's
ledger transaction's earnings entry, exact to the millionth of a coin.

``wallet_transaction.creator_share_micro`` (wallet/migrations/0006): the
function writes the rate it was given (``p_share_micro``), as
``wallet.ledger.pay_creator`` does for the ORM path, so ``audit_ledger``
checks each gift against its own rate.

``p_platform`` may be NULL: the platform account does not exist before the
first payment, and ``wallet.selectors.platform_account_id`` is a read that
creates nothing; the function creates it then, as it does a creator's
earnings account.

The result loses its ``to_creator`` column, so the old function is dropped
first. Everything else is 0006.
"""

from django.db import migrations, models

SIGNATURE = "livestream_gift_send(uuid, uuid, uuid, integer, text, boolean, bigint, uuid, text, integer)"

CREATE = r"""
CREATE FUNCTION livestream_gift_send(
    p_sender uuid, p_stream uuid, p_gift uuid, p_quantity integer, p_message text,
    p_anonymous boolean, p_share_micro bigint, p_platform uuid, p_token text, p_combo_seconds integer
) RETURNS TABLE (sent_id uuid, sent_at timestamptz, total integer, creator uuid,
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
    v_creator_micro bigint;
    v_platform_micro bigint;
    v_wallet uuid;
    v_balance bigint;
    v_earnings uuid;
    v_platform uuid := p_platform;
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
    -- The checks of gifts.services._gift_send_orm, in its order (streams.selectors.stream_visible_q).
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
    -- Exact shares in millionths of a coin (wallet.ledger.pay_creator): nothing rounded away.
    v_creator_micro := v_total::bigint * p_share_micro;
    v_platform_micro := v_total::bigint * 1000000 - v_creator_micro;
    UPDATE wallet_account SET balance = balance - v_total
        WHERE owner_id = p_sender AND kind = 'wallet' AND balance >= v_total
        RETURNING id, balance INTO v_wallet, v_balance;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'insufficient_coins' USING ERRCODE = 'P0400';
    END IF;
    -- The debit holds the sender's wallet row: their gifts reach this line one at a time. Highest combo,
    -- not latest created_at: gifts in one transaction share now(). MATERIALIZED keeps the planner on the
    -- sender's few recent gifts whatever its statistics say (0005). Named and anonymous gifts are separate runs.
    WITH recent AS MATERIALIZED (
        SELECT g2.combo, g2.stream_id, g2.gift_id, g2.is_anonymous FROM gifts_sentgift g2
        WHERE g2.sender_id = p_sender AND g2.created_at > v_now - make_interval(secs => p_combo_seconds))
    SELECT max(r.combo) INTO v_combo FROM recent r
        WHERE r.stream_id = p_stream AND r.gift_id = p_gift AND r.is_anonymous = p_anonymous;
    v_combo := coalesce(v_combo, 0) + 1;
    IF v_platform IS NULL THEN  -- the platform's first payment ever (wallet.ledger.system_account)
        INSERT INTO wallet_account (id, kind, owner_id, balance, created_at)
            VALUES (gen_random_uuid(), 'platform', NULL, 0, v_now)
            ON CONFLICT (kind) WHERE owner_id IS NULL DO NOTHING;
        SELECT id INTO v_platform FROM wallet_account WHERE owner_id IS NULL AND kind = 'platform';
    END IF;
    SELECT id INTO v_earnings FROM wallet_account WHERE owner_id = s.creator_id AND kind = 'earnings';
    IF NOT FOUND THEN
        INSERT INTO wallet_account (id, kind, owner_id, balance, created_at)
            VALUES (gen_random_uuid(), 'earnings', s.creator_id, 0, v_now)
            ON CONFLICT (owner_id, kind) WHERE owner_id IS NOT NULL DO NOTHING;
        SELECT id INTO v_earnings FROM wallet_account WHERE owner_id = s.creator_id AND kind = 'earnings';
    END IF;
    INSERT INTO wallet_transaction (id, kind, reference, description, creator_share_micro, created_at)
        VALUES (v_txn, 'gift', p_stream::text, left(p_quantity || 'x ' || g.name, 200), p_share_micro, v_now);
    INSERT INTO wallet_entry (transaction_id, account_id, amount, amount_micro, balance_after, created_at)
        SELECT v_txn, e.account, e.micro / 1000000, (e.micro % 1000000)::integer, e.balance_after, v_now
        FROM (VALUES (1, v_wallet, -v_total * 1000000::bigint, v_balance),
                     (2, v_earnings, v_creator_micro, NULL::bigint),
                     (3, v_platform, v_platform_micro, NULL::bigint)) AS e(n, account, micro, balance_after)
        WHERE e.micro <> 0 ORDER BY e.n;
    INSERT INTO gifts_sentgift (id, stream_id, gift_id, sender_id, creator_id, quantity, total_coins,
                                message, is_anonymous, combo, ledger_transaction_id, created_at)
        VALUES (v_sent, p_stream, p_gift, p_sender, s.creator_id, p_quantity, v_total,
                p_message, p_anonymous, v_combo, v_txn, v_now);
    RETURN QUERY SELECT v_sent, v_now, v_total, s.creator_id, g.name::text,
        g.description::text, g.category::text, g.rarity::text, g.cost_in_coins, g.naira_value, g.image::text,
        g.animation::text, g.sound::text, v_username, v_display_name, v_verified, v_combo;
END;
$$;
"""



def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE};")
        schema_editor.execute(CREATE, params=None)  # no placeholders: its % is the modulo operator


def restore_0006(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        schema_editor.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE};")
        schema_editor.execute(import_module("gifts.migrations.0006_gift_send_exact_shares").CREATE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("gifts", "0006_gift_send_exact_shares"),
        ("wallet", "0006_transaction_creator_share"),
    ]

    operations = [
        # A default first, so that undoing the removal can add the column back to existing rows.
        migrations.AlterField(model_name="sentgift", name="creator_coins", field=models.PositiveIntegerField(default=0)),
        migrations.RunPython(create, restore_0006),
        migrations.RemoveField(model_name="sentgift", name="creator_coins"),
    ]
