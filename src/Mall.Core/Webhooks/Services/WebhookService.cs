using System.Text;
using System.Text.Json;
using Dapper;
using Mall.Common;
using Mall.Data;
using Mall.Outbox;
using Mall.Outbox.Services;
using Mall.Plugins;
using Microsoft.Extensions.Options;

namespace Mall.Webhooks.Services;

/// <summary>Default <see cref="IWebhookService"/> over <c>mall_webhook_*</c>, reading events through the outbox's store.</summary>
internal sealed class WebhookService(IMallDatabase database, OutboxStore outboxStore, IExtensionRegistry extensions, OutboxSignal signal, IOptions<MallOptions> options, Mall.Auditing.IAuditContext audit, TimeProvider clock) : IWebhookService
{
    private static readonly TimeSpan MaxOverlap = TimeSpan.FromDays(7);
    private readonly WebhookTargets _targets = WebhookTargets.From(options.Value.Webhooks);

    private ISqlDialect Dialect => database.Dialect;

    /// <inheritdoc />
    public IReadOnlyList<OutboxEventType> EventTypes()
    {
        using var declared = extensions.Acquire<OutboxEventType>();
        return MallEventTypes.All.Concat(declared.Items.Select(i => i.Instance))
            .DistinctBy(t => t.Name, StringComparer.Ordinal).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    /// <inheritdoc />
    public async Task<WebhookSubscriptionWithSecret> CreateAsync(WebhookSubscriptionInput input, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (name, url, events) = await ValidateAsync(input, partial: false, cancellationToken).ConfigureAwait(false);
        var secret = WebhookSignature.NewSecret();
        var now = Now();
        var id = await database.InTransactionAsync(async tx =>
        {
            var created = await tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            Dialect.InsertReturningId(
                "INSERT INTO mall_webhook_subscription (name, url, events, secret, previous_secret, previous_valid_until, status, paused_reason, failing_since, last_success_at, last_failure_at, created_by, created_at, updated_at) " +
                "VALUES (@name, @url, @events, @secret, NULL, NULL, @active, NULL, NULL, NULL, NULL, @actor, @now, @now)", "id"),
            new { name, url, events = string.Join(',', events!), secret, active = (short)WebhookSubscriptionStatus.Active, actor = Bounded(actor, 100), now },
            tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            audit.Current?.SetEntity("subscription", created.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return created;
        }, cancellationToken).ConfigureAwait(false);
        return new WebhookSubscriptionWithSecret((await FindAsync(id, cancellationToken).ConfigureAwait(false))!, secret);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<WebhookSubscription>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<SubscriptionRow>(new CommandDefinition(
                $"SELECT {SubscriptionRow.Columns} FROM mall_webhook_subscription ORDER BY id DESC", cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => r.ToSubscription()).ToList();
    }

    /// <inheritdoc />
    public async Task<WebhookSubscription?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<SubscriptionRow>(new CommandDefinition(
                $"SELECT {SubscriptionRow.Columns} FROM mall_webhook_subscription WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .SingleOrDefault()?.ToSubscription();
    }

    /// <inheritdoc />
    public async Task<WebhookSubscription> UpdateAsync(long id, WebhookSubscriptionInput input, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (name, url, events) = await ValidateAsync(input, partial: true, cancellationToken).ConfigureAwait(false);
        await ChangeAsync(id,
            "name = COALESCE(@name, name), url = COALESCE(@url, url), events = COALESCE(@events, events), updated_at = @now",
            new { name, url, events = events is null ? null : string.Join(',', events) }, cancellationToken).ConfigureAwait(false);
        return (await FindAsync(id, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<WebhookSubscriptionWithSecret> RotateSecretAsync(long id, TimeSpan overlap, string actor, CancellationToken cancellationToken = default)
    {
        if (overlap < TimeSpan.Zero || overlap > MaxOverlap) throw new MallValidationException("overlap", "is from 0 to 7 days (e.g. \"1.00:00:00\").");
        var secret = WebhookSignature.NewSecret();
        var now = Now();
        await ChangeAsync(id, "previous_secret = secret, previous_valid_until = @until, secret = @secret, updated_at = @now",
            new { secret, until = now + overlap }, cancellationToken).ConfigureAwait(false);
        return new WebhookSubscriptionWithSecret((await FindAsync(id, cancellationToken).ConfigureAwait(false))!, secret);
    }

    /// <inheritdoc />
    public async Task<WebhookSubscription> PauseAsync(long id, string actor, CancellationToken cancellationToken = default)
    {
        await ChangeAsync(id, "status = @paused, paused_reason = @reason, updated_at = @now",
            new { paused = (short)WebhookSubscriptionStatus.Paused, reason = Bounded($"Paused by {actor}.", 500) }, cancellationToken).ConfigureAwait(false);
        return (await FindAsync(id, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<WebhookSubscription> ResumeAsync(long id, string actor, CancellationToken cancellationToken = default)
    {
        var now = Now();
        await database.InTransactionAsync(async tx =>
        {
            var changed = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_webhook_subscription SET status = @active, paused_reason = NULL, failing_since = NULL, updated_at = @now WHERE id = @id",
                new { id, active = (short)WebhookSubscriptionStatus.Active, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed == 0) throw new MallNotFoundException($"Webhook subscription {id} does not exist.");
            // What waited while paused is due now, not at the end of its backoff.
            await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_webhook_delivery SET next_attempt_at = @now, updated_at = @now WHERE subscription_id = @id AND status = @pending",
                new { id, pending = (short)WebhookDeliveryStatus.Pending, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        signal.Raise();
        return (await FindAsync(id, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task DeleteAsync(long id, string actor, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async tx =>
        {
            var connection = tx.Connection!;
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM mall_webhook_attempt WHERE delivery_id IN (SELECT id FROM mall_webhook_delivery WHERE subscription_id = @id)", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM mall_webhook_delivery WHERE subscription_id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (await connection.ExecuteAsync(new CommandDefinition("DELETE FROM mall_webhook_subscription WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) == 0)
                throw new MallNotFoundException($"Webhook subscription {id} does not exist.");
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<PagedResult<WebhookDelivery>> ListDeliveriesAsync(WebhookDeliveryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new ValidationErrors();
        errors.Range("page", query.Page, 1, 100_000);
        errors.Range("pageSize", query.PageSize, 1, 100);
        if (query.Status is { } status && !Enum.IsDefined(status)) errors.Add("status", "is pending, succeeded or failed.");
        errors.MaxLength("eventType", query.EventType, 100);
        errors.ThrowIfAny();
        var where = new StringBuilder("1 = 1");
        if (query.SubscriptionId is not null) where.Append(" AND subscription_id = @SubscriptionId");
        if (query.Status is not null) where.Append(" AND status = @status");
        if (!string.IsNullOrWhiteSpace(query.EventType)) where.Append(" AND event_type = @EventType");
        if (query.EventId is not null) where.Append(" AND event_id = @eventId");
        var parameters = new { query.SubscriptionId, status = (short?)query.Status, query.EventType, eventId = query.EventId?.ToString("D"), skip = (query.Page - 1) * query.PageSize, take = query.PageSize };
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM mall_webhook_delivery WHERE {where}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var items = (await connection.QueryAsync<DeliveryRow>(new CommandDefinition(
                $"SELECT {DeliveryRow.Columns} FROM mall_webhook_delivery WHERE {where} ORDER BY id DESC {Dialect.Page("@skip", "@take")}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => r.ToDelivery()).ToList();
        return new PagedResult<WebhookDelivery>(items, query.Page, query.PageSize, total);
    }

    /// <inheritdoc />
    public async Task<WebhookDeliveryDetail?> FindDeliveryAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = (await connection.QueryAsync<DeliveryRow>(new CommandDefinition(
            $"SELECT {DeliveryRow.Columns} FROM mall_webhook_delivery WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false)).SingleOrDefault();
        if (row is null) return null;
        var outbox = await outboxStore.FindAsync(connection, null, row.OutboxId, cancellationToken).ConfigureAwait(false);
        var attempts = (await connection.QueryAsync<AttemptRow>(new CommandDefinition(
                "SELECT attempted_at AS AttemptedAt, succeeded AS Succeeded, status_code AS StatusCode, duration_ms AS DurationMs, error AS Error, response_excerpt AS ResponseExcerpt " +
                "FROM mall_webhook_attempt WHERE delivery_id = @id ORDER BY id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(a => new WebhookAttempt(Utc.Of(a.AttemptedAt), a.Succeeded, a.StatusCode, a.DurationMs, a.Error, a.ResponseExcerpt)).ToList();
        return new WebhookDeliveryDetail(row.ToDelivery(), outbox is null ? "" : Encoding.UTF8.GetString(Body(outbox)), attempts);
    }

    /// <inheritdoc />
    public async Task<WebhookDelivery> ReplayAsync(long deliveryId, string actor, CancellationToken cancellationToken = default)
    {
        var now = Now();
        var id = await database.InTransactionAsync(async tx =>
        {
            var original = (await tx.Connection!.QueryAsync<DeliveryRow>(new CommandDefinition(
                $"SELECT {DeliveryRow.Columns} FROM mall_webhook_delivery WHERE id = @deliveryId", new { deliveryId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).SingleOrDefault()
                ?? throw new MallNotFoundException($"Webhook delivery {deliveryId} does not exist.");
            if (await outboxStore.FindAsync(tx.Connection!, tx, original.OutboxId, cancellationToken).ConfigureAwait(false) is null)
                throw new MallConflictException($"The event of delivery {deliveryId} is older than the retention period and was removed.") { Code = "webhook.event_expired" };
            return await InsertDeliveryAsync(Dialect, tx, original.SubscriptionId, original.OutboxId, original.EventId, original.EventType, original.Id, now, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        signal.Raise();
        return (await FindDeliveryAsync(id, cancellationToken).ConfigureAwait(false))!.Delivery;
    }

    /// <inheritdoc />
    public async Task<int> ResendAsync(long subscriptionId, DateTime since, string actor, CancellationToken cancellationToken = default)
    {
        var now = Now();
        var from = since.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(since, DateTimeKind.Utc) : since.ToUniversalTime();
        if (from > now) throw new MallValidationException("since", "must not be in the future.");
        if (from < now - options.Value.Webhooks.Retention)
            throw new MallValidationException("since", $"reaches back at most {options.Value.Webhooks.Retention.TotalDays:0.#} days (Mall:Webhooks:Retention); older events are removed.");
        var count = await database.InTransactionAsync(async tx =>
        {
            var subscription = (await tx.Connection!.QueryAsync<SubscriptionRow>(new CommandDefinition(
                $"SELECT {SubscriptionRow.Columns} FROM mall_webhook_subscription WHERE id = @subscriptionId", new { subscriptionId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).SingleOrDefault()
                ?? throw new MallNotFoundException($"Webhook subscription {subscriptionId} does not exist.");
            var patterns = subscription.EventList;
            // Only what was already handed out: undispatched events reach the subscription anyway.
            var events = (await outboxStore.DispatchedSinceAsync(tx, from, cancellationToken).ConfigureAwait(false))
                .Where(e => Matches(patterns, e.Type)).ToList();
            foreach (var e in events)
                await InsertDeliveryAsync(Dialect, tx, subscriptionId, e.Id, e.EventId, e.Type, null, now, cancellationToken).ConfigureAwait(false);
            return events.Count;
        }, cancellationToken).ConfigureAwait(false);
        signal.Raise();
        return count;
    }

    /// <summary>Whether an event of <paramref name="type"/> is wanted by <paramref name="patterns"/> (exact, <c>area.*</c> or <c>*</c>).</summary>
    internal static bool Matches(IReadOnlyList<string> patterns, string type)
    {
        foreach (var pattern in patterns)
        {
            if (pattern == "*" || pattern == type) return true;
            if (pattern.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>The JSON body of a delivery of <paramref name="e"/>: the same bytes in every attempt and replay.</summary>
    internal static byte[] Body(OutboxWriter.Row e)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 + e.Data.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", e.EventId);
            writer.WriteString("type", e.Type);
            writer.WriteString("subject", e.Subject);
            writer.WriteString("occurredAt", Utc.Of(e.OccurredAt));
            writer.WriteNumber("sequence", e.Id);
            writer.WritePropertyName("data");
            writer.WriteRawValue(e.Data, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Queues one delivery, due now.</summary>
    internal static Task<long> InsertDeliveryAsync(ISqlDialect dialect, System.Data.Common.DbTransaction tx, long subscriptionId, long outboxId, string eventId, string eventType, long? replayOf, DateTime now, CancellationToken cancellationToken) =>
        tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            dialect.InsertReturningId(
                "INSERT INTO mall_webhook_delivery (subscription_id, outbox_id, event_id, event_type, status, attempts, rounds, next_attempt_at, last_attempt_at, last_status_code, replay_of, created_at, updated_at) " +
                "VALUES (@subscriptionId, @outboxId, @eventId, @eventType, @pending, 0, 0, @now, NULL, NULL, @replayOf, @now, @now)", "id"),
            new { subscriptionId, outboxId, eventId, eventType, pending = (short)WebhookDeliveryStatus.Pending, replayOf, now }, tx, cancellationToken: cancellationToken));

    private async Task<(string? Name, string? Url, IReadOnlyList<string>? Events)> ValidateAsync(WebhookSubscriptionInput input, bool partial, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var name = input.Name?.Trim();
        var url = input.Url?.Trim();
        if (!partial || name is not null) errors.Required("name", name, 100);
        if (!partial || url is not null)
        {
            errors.Required("url", url, 2000);
            if (!string.IsNullOrEmpty(url) && url.Length <= 2000 && await _targets.CheckUrlAsync(url, cancellationToken).ConfigureAwait(false) is { } refusal)
                errors.Add("url", refusal);
        }
        List<string>? events = null;
        if (!partial || input.Events is not null)
        {
            events = (input.Events ?? []).Select(e => e?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
            var known = EventTypes().Select(t => t.Name).ToList();
            if (events.Count == 0) errors.Add("events", "lists at least one event type (e.g. order.paid), an area wildcard (order.*) or *.");
            else if (events.Count > 50) errors.Add("events", "lists at most 50 entries.");
            else
                for (var i = 0; i < events.Count; i++)
                {
                    var e = events[i];
                    var ok = e == "*" || known.Contains(e, StringComparer.Ordinal)
                        || (e.EndsWith(".*", StringComparison.Ordinal) && known.Any(k => k.StartsWith(e[..^1], StringComparison.Ordinal)));
                    if (!ok) errors.Add($"events[{i}]", $"'{e}' is not a known event type or area wildcard; GET /api/admin/webhooks/event-types lists them.");
                }
        }
        errors.ThrowIfAny();
        return (name, url, events);
    }

    private async Task ChangeAsync(long id, string set, object values, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(values);
        parameters.Add("id", id);
        parameters.Add("now", Now());
        // A missing subscription throws inside the transaction: nothing commits, so nothing is audited.
        await database.InTransactionAsync(async tx =>
        {
            var changed = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                $"UPDATE mall_webhook_subscription SET {set} WHERE id = @id", parameters, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return changed == 0 ? throw new MallNotFoundException($"Webhook subscription {id} does not exist.") : changed;
        }, cancellationToken).ConfigureAwait(false);
    }

    private DateTime Now() => Microseconds(clock.GetUtcNow().UtcDateTime);

    /// <summary>Microsecond precision, as every database keeps it.</summary>
    internal static DateTime Microseconds(DateTime value) => new(value.Ticks - value.Ticks % 10, DateTimeKind.Utc);

    private static string Bounded(string text, int length) => text.Length <= length ? text : text[..length];
}
