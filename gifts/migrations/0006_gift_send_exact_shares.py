"""The gift function credits exact shares and keeps anonymous gifts out of their sender's named run.

Exact shares: the creator's share of a gift was rounded down per gift
(``floor(total * share)``), so 7,869 one-coin gifts earned their creator
nothing. Now the function takes the share in millionths (``p_share_micro``,
500,000 for a half) and credits the creator ``total * p_share_micro``
millionths of a coin and the platform the rest, each as whole coins plus
``wallet_entry.amount_micro`` (wallet/migrations/0004), exactly as
``wallet.ledger.pay_creator`` does for the ORM path. Still no lock on the
creator: their earnings are appended entries.

Anonymous combos: the combo lookup counted the sender's named and anonymous
gifts as one run, so an anonymous gift's ``combo`` told the room whose run it
continued. It now counts only gifts of the same anonymity.

The result's columns and one parameter's type change, so the old function is
dropped first. Everything else is 0005.
"""

from django.db import migrations

OLD_SIGNATURE = "livestream_gift_send(uuid, uuid, uuid, integer, text, boolean, numeric, uuid, text, integer)"
SIGNATURE = "livestream_gift_send(uuid, uuid, uuid, integer, text, boolean, bigint, uuid, text, integer)"

CREATE = r"""
CREATE FUNCTION livestream_gift_send(
    p_sender uuid, p_stream uuid, p_gift uuid, p_quantity integer, p_message text,
    p_anonymous boolean, p_share_micro bigint, p_platform uuid, p_token text, p_combo_seconds integer
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
    v_creator_micro bigint;
    v_platform_micro bigint;
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
    SELECT id INTO v_earnings FROM wallet_account WHERE owner_id = s.creator_id AND kind = 'earnings';
    IF NOT FOUND THEN
        INSERT INTO wallet_account (id, kind, owner_id, balance, created_at)
            VALUES (gen_random_uuid(), 'earnings', s.creator_id, 0, v_now)
            ON CONFLICT (owner_id, kind) WHERE owner_id IS NOT NULL DO NOTHING;
        SELECT id INTO v_earnings FROM wallet_account WHERE owner_id = s.creator_id AND kind = 'earnings';
    END IF;
    INSERT INTO wallet_transaction (id, kind, reference, description, created_at)
        VALUES (v_txn, 'gift', p_stream::text, left(p_quantity || 'x ' || g.name, 200), v_now);
    INSERT INTO wallet_entry (transaction_id, account_id, amount, amount_micro, balance_after, created_at)
        SELECT v_txn, e.account, e.micro / 1000000, (e.micro % 1000000)::integer, e.balance_after, v_now
        FROM (VALUES (1, v_wallet, -v_total * 1000000::bigint, v_balance),
                     (2, v_earnings, v_creator_micro, NULL::bigint),
                     (3, p_platform, v_platform_micro, NULL::bigint)) AS e(n, account, micro, balance_after)
        WHERE e.micro <> 0 ORDER BY e.n;
    INSERT INTO gifts_sentgift (id, stream_id, gift_id, sender_id, creator_id, quantity, total_coins, creator_coins,
                                message, is_anonymous, combo, ledger_transaction_id, created_at)
        VALUES (v_sent, p_stream, p_gift, p_sender, s.creator_id, p_quantity, v_total, v_creator_micro / 1000000,
                p_message, p_anonymous, v_combo, v_txn, v_now);
    RETURN QUERY SELECT v_sent, v_now, v_total, (v_creator_micro / 1000000)::integer, s.creator_id, g.name::text,
        g.description::text, g.category::text, g.rarity::text, g.cost_in_coins, g.naira_value, g.image::text,
        g.animation::text, g.sound::text, v_username, v_display_name, v_verified, v_combo;
END;
$$;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {OLD_SIGNATURE};")
        schema_editor.execute(CREATE, params=None)  # no placeholders: its % is the modulo operator


def restore_0005(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        schema_editor.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE};")
        schema_editor.execute(import_module("gifts.migrations.0005_gift_send_combo_plan").CREATE)


class Migration(migrations.Migration):
    dependencies = [
        ("gifts", "0005_gift_send_combo_plan"),
        ("wallet", "0004_exact_shares_and_idempotency_results"),
    ]

    operations = [migrations.RunPython(create, restore_0005)]
